"""Typed events (past tense) and commands (imperative) that travel on the bus.

Every message is a frozen dataclass with keyword-only fields; ``time`` is the
injected clock's time when it happened. Subscribing to a base class (for
example :class:`Event`) receives every subclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.core.models import (
    Account,
    Bar,
    Fill,
    HealthState,
    Interval,
    Order,
    OrderRequest,
    Position,
    Quote,
    Signal,
    TradingState,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """Base of events and commands."""

    time: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(Message):
    """Something that happened."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Command(Message):
    """Something someone asks to happen."""


# --- market data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceUpdated(Event):
    quote: Quote


@dataclass(frozen=True, slots=True, kw_only=True)
class QuoteStale(Event):
    symbol: str
    age_seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class BarUpdated(Event):
    """The forming (not yet closed) bar changed."""

    bar: Bar


@dataclass(frozen=True, slots=True, kw_only=True)
class BarClosed(Event):
    bar: Bar


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoricalDataReady(Event):
    symbol: str
    interval: Interval
    count: int


# --- strategy --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalGenerated(Event):
    signal: Signal


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionMade(Event):
    """What the bot did with a signal or an exit: ordered, denied or ignored, and why."""

    symbol: str
    outcome: str  # "ordered" | "denied" | "ignored"
    reason: str
    signal: Signal | None = None
    client_order_id: str | None = None


# --- orders ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderEvent(Event):
    order: Order


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSubmitted(OrderEvent):
    """Journaled and sent to the broker (the original's ``order_placed``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAccepted(OrderEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPartiallyFilled(OrderEvent):
    fill: Fill


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilled(OrderEvent):
    fill: Fill


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelled(OrderEvent):
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRejected(OrderEvent):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDenied(Event):
    """Sherwood's own risk or compliance checks refused the order; it never reached the broker."""

    request: OrderRequest
    reason: str
    source: str  # "risk" | "compliance" | "execution"
    client_order_id: str | None = None
    max_quantity: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeCompleted(Event):
    """A fill changed the portfolio."""

    fill: Fill
    realized_pnl: Decimal | None = None  # on sells


# --- portfolio -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionOpened(Event):
    position: Position


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionChanged(Event):
    position: Position


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionClosed(Event):
    symbol: str
    realized_pnl: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountUpdated(Event):
    account: Account


@dataclass(frozen=True, slots=True, kw_only=True)
class EquitySnapshotTaken(Event):
    """A point of the equity curve was stored (the account view draws it)."""

    equity: Decimal


# --- risk ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskLimitReached(Event):
    limit: str  # "max_daily_loss", "max_position_value", ...
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StopLossTriggered(Event):
    symbol: str
    entry_price: Decimal
    price: Decimal
    pnl_pct: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfitTargetReached(Event):
    symbol: str
    entry_price: Decimal
    price: Decimal
    pnl_pct: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingStateChanged(Event):
    state: TradingState
    previous: TradingState
    reason: str


# --- compliance ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DayTradeRecorded(Event):
    symbol: str
    trade_date: str  # ISO New York trade date
    used: int
    limit: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PdtWarning(Event):
    used: int
    limit: int
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PdtLimitReached(Event):
    used: int
    limit: int
    message: str


# --- services --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceStarted(Event):
    service: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceStopped(Event):
    service: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthChanged(Event):
    service: str
    state: HealthState
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorOccurred(Event):
    source: str
    message: str


# --- commands --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOrder(Command):
    request: OrderRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder(Command):
    client_order_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClosePosition(Command):
    symbol: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetTradingState(Command):
    state: TradingState
    reason: str
    flatten: bool = False


# --- execution (appended) --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelRequested(OrderEvent):
    """A cancel was sent; the order is CANCEL_PENDING until the broker confirms."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconciliationCompleted(Event):
    """A reconciliation with the broker finished (the start-up one, or a later one that found
    something); ``problems`` lists what it could not settle."""

    orders_checked: int
    fills_recovered: int
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OutsideTradeAdopted(Event):
    """Reconciliation adopted an order or a position made outside Sherwood (e.g. in the
    Robinhood app): the journal and the portfolio count it now. ``message`` tells the user."""

    kind: str  # "order" | "position"
    symbol: str
    message: str
