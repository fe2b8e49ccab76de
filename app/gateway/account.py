"""The live account as Robinhood reports it, read through the session (for ``status``).

One blocking function, :func:`fetch_account`, run on the worker through
:meth:`GatewayService.authorized`: the default account (cash or margin,
cash, buying power, unsettled funds), its portfolio (equity, previous close),
open positions (symbols resolved from their instrument URLs) and Robinhood's
own recent day trades. Prices stay Decimal as Robinhood sends them (strings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from robin_stocks.robinhood import urls as rh_urls

from app.gateway.client import RobinhoodClient
from app.gateway.errors import UnexpectedAnswer


def _dec(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise UnexpectedAnswer(f"Robinhood sent {value!r} where a number belongs") from None


def mask_account(number: str) -> str:
    """``•••••2345``: only the last four characters are shown."""
    return "•" * max(0, len(number) - 4) + number[-4:]


@dataclass(frozen=True, slots=True)
class LivePosition:
    symbol: str
    quantity: Decimal
    average_price: Decimal | None


@dataclass(frozen=True, slots=True)
class LiveAccount:
    account_number: str
    account_type: str  # cash or margin
    cash: Decimal | None
    buying_power: Decimal | None
    unsettled_funds: Decimal | None
    equity: Decimal | None
    equity_previous_close: Decimal | None
    positions: list[LivePosition] = field(default_factory=list)
    day_trades: int = 0  # Robinhood's count over its window

    @property
    def masked_number(self) -> str:
        return mask_account(self.account_number)


def fetch_account(client: RobinhoodClient) -> LiveAccount:
    accounts = client.get_all(rh_urls.account_profile_url())
    if not accounts:
        raise UnexpectedAnswer("Robinhood lists no account for this login")
    acct = accounts[0]
    number = str(acct.get("account_number") or "")
    if not number:
        raise UnexpectedAnswer("Robinhood's account has no number")
    portfolio = client.get(rh_urls.portfolio_profile_url(number) + "/")
    symbols: dict[str, str] = {}
    positions: list[LivePosition] = []
    for row in client.get_all(rh_urls.positions_url(number), {"nonzero": "true"}):
        quantity = _dec(row.get("quantity")) or Decimal(0)
        if quantity == 0:
            continue
        symbol = row.get("symbol")
        if not symbol:
            url = str(row.get("instrument") or "")
            if url not in symbols:
                symbols[url] = str(client.get(url).get("symbol") or "?")
            symbol = symbols[url]
        positions.append(LivePosition(str(symbol), quantity, _dec(row.get("average_buy_price"))))
    trades = client.get(rh_urls.daytrades_url(number))
    return LiveAccount(
        account_number=number,
        account_type=str(acct.get("type") or "cash"),
        cash=_dec(acct.get("cash")),
        buying_power=_dec(acct.get("buying_power")),
        unsettled_funds=_dec(acct.get("unsettled_funds")),
        equity=_dec(portfolio.get("equity")),
        equity_previous_close=_dec(portfolio.get("equity_previous_close")),
        positions=positions,
        day_trades=len(trades.get("equity_day_trades") or []),
    )
