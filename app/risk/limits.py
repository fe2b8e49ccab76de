"""Pure pre-trade limit checks: reference price, dollar-to-share sizing, sell and size limits
(per order, per symbol and in total over every symbol)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from app.config import Settings
from app.core.models import Order, OrderRequest, OrderType, Position, Quote, Side
from app.core.money import ZERO, floor_shares, round_money
from app.core.order_rules import MIN_NOTIONAL, quote_is_fresh
from app.risk.decisions import CheckResult


def fmt_money(value: Decimal) -> str:
    """``$1,234.50`` (negative as ``-$12.00``)."""
    rounded = round_money(value)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"


def fmt_qty(value: Decimal) -> str:
    """A share quantity without trailing zeros or exponent: ``0.398406``, ``5``."""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def calculate_position_size(price: Decimal, budget: Decimal) -> Decimal:
    """Fractional shares ``budget`` buys at ``price``, floored to 1e-6.

    Raises ValueError when the price is not positive or the budget is under $1.
    """
    if not price.is_finite() or price <= 0:
        raise ValueError(f"price must be positive, got {price}")
    if not budget.is_finite() or budget < MIN_NOTIONAL:
        raise ValueError(f"budget {fmt_money(budget)} is under Robinhood's minimum of $1.00")
    return floor_shares(budget / price)


def reference_price(
    request: OrderRequest, quote: Quote | None, now: datetime, stale_seconds: float
) -> Decimal | None:
    """The price a check uses: the limit price, else the fresh ask (buys) or bid (sells)."""
    if request.order_type is OrderType.LIMIT and request.limit_price is not None:
        return request.limit_price
    if not quote_is_fresh(quote, now, stale_seconds):
        return None
    assert quote is not None
    price = quote.ask if request.side is Side.BUY else quote.bid
    if not price.is_finite() or price <= 0:
        return None
    return price


def pending_orders(pending: Sequence[Order], symbol: str, side: Side) -> list[Order]:
    return [o for o in pending if o.symbol == symbol and o.side is side and o.status.is_open]


def pending_shares(pending: Sequence[Order], symbol: str, side: Side, price: Decimal) -> Decimal:
    """Shares still to fill in open orders (dollar orders converted at ``price``)."""
    total = ZERO
    for order in pending_orders(pending, symbol, side):
        remaining = order.remaining_quantity
        if remaining is None:
            notional = order.request.notional or ZERO
            order_price = order.request.limit_price or price
            remaining = floor_shares(notional / order_price) - order.filled_quantity
        total += max(remaining, ZERO)
    return total


def pending_buy_value(pending: Sequence[Order], symbol: str, price: Decimal) -> Decimal:
    """Dollars still to be spent by open buy orders in ``symbol``."""
    total = ZERO
    for order in pending_orders(pending, symbol, Side.BUY):
        remaining = order.remaining_quantity
        if remaining is None:
            spent = order.filled_quantity * (order.average_fill_price or price)
            total += max((order.request.notional or ZERO) - spent, ZERO)
        else:
            total += max(remaining, ZERO) * (order.request.limit_price or price)
    return total


def check_sell(
    symbol: str,
    quantity: Decimal,
    price: Decimal,
    position: Position | None,
    pending: Sequence[Order],
) -> CheckResult:
    """A sell may not exceed the shares held minus those already in open sells."""
    held = position.quantity if position is not None else ZERO
    in_sells = pending_shares(pending, symbol, Side.SELL, price) if pending else ZERO
    available = max(held - in_sells, ZERO)
    if quantity > available:
        pending_text = f" ({fmt_qty(in_sells)} already in open sell orders)" if in_sells else ""
        return CheckResult(
            False,
            f"cannot sell {fmt_qty(quantity)} {symbol}: {fmt_qty(held)} held{pending_text}; "
            f"at most {fmt_qty(available)} shares",
            max_quantity=available,
            quantity=quantity,
            price=price,
        )
    return CheckResult(True, quantity=quantity, price=price)


def check_buy(
    symbol: str,
    quantity: Decimal,
    price: Decimal,
    position: Position | None,
    pending: Sequence[Order],
    settings: Settings,
) -> CheckResult:
    """MAX_INVESTMENT per order, MAX_POSITION_VALUE per symbol (held + open buys + this)."""
    value = quantity * price
    held_value = position.quantity * price if position is not None else ZERO
    open_buys = pending_buy_value(pending, symbol, price) if pending else ZERO
    after = held_value + open_buys + value
    if value <= settings.max_investment and after <= settings.max_position_value:
        return CheckResult(True, quantity=quantity, price=price)
    room_investment = floor_shares(settings.max_investment / price)
    room_left = max(settings.max_position_value - held_value - open_buys, ZERO)
    room_position = floor_shares(room_left / price)
    largest = max(min(room_investment, room_position), ZERO)
    if value > settings.max_investment:
        return CheckResult(
            False,
            f"order value {fmt_money(value)} exceeds MAX_INVESTMENT "
            f"{fmt_money(settings.max_investment)}; at most {fmt_qty(largest)} shares",
            max_quantity=largest,
            quantity=quantity,
            price=price,
        )
    if after > settings.max_position_value:
        parts = [f"{fmt_money(held_value)} held"]
        if open_buys:
            parts.append(f"{fmt_money(open_buys)} in open buy orders")
        return CheckResult(
            False,
            f"{symbol} position would be worth {fmt_money(after)} "
            f"({', '.join(parts)}), over MAX_POSITION_VALUE "
            f"{fmt_money(settings.max_position_value)}; at most {fmt_qty(largest)} shares",
            max_quantity=largest,
            quantity=quantity,
            price=price,
        )
    return CheckResult(True, quantity=quantity, price=price)


def check_total_exposure(
    symbol: str,
    quantity: Decimal,
    price: Decimal,
    positions: Sequence[Position],
    pending: Sequence[Order],
    mark: Callable[[str], Decimal | None],
    limit: Decimal,
) -> CheckResult:
    """MAX_TOTAL_EXPOSURE: every open position, every open buy order and this buy together.

    ``symbol``'s shares and open buys are valued at ``price`` (the order's reference
    price), other symbols at ``mark(symbol)``; no price for a symbol with open buys
    that need one is a denial (fail closed).
    """
    held = ZERO
    for position in positions:
        if position.quantity <= 0:
            continue
        at = price if position.symbol == symbol else mark(position.symbol)
        if at is None:
            return CheckResult(False, f"no price for {position.symbol} to count its position "
                                      "toward MAX_TOTAL_EXPOSURE")  # fmt: skip
        held += position.quantity * at
    open_buys = ZERO
    buys = pending_orders_all(pending, Side.BUY)
    for other in sorted({o.symbol for o in buys}):
        at = price if other == symbol else mark(other)
        if at is None:  # limit and dollar orders carry their own price; a share order does not
            if any(o.symbol == other and _priced_by_market(o) for o in buys):
                return CheckResult(False, f"no price for {other} to count its open buy orders "
                                          "toward MAX_TOTAL_EXPOSURE")  # fmt: skip
            at = ZERO
        open_buys += pending_buy_value(pending, other, at)
    value = quantity * price
    after = held + open_buys + value
    if after <= limit:
        return CheckResult(True, quantity=quantity, price=price)
    largest = max(floor_shares(max(limit - held - open_buys, ZERO) / price), ZERO)
    return CheckResult(
        False,
        f"total exposure would be {fmt_money(after)} ({fmt_money(held)} in positions, "
        f"{fmt_money(open_buys)} in open buy orders, {fmt_money(value)} this order), over "
        f"MAX_TOTAL_EXPOSURE {fmt_money(limit)}; at most {fmt_qty(largest)} shares",
        max_quantity=largest,
        quantity=quantity,
        price=price,
    )


def pending_orders_all(pending: Sequence[Order], side: Side) -> list[Order]:
    """Open orders of ``side`` in every symbol."""
    return [o for o in pending if o.side is side and o.status.is_open]


def _priced_by_market(order: Order) -> bool:
    """Whether an open buy's remaining value needs the market price (a share order at market)."""
    request = order.request
    return request.limit_price is None and request.notional is None
