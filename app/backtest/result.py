"""What a backtest reports: orders, fills, denials, P&L, day trades, metrics and the timeline.

:class:`Timeline` records the trade-relevant events of a run as plain rows
without the random ids (client order ids, execution ids), so two runs over the
same bars can be compared row for row; :class:`BacktestResult` is the outcome,
with the equity curve and the figures of :mod:`app.backtest.metrics`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from app.backtest.metrics import EquityPoint, Metrics, RoundTrip
from app.compliance.day_trades import DayTrade
from app.core.bus import EventBus
from app.core.events import (
    AccountUpdated,
    DayTradeRecorded,
    DecisionMade,
    Event,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderPartiallyFilled,
    ProfitTargetReached,
    RiskLimitReached,
    SignalGenerated,
    StopLossTriggered,
    TradeCompleted,
    TradingStateChanged,
)
from app.core.models import Fill, Order, Position, Side, TradingState


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One event: when, what kind, and its content without random ids."""

    time: datetime
    kind: str
    detail: str


def _describe(event: Event) -> str:
    if isinstance(event, SignalGenerated):
        s = event.signal
        return f"{s.strategy} {s.action.value} {s.symbol} {s.price} bar {s.bar_time.isoformat()}"
    if isinstance(event, DecisionMade):
        return f"{event.symbol} {event.outcome}: {event.reason}"
    if isinstance(event, OrderFilled | OrderPartiallyFilled):
        f = event.fill
        return f"{f.side.value} {f.quantity} {f.symbol} @ {f.price} at {f.time.isoformat()}"
    if isinstance(event, OrderEvent):
        o = event.order
        return (f"{o.side.value} {o.quantity} {o.symbol} {o.status.value} "
                f"filled {o.filled_quantity} ({o.request.source.value}: {o.request.reason}) "
                f"{o.reason}")  # fmt: skip
    if isinstance(event, OrderDenied):
        r = event.request
        return f"{r.side.value} {r.symbol} by {event.source}: {event.reason}"
    if isinstance(event, TradeCompleted):
        return f"{event.fill.side.value} {event.fill.quantity} @ {event.fill.price} " \
               f"realized {event.realized_pnl}"  # fmt: skip
    if isinstance(event, AccountUpdated):
        a = event.account
        return (f"cash {a.cash} equity {a.equity} (previous close {a.equity_previous_close}) "
                f"buying power {a.buying_power}")  # fmt: skip
    if isinstance(event, TradingStateChanged):
        return f"{event.previous.value} -> {event.state.value}: {event.reason}"
    if isinstance(event, RiskLimitReached):
        return f"{event.limit}: {event.detail}"
    if isinstance(event, ProfitTargetReached | StopLossTriggered):
        return f"{event.symbol} entry {event.entry_price} at {event.price} ({event.pnl_pct} %)"
    if isinstance(event, DayTradeRecorded):
        return f"{event.symbol} {event.trade_date} used {event.used} of {event.limit}"
    return ""


TIMELINE_EVENTS: tuple[type[Event], ...] = (
    SignalGenerated, DecisionMade, OrderEvent, OrderDenied, TradeCompleted, AccountUpdated,
    TradingStateChanged, RiskLimitReached, ProfitTargetReached, StopLossTriggered,
    DayTradeRecorded,
)  # fmt: skip


class Timeline:
    """Records :data:`TIMELINE_EVENTS` in the order the bus delivers them.

    Events are immutable snapshots: they are kept as they come and described at the end.
    """

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        for kind in TIMELINE_EVENTS:
            bus.subscribe(kind, self.events.append)

    def rows(self) -> list[TimelineRow]:
        return [TimelineRow(e.time, type(e).__name__, _describe(e)) for e in self.events]

    def round_trips(self) -> list[RoundTrip]:
        """Every sale with the P&L the portfolio realized on it, oldest first."""
        return [
            RoundTrip(e.fill.time, e.fill.quantity, e.fill.price, e.realized_pnl)
            for e in self.events
            if isinstance(e, TradeCompleted)
            and e.fill.side is Side.SELL
            and e.realized_pnl is not None
        ]

    def denials(self) -> Counter[str]:
        """``"source: reason"`` -> how many orders were denied so."""
        denied = [e for e in self.events if isinstance(e, OrderDenied)]
        return Counter(f"{e.source}: {e.reason}" for e in denied)


@dataclass(frozen=True)
class BacktestResult:
    """The outcome of :func:`~app.backtest.engine.run_backtest`."""

    symbol: str
    strategy: str
    bars: int
    bars_fed: int  # through the whole pipeline
    bars_skipped: int  # provably no service would act on them: they reached none
    elapsed: float  # wall seconds of the replay itself (start and stop excluded)
    orders: tuple[Order, ...]  # oldest first
    fills: tuple[Fill, ...]  # oldest first
    denials: dict[str, int]  # "source: reason" -> count
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    day_trades: tuple[DayTrade, ...]
    day_trades_used: int
    positions: tuple[Position, ...]
    trading_state: TradingState
    trading_state_reason: str
    timeline: tuple[TimelineRow, ...]
    skipping_off: str = ""  # why every bar was fed, if skipping was asked for but unsafe
    summary: tuple[str, ...] = field(default=())
    interval: str = ""  # the bars' interval, e.g. "5m"
    starting_cash: Decimal = Decimal("0")
    equity: tuple[EquityPoint, ...] = ()  # one point per bar, at its close
    round_trips: tuple[RoundTrip, ...] = ()
    metrics: Metrics | None = None

    @property
    def bars_per_second(self) -> float:
        return self.bars / self.elapsed if self.elapsed > 0 else float("inf")
