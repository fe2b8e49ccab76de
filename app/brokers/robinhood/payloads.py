"""The body of ``POST /orders/``, built as robin-stocks 3.4.0's ``order()`` builds it, with
Sherwood's client order id as ``ref_id``.

Why here and not robin-stocks: its order functions make their own ``ref_id``
per call, so a retry could place a second order. What robin-stocks does,
kept: regular-hours market buys go as limit orders at the ask with its 5 %
collar (``preset_percent_limit``); market sells go as true market orders;
prices rounded like its ``round_price``; extended hours only for limit orders
of whole shares (``market_hours`` extended_hours). Where Robinhood refuses
robin-stocks' default: market and fractional orders are good-for-day.
Fractional by dollars is converted to shares at the ask (bid for a sell),
rounded down to 6 places so it never spends more than asked; at least $1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Any

from app.core.errors import OrderRejected
from app.core.models import OrderRequest, OrderType, Side, TimeInForce

COLLAR = "0.05"
SHARE_PLACES = Decimal("0.000001")
MIN_DOLLARS = Decimal(1)


@dataclass(frozen=True, slots=True)
class Prices:
    """The quote an order is priced on (bid and ask as Robinhood sent them)."""

    bid: Decimal
    ask: Decimal
    time: datetime


def round_price(price: Decimal) -> Decimal:
    """robin-stocks' ``round_price``: 6 places up to a cent, 4 below a dollar, else 2."""
    places = "0.000001" if price <= Decimal("0.01") else "0.0001" if price < 1 else "0.01"
    return price.quantize(Decimal(places), ROUND_HALF_EVEN)


def shares_for(request: OrderRequest, prices: Prices | None) -> Decimal:
    """The order's quantity in shares (a dollar amount converted at the ask or the bid)."""
    if request.quantity is not None:
        return request.quantity
    assert request.notional is not None  # an OrderRequest has one or the other
    if request.notional < MIN_DOLLARS:
        raise OrderRejected("Robinhood needs at least $1.00 for an order in dollars")
    price = None if prices is None else prices.ask if request.side is Side.BUY else prices.bid
    if price is None or price <= 0:
        raise OrderRejected(f"no price for {request.symbol}; the order in dollars was not sent")
    shares = (request.notional / price).quantize(SHARE_PLACES, ROUND_DOWN)
    if shares <= 0:
        raise OrderRejected(f"${request.notional} buys no share of {request.symbol}")
    return shares


def needs_prices(request: OrderRequest) -> bool:
    """Whether the payload needs the current bid/ask (market orders and dollar amounts)."""
    return request.order_type is OrderType.MARKET or request.notional is not None


def order_payload(
    ref_id: str, request: OrderRequest, *, account_url: str, instrument_url: str,
    prices: Prices | None,
) -> dict[str, Any]:  # fmt: skip
    """The JSON body for ``POST /orders/``; OrderRejected for orders Robinhood cannot take."""
    quantity = shares_for(request, prices)
    whole = quantity == quantity.to_integral_value()
    limit = request.order_type is OrderType.LIMIT
    if request.extended_hours and not (limit and whole):
        raise OrderRejected("extended hours take only limit orders of whole shares")
    if needs_prices(request) and prices is None:
        raise OrderRejected(f"no quote for {request.symbol}; the order was not sent")
    side = request.side.value
    gtc = limit and whole and request.time_in_force is TimeInForce.GTC
    payload: dict[str, Any] = {
        "account": account_url, "instrument": instrument_url, "symbol": request.symbol,
        "quantity": f"{quantity.normalize():f}", "ref_id": ref_id, "type": "market",
        "time_in_force": "gtc" if gtc else "gfd", "trigger": "immediate", "side": side,
        "market_hours": "extended_hours" if request.extended_hours else "regular_hours",
        "extended_hours": request.extended_hours, "order_form_version": 4,
    }  # fmt: skip
    if prices is not None:
        payload["ask_price"] = f"{round_price(prices.ask)}"
        payload["bid_price"] = f"{round_price(prices.bid)}"
        payload["bid_ask_timestamp"] = prices.time.strftime("%Y-%m-%d %H:%M:%S.%f")
    if limit:
        assert request.limit_price is not None  # a limit OrderRequest always has one
        payload["type"] = "limit"
        payload["price"] = f"{round_price(request.limit_price)}"
    elif request.side is Side.BUY:
        assert prices is not None
        payload["type"] = "limit"  # robin-stocks: a market buy is a limit at the ask, collared
        payload["price"] = f"{round_price(prices.ask)}"
        payload["preset_percent_limit"] = COLLAR
    return payload
