"""The blocking Robinhood operations the broker runs on the worker thread, one per method.

Each returns Sherwood values (:class:`BrokerOrder`, :class:`BrokerPosition`,
:class:`Account`) or raises a typed error; :class:`Placed` tells the broker
what an order POST came to, so the idempotency rules live in one place
(:mod:`app.brokers.robinhood.broker`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.brokers.base import BrokerOrder, BrokerPosition
from app.brokers.robinhood import translate
from app.brokers.robinhood.api import RobinhoodApi, url
from app.brokers.robinhood.directory import Directory
from app.brokers.robinhood.payloads import Prices, needs_prices, order_payload
from app.core.errors import BrokerError, BrokerUnavailable, CancelRejected, OrderRejected
from app.core.models import Account, OrderRequest
from app.core.money import ZERO
from app.gateway.http import message_of


@dataclass(frozen=True, slots=True)
class Placed:
    """What ``POST /orders/`` answered: the order, or Robinhood saying the ref_id is taken."""

    order: BrokerOrder | None
    ref_id_taken: bool = False


def _since(when: datetime) -> dict[str, str]:
    return {"updated_at[gte]": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


class RobinhoodCalls:
    def __init__(self, api: RobinhoodApi) -> None:
        self.api = api
        self.directory = Directory(api)

    # --- orders ---------------------------------------------------------------------------

    def prices(self, symbol: str) -> Prices:
        """The current bid/ask; OrderRejected when trading in ``symbol`` is halted."""
        rows = self.api.get(url("/quotes/"), {"symbols": symbol}).get("results") or []
        row = rows[0] if rows and isinstance(rows[0], dict) else None
        if row is None:
            raise OrderRejected(f"Robinhood has no quote for {symbol}")
        if row.get("trading_halted"):
            raise OrderRejected(f"trading in {symbol} is halted")
        return Prices(
            translate.decimal(row.get("bid_price"), "a bid"),
            translate.decimal(row.get("ask_price"), "an ask"),
            translate.timestamp(row.get("updated_at")),
        )

    def payload(self, ref_id: str, request: OrderRequest) -> dict[str, Any]:
        """The order body (account and instrument looked up, priced on the quote if needed)."""
        _, account_url = self.directory.account()
        instrument = self.directory.instrument_url(request.symbol)
        prices = self.prices(request.symbol) if needs_prices(request) else None
        return order_payload(
            ref_id, request, account_url=account_url, instrument_url=instrument, prices=prices
        )

    def place(self, payload: dict[str, Any]) -> Placed:
        status, data = self.api.post(url("/orders/"), payload)
        if status < 300:
            if not isinstance(data, dict):
                raise BrokerUnavailable("Robinhood's order answer is not an object")
            return Placed(translate.broker_order(data, str(payload["symbol"])))
        reason = message_of(data) or f"Robinhood answered {status}"
        if "ref_id" in reason.lower():
            return Placed(None, ref_id_taken=True)
        raise OrderRejected(reason)

    def _order(self, row: dict[str, Any]) -> BrokerOrder:
        return translate.broker_order(row, self.directory.symbol_of(str(row.get("instrument"))))

    def order(self, broker_order_id: str) -> BrokerOrder:
        return self._order(self.api.get(url(f"/orders/{broker_order_id}/")))

    def find(self, ref_id: str, since: datetime) -> BrokerOrder | None:
        """The order with this ref_id among those updated since ``since``; None proves that
        Robinhood has none (every page was read), a failed read raises."""
        for row in self.api.get_all(url("/orders/"), _since(since)):
            if row.get("ref_id") == ref_id:
                return self._order(row)
        return None

    def orders_since(self, since: datetime) -> list[BrokerOrder]:
        return [self._order(r) for r in self.api.get_all(url("/orders/"), _since(since))]

    def open_orders(self) -> list[BrokerOrder]:
        rows = self.api.get_all(url("/orders/"))
        return [self._order(r) for r in rows if translate.is_open(r)]

    def cancel(self, broker_order_id: str) -> BrokerOrder:
        """Ask Robinhood to cancel; the order as it stands. CancelRejected when it is done."""
        status, data = self.api.post(url(f"/orders/{broker_order_id}/cancel/"))
        current = self.order(broker_order_id)
        if status >= 400:
            if current.status.is_terminal:
                raise CancelRejected(
                    f"the order is already {current.status.value}; it cannot be cancelled"
                )
            raise BrokerError(message_of(data) or f"Robinhood answered {status} to the cancel")
        return current

    # --- account --------------------------------------------------------------------------

    def positions(self) -> list[BrokerPosition]:
        number, _ = self.directory.account()
        held = []
        for row in self.api.get_all(url("/positions/"), {"account_number": number,
                                                         "nonzero": "true"}):  # fmt: skip
            quantity = translate.decimal(row.get("quantity"), "a position's quantity")
            if quantity == ZERO:
                continue
            symbol = self.directory.symbol_of(str(row.get("instrument")))
            cost = translate.decimal(row.get("average_buy_price"), "an average cost")
            held.append(BrokerPosition(symbol, quantity, cost))
        return held

    def account(self) -> Account:
        number, account_url = self.directory.account()
        row = self.api.get(account_url)
        portfolio = self.api.get(url(f"/portfolios/{number}/"))
        trades = self.api.get(url(f"/accounts/{number}/recent_day_trades/"))
        return translate.account(row, portfolio, len(trades.get("equity_day_trades") or []))
