"""The bus-to-Qt bridge: bus events re-emitted as Qt signals; high-rate ones coalesced.

qasync runs the asyncio loop on the Qt thread, so bus handlers already run on
the GUI thread and emit directly. Quotes and forming bars arrive far faster
than a screen refreshes: the bridge keeps the latest per symbol and emits them
from a 30 Hz timer (``quotes``; forming bars every third tick, 10 Hz, since a
chart repaint is the costliest thing on the GUI thread); both carry dicts by symbol.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.bus import EventBus, Subscription
from app.core.events import (
    AccountUpdated,
    BarClosed,
    BarUpdated,
    DayTradeRecorded,
    DecisionMade,
    EquitySnapshotTaken,
    ErrorOccurred,
    HealthChanged,
    OrderDenied,
    OrderEvent,
    PdtLimitReached,
    PdtWarning,
    PositionChanged,
    PositionClosed,
    PositionOpened,
    PriceUpdated,
    SignalGenerated,
    TradeCompleted,
    TradingStateChanged,
)
from app.core.models import Bar, Quote

log = logging.getLogger("sherwood.ui.bridge")

REFRESH_HZ = 30
CHART_EVERY = 3  # forming bars repaint the chart at 10 Hz: a chart paint costs ~20 ms


class Bridge(QObject):
    """Subscribe once; widgets connect to the signals."""

    quotes = Signal(object)  # dict[str, Quote], coalesced
    formingBars = Signal(object)  # dict[str, Bar], coalesced
    barClosed = Signal(object)  # Bar
    orderChanged = Signal(object)  # OrderEvent
    orderDenied = Signal(object)  # OrderDenied
    tradeCompleted = Signal(object)  # TradeCompleted
    positionsChanged = Signal()  # positions or their prices changed (coalesced)
    signalGenerated = Signal(object)  # Signal
    decisionMade = Signal(object)  # DecisionMade
    accountUpdated = Signal(object)  # Account
    equitySnapshot = Signal(object)  # EquitySnapshotTaken
    tradingStateChanged = Signal(object)  # TradingStateChanged
    pdtChanged = Signal()  # coalesced
    pdtWarning = Signal(str)
    healthChanged = Signal(object)  # HealthChanged
    errorOccurred = Signal(object)  # ErrorOccurred

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bus = bus
        self._subs: list[Subscription] = []
        self._quotes: dict[str, Quote] = {}
        self._bars: dict[str, Bar] = {}
        self._positions_dirty = False
        self._pdt_dirty = False
        self._ticks = 0
        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / REFRESH_HZ))
        self.timer.timeout.connect(self.flush)

    def start(self) -> None:
        on = self._subscribe
        on(PriceUpdated, self._on_price)
        on(BarUpdated, self._on_bar)
        on(BarClosed, lambda e: self.barClosed.emit(e.bar))
        on(OrderEvent, self.orderChanged.emit)
        on(OrderDenied, self.orderDenied.emit)
        on(TradeCompleted, self._on_trade)
        for kind in (PositionOpened, PositionChanged, PositionClosed):
            on(kind, self._mark_positions)
        on(SignalGenerated, lambda e: self.signalGenerated.emit(e.signal))
        on(DecisionMade, self.decisionMade.emit)
        on(AccountUpdated, lambda e: self.accountUpdated.emit(e.account))
        on(EquitySnapshotTaken, self.equitySnapshot.emit)
        on(TradingStateChanged, self.tradingStateChanged.emit)
        on(DayTradeRecorded, self._mark_pdt)
        on(PdtWarning, self._on_pdt_message)
        on(PdtLimitReached, self._on_pdt_message)
        on(HealthChanged, self.healthChanged.emit)
        on(ErrorOccurred, self.errorOccurred.emit)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        for sub in self._subs:
            sub.cancel()
        self._subs.clear()

    def _subscribe(self, kind: Any, handler: Callable[[Any], Any]) -> None:
        self._subs.append(self.bus.subscribe(kind, handler))

    def _on_price(self, event: PriceUpdated) -> None:
        self._quotes[event.quote.symbol] = event.quote

    def _on_bar(self, event: BarUpdated) -> None:
        self._bars[event.bar.symbol] = event.bar

    def _on_trade(self, event: TradeCompleted) -> None:
        self._positions_dirty = True
        self._pdt_dirty = True
        self.tradeCompleted.emit(event)

    def _mark_positions(self, _event: object) -> None:
        self._positions_dirty = True

    def _mark_pdt(self, _event: object) -> None:
        self._pdt_dirty = True

    def _on_pdt_message(self, event: PdtWarning | PdtLimitReached) -> None:
        self._pdt_dirty = True
        self.pdtWarning.emit(event.message)

    def flush(self) -> None:
        """Emit what accumulated since the last tick (the timer calls this)."""
        if self._quotes:
            quotes, self._quotes = self._quotes, {}
            self.quotes.emit(quotes)
            self._positions_dirty = True
        self._ticks += 1
        if self._bars and self._ticks % CHART_EVERY == 0:
            bars, self._bars = self._bars, {}
            self.formingBars.emit(bars)
        if self._positions_dirty:
            self._positions_dirty = False
            self.positionsChanged.emit()
        if self._pdt_dirty:
            self._pdt_dirty = False
            self.pdtChanged.emit()


def schedule(
    call: Callable[[], Awaitable[Any] | Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> None:
    """Run a service call from a widget without blocking: sync result or coroutine alike."""

    def finish(result: Any) -> None:
        if on_done is not None:
            on_done(result)

    def fail(exc: BaseException) -> None:
        if on_error is not None:
            on_error(exc)
        else:
            log.error("service call failed: %s", exc, exc_info=exc)

    try:
        result = call()
    except Exception as exc:
        fail(exc)
        return
    if not inspect.isawaitable(result):
        finish(result)
        return
    future = asyncio.ensure_future(result)

    def done(fut: asyncio.Future[Any]) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is not None:
            fail(exc)
        else:
            finish(fut.result())

    future.add_done_callback(done)
