"""Robinhood's order rules as the paper broker applies them (pure functions, no state).

Regular hours accept every order; pre-market and after hours accept only
extended-hours limit orders of whole shares; a closed market accepts nothing.
Market orders are good for day. Dollar orders need at least $1 and are
converted to shares at the ask (buys) or bid (sells), or at the limit price.
Buying power is the cash (settled or not: Robinhood lets you buy with
unsettled funds) minus what the open buys may cost; the shares held minus the
open sells are what can still be sold.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal

from app.brokers.paper_pricing import estimate_price, shares_for_dollars, touch_price
from app.brokers.paper_rows import PaperOrder, PaperPosition
from app.calendar import Session
from app.core.errors import InsufficientFunds, OrderRejected
from app.core.models import OrderRequest, OrderType, Quote, Side, TimeInForce
from app.core.money import ZERO, round_money
from app.core.order_rules import MIN_NOTIONAL, session_refusal


def validate_order(
    request: OrderRequest,
    session: Session,
    quote: Quote | None,
    cash: Decimal,
    open_orders: Collection[PaperOrder],
    positions: Mapping[str, PaperPosition],
    quotes: Mapping[str, Quote],
    slippage_bps: Decimal,
) -> Decimal:
    """Check session, price, funds and holdings; return the order's quantity in shares.

    ``quote`` is the symbol's fresh quote (None when missing or stale); ``quotes``
    the latest quote of every symbol, which prices the open buys.
    """
    order_type = request.order_type
    if session is not Session.REGULAR or (
        order_type is OrderType.MARKET and request.time_in_force is TimeInForce.GTC
    ):
        check_session(request, session)  # the regular session refuses only market gtc orders
    if order_type is OrderType.MARKET and quote is None:
        raise OrderRejected(f"no quote for {request.symbol}")
    quantity = request.quantity
    if quantity is None:
        quantity = order_quantity(request, quote)
    side = request.side
    if side is Side.BUY:
        price = estimate_price(side, request.limit_price, quote, slippage_bps)
        cost = round_money(quantity * price)
        if open_orders:
            available = buying_power(cash, open_orders, quotes, slippage_bps)
        else:  # buying_power without open orders
            available = cash if cash > ZERO else ZERO
        if cost > available:
            raise InsufficientFunds(cost, available)
    else:
        held = sellable(request.symbol, positions.get(request.symbol), open_orders)
        if quantity > held:
            raise OrderRejected(
                f"cannot sell {quantity} {request.symbol}: only {held} shares are available to sell"
            )
    return quantity


def check_session(request: OrderRequest, session: Session) -> None:
    """Raise OrderRejected when ``session`` does not accept ``request``."""
    refusal = session_refusal(
        session, request.order_type, request.extended_hours, request.is_fractional
    )
    if refusal:
        raise OrderRejected(refusal)
    if request.order_type is OrderType.MARKET and request.time_in_force is TimeInForce.GTC:
        raise OrderRejected("market orders must be good for day (gfd), not gtc")


def order_quantity(request: OrderRequest, quote: Quote | None) -> Decimal:
    """Shares of the order: its quantity, or its dollar amount converted at the touch/limit."""
    if request.quantity is not None:
        return request.quantity
    assert request.notional is not None  # OrderRequest guarantees one of the two
    if request.notional < MIN_NOTIONAL:
        raise OrderRejected(f"dollar orders must be at least ${MIN_NOTIONAL}")
    if request.limit_price is not None:
        price = request.limit_price
    elif quote is not None:
        price = touch_price(request.side, quote)
    else:
        raise OrderRejected(f"no quote for {request.symbol}")
    quantity = shares_for_dollars(request.notional, price)
    if quantity <= 0:
        raise OrderRejected(f"${request.notional} buys no shares of {request.symbol}")
    return quantity


def buying_power(
    cash: Decimal,
    open_orders: Iterable[PaperOrder],
    quotes: Mapping[str, Quote],
    slippage_bps: Decimal,
) -> Decimal:
    """Cash (settled or not: Robinhood lets you buy with unsettled funds) minus open buys."""
    reserved = ZERO
    for row in open_orders:
        if row.side is Side.BUY:
            quote = quotes.get(row.symbol)
            reserved += round_money(
                row.remaining * estimate_price(Side.BUY, row.limit_price, quote, slippage_bps)
            )
    return max(ZERO, cash - reserved)


def sellable(
    symbol: str, position: PaperPosition | None, open_orders: Iterable[PaperOrder]
) -> Decimal:
    """Shares of ``symbol`` held minus those the open sell orders still need."""
    held = position.quantity if position is not None else ZERO
    pending = sum(
        (row.remaining for row in open_orders if row.symbol == symbol and row.side is Side.SELL),
        ZERO,
    )
    return held - pending
