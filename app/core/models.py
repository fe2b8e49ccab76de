"""The domain model: bars, quotes, orders and their state machine, fills, positions, account.

Money and quantities are ``Decimal``; times are timezone-aware UTC datetimes.
Value objects are frozen dataclasses; ``Order`` is the one mutable entity and
only changes through :meth:`Order.transition` and :meth:`Order.apply_fill`.
The enumerations live in :mod:`app.core.enums` and are re-exported here.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.core.enums import (
    TERMINAL_STATUSES,
    AccountType,
    HealthState,
    Interval,
    OrderSource,
    OrderStatus,
    OrderType,
    Side,
    SignalAction,
    TimeInForce,
    TradingState,
)
from app.core.errors import IllegalTransition, InvalidOrder
from app.core.money import ZERO

__all__ = [
    "ALLOWED_TRANSITIONS",
    "SYMBOL_RE",
    "TERMINAL_STATUSES",
    "Account",
    "AccountType",
    "Bar",
    "Fill",
    "Health",
    "HealthState",
    "Interval",
    "Order",
    "OrderRequest",
    "OrderSource",
    "OrderStatus",
    "OrderType",
    "Position",
    "Quote",
    "Side",
    "Signal",
    "SignalAction",
    "TimeInForce",
    "TradingState",
    "describe",
    "new_client_order_id",
    "normalize_symbol",
]

SYMBOL_RE = re.compile(r"^[A-Z][A-Z0-9.\-]{0,9}$")


def normalize_symbol(symbol: str) -> str:
    """Upper-case and validate a ticker; raise ValueError with a clear message."""
    if not isinstance(symbol, str):
        raise ValueError(f"symbol must be text, got {symbol!r}")
    cleaned = symbol.strip().upper()
    if not SYMBOL_RE.fullmatch(cleaned):
        raise ValueError(
            f"{symbol!r} is not a valid symbol (1-10 letters, digits, '.' or '-', "
            "starting with a letter)"
        )
    return cleaned


def new_client_order_id() -> str:
    """A fresh client order id (a random UUID4); it is also the broker's idempotency key
    (Robinhood's ``ref_id``)."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLCV bar; ``start`` is the UTC start of the interval (aligned in New York time)."""

    symbol: str
    interval: Interval
    start: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int

    def __post_init__(self) -> None:
        if not (self.low <= min(self.open, self.close) and self.high >= max(self.open, self.close)):
            raise ValueError(
                f"inconsistent bar {self.symbol} {self.start}: "
                f"O={self.open} H={self.high} L={self.low} C={self.close}"
            )
        if self.low <= 0:
            raise ValueError(f"bar prices must be positive, got low={self.low}")
        if self.volume < 0:
            raise ValueError(f"volume must not be negative, got {self.volume}")


@dataclass(frozen=True, slots=True)
class Quote:
    """The latest bid/ask/last of a symbol."""

    symbol: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    bid_size: Decimal
    ask_size: Decimal
    time: datetime
    volume: int = 0  # shares traded since the previous quote
    stale: bool = False
    halted: bool = False  # trading in the symbol is halted at its exchange (also stale)

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2


@dataclass(frozen=True, slots=True)
class Signal:
    """What a strategy concluded on one closed bar."""

    symbol: str
    strategy: str
    action: SignalAction
    confidence: float
    values: dict[str, float]
    bar_time: datetime
    interval: Interval
    price: Decimal


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What someone asks to trade: by shares (``quantity``) or by dollars (``notional``)."""

    symbol: str
    side: Side
    quantity: Decimal | None = None
    notional: Decimal | None = None
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GFD
    extended_hours: bool = False
    source: OrderSource = OrderSource.MANUAL
    reason: str = ""

    def __post_init__(self) -> None:
        try:
            symbol = normalize_symbol(self.symbol)
        except ValueError as exc:
            raise InvalidOrder(str(exc)) from None
        if symbol != self.symbol:
            object.__setattr__(self, "symbol", symbol)
        if (self.quantity is None) == (self.notional is None):
            raise InvalidOrder("give either a quantity in shares or an amount in dollars")
        if self.quantity is not None and not (self.quantity.is_finite() and self.quantity > 0):
            raise InvalidOrder(f"quantity must be positive, got {self.quantity}")
        if self.notional is not None and not (self.notional.is_finite() and self.notional > 0):
            raise InvalidOrder(f"dollar amount must be positive, got {self.notional}")
        if self.order_type is OrderType.LIMIT:
            if self.limit_price is None:
                raise InvalidOrder("a limit order needs a limit price")
            if not (self.limit_price.is_finite() and self.limit_price > 0):
                raise InvalidOrder(f"limit price must be positive, got {self.limit_price}")
        elif self.limit_price is not None:
            raise InvalidOrder("a market order takes no limit price")

    @property
    def is_fractional(self) -> bool:
        return self.notional is not None or (
            self.quantity is not None and self.quantity != self.quantity.to_integral_value()
        )


_LIVE = {
    OrderStatus.PARTIALLY_FILLED,
    OrderStatus.FILLED,
    OrderStatus.CANCEL_PENDING,
    OrderStatus.CANCELLED,
    OrderStatus.REJECTED,
    OrderStatus.EXPIRED,
}
ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.NEW: frozenset({OrderStatus.SUBMITTED, OrderStatus.DENIED, OrderStatus.REJECTED}),
    OrderStatus.SUBMITTED: frozenset({OrderStatus.ACCEPTED, *_LIVE}),
    OrderStatus.ACCEPTED: frozenset(_LIVE),
    OrderStatus.PARTIALLY_FILLED: frozenset(_LIVE - {OrderStatus.REJECTED}),
    OrderStatus.CANCEL_PENDING: frozenset(
        {
            OrderStatus.ACCEPTED,  # the cancel was refused and the order lives on
            OrderStatus.PARTIALLY_FILLED,
            OrderStatus.FILLED,
            OrderStatus.CANCELLED,
            OrderStatus.EXPIRED,
        }
    ),
    **{status: frozenset() for status in TERMINAL_STATUSES},
}


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution; ``execution_id`` is unique, so applying a fill twice is detectable."""

    execution_id: str
    client_order_id: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    time: datetime
    fee: Decimal = ZERO

    @property
    def value(self) -> Decimal:
        return self.quantity * self.price


@dataclass(slots=True)
class Order:
    """An order and its life; state changes only through the state machine."""

    client_order_id: str
    request: OrderRequest
    created_at: datetime
    status: OrderStatus = OrderStatus.NEW
    updated_at: datetime | None = None
    broker_order_id: str | None = None
    quantity: Decimal | None = None  # shares, once known (dollar orders learn it at the broker)
    filled_quantity: Decimal = ZERO
    average_fill_price: Decimal | None = None
    reason: str = ""  # why it was denied, rejected or cancelled
    fill_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.quantity is None and self.request.quantity is not None:
            self.quantity = self.request.quantity

    @property
    def symbol(self) -> str:
        return self.request.symbol

    @property
    def side(self) -> Side:
        return self.request.side

    @property
    def remaining_quantity(self) -> Decimal | None:
        return None if self.quantity is None else self.quantity - self.filled_quantity

    def can_transition(self, new_status: OrderStatus) -> bool:
        return new_status in ALLOWED_TRANSITIONS[self.status]

    def transition(self, new_status: OrderStatus, when: datetime, reason: str = "") -> None:
        """Move to ``new_status`` or raise :class:`IllegalTransition`."""
        if not self.can_transition(new_status):
            raise IllegalTransition(
                f"order {self.client_order_id}: {self.status.value} -> {new_status.value} "
                "is not allowed"
            )
        self.status = new_status
        self.updated_at = when
        if reason:
            self.reason = reason

    def apply_fill(self, fill: Fill) -> bool:
        """Add a fill; returns False (and changes nothing) if it was applied before. Raises
        (and changes nothing) for a fill that cannot be this order's.

        A cancelled or expired order takes a fill too: an execution the broker reports after
        the cancel happened before it took effect, and the shares moved all the same; the
        order stays cancelled, with its filled part."""
        if fill.execution_id in self.fill_ids:
            return False
        if fill.client_order_id != self.client_order_id:
            raise ValueError(f"fill {fill.execution_id} belongs to {fill.client_order_id}")
        total = self.filled_quantity + fill.quantity
        if self.quantity is not None and total > self.quantity:
            raise ValueError(
                f"fill {fill.execution_id} overfills order {self.client_order_id}: "
                f"{total} > {self.quantity}"
            )
        if self.quantity is not None and total == self.quantity:
            target = OrderStatus.FILLED
        else:
            target = OrderStatus.PARTIALLY_FILLED
        ended = self.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED)
        if not ended and (self.status is not target or target is OrderStatus.PARTIALLY_FILLED):
            self.transition(target, fill.time)  # first: an IllegalTransition changes nothing
        else:
            self.updated_at = fill.time
        previous_value = (self.average_fill_price or ZERO) * self.filled_quantity
        self.average_fill_price = (previous_value + fill.value) / total
        self.filled_quantity = total
        self.fill_ids.append(fill.execution_id)
        return True

    def snapshot(self) -> Order:
        """A detached copy for publishing in events (later changes do not show in it)."""
        return replace(self, fill_ids=list(self.fill_ids))


@dataclass(frozen=True, slots=True)
class Position:
    """A holding, average-cost method; ``realized_pnl`` accumulates over its life."""

    symbol: str
    quantity: Decimal
    average_cost: Decimal
    realized_pnl: Decimal = ZERO
    opened_at: datetime | None = None

    @property
    def cost_basis(self) -> Decimal:
        return self.quantity * self.average_cost

    def market_value(self, price: Decimal) -> Decimal:
        return self.quantity * price

    def unrealized_pnl(self, price: Decimal) -> Decimal:
        return (price - self.average_cost) * self.quantity

    def unrealized_pct(self, price: Decimal) -> Decimal:
        if self.average_cost == 0:
            return ZERO
        return (price - self.average_cost) / self.average_cost * 100


@dataclass(frozen=True, slots=True)
class Account:
    """Balances as the broker reports them."""

    account_type: AccountType
    cash: Decimal
    settled_cash: Decimal
    unsettled_cash: Decimal
    buying_power: Decimal
    equity: Decimal
    equity_previous_close: Decimal
    broker_day_trades: int | None = None  # the broker's own count, where it has one


@dataclass(frozen=True, slots=True)
class Health:
    state: HealthState
    reason: str = ""


def describe(obj: Any) -> str:
    """A short human description of a request or order for logs and messages."""
    request = obj.request if isinstance(obj, Order) else obj
    if not isinstance(request, OrderRequest):
        return repr(obj)
    amount = f"{request.quantity} sh" if request.quantity is not None else f"${request.notional}"
    price = f" @ {request.limit_price}" if request.limit_price is not None else " @ market"
    return f"{request.side.value.upper()} {amount} {request.symbol}{price}"
