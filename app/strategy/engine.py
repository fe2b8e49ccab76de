"""StrategyEngine: runs strategy plug-ins on closed bars and publishes their signals.

Each enabled (symbol, strategy) pair keeps a streaming state fed by
``BarClosed`` events of ``settings.bar_interval``; the bot's symbols
(``BOT_SYMBOLS``, see :meth:`Settings.bot_plan`) are enabled on start, each
with its own strategy and parameters; a non-HOLD result is
published as ``SignalGenerated`` (never on a stale quote). A newly enabled
pair is first warmed from historical bars (bars closing meanwhile are queued
and applied after), so signals can come soon. ``signal_now`` and the raw
indicator values answer from recent closed bars.

Per closed bar the engine does O(1) work and builds no Signal, list or
coroutine on the common (HOLD) path: each slot calls :meth:`Strategy.step`,
which returns only an actionable signal, and the ``BarClosed`` handler is a
plain function that returns a coroutine only when there is a signal to publish.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import numpy as np

from app import indicators
from app.config import Settings
from app.core.bus import EventBus, Subscription
from app.core.clock import Clock
from app.core.events import BarClosed, SignalGenerated
from app.core.models import Bar, HealthState, Interval, Quote, Signal, SignalAction
from app.core.service import Service
from app.core.tasks import cancel_and_wait
from app.strategy import builtin_registry
from app.strategy.base import InsufficientHistory, Strategy, StrategyInfo, StrategyRegistry

HISTORY_BARS = 500


class MarketView(Protocol):
    """What the strategy engine needs of market data (the market data service fits)."""

    def check_symbol(self, symbol: str) -> str: ...

    async def watch(self, symbol: str) -> str: ...

    async def historical_bars(
        self, symbol: str, interval: Interval, count: int = 500, end: datetime | None = None
    ) -> list[Bar]: ...

    def recent_closes(self, symbol: str, interval: Interval, count: int) -> list[Decimal]: ...

    def latest_quote(self, symbol: str) -> Quote | None: ...


@dataclass(frozen=True, slots=True)
class RsiValues:
    current: float
    previous: float
    last_10: list[float]


@dataclass(frozen=True, slots=True)
class MacdValues:
    macd: float
    signal: float
    histogram: float
    previous_macd: float
    previous_signal: float
    previous_histogram: float


@dataclass(slots=True)
class _Slot:
    strategy: Strategy
    warming: bool = True
    pending: list[Bar] = field(default_factory=list)
    last_start: datetime | None = None

    def apply(self, bar: Bar) -> Signal | None:
        """Feed ``bar`` unless it is not newer than the last one; an actionable signal or None."""
        if self.last_start is not None and bar.start <= self.last_start:
            return None
        self.last_start = bar.start
        return self.strategy.step(bar)


class StrategyEngine(Service):
    """See the module docstring."""

    name = "strategy"

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        market_data: MarketView,
        settings: Settings,
        registry: StrategyRegistry | None = None,
    ) -> None:
        super().__init__(bus, clock)
        self.market_data = market_data
        self.registry = registry or builtin_registry()
        self._check_params(settings)
        self.settings = settings
        self._slots: dict[str, dict[str, _Slot]] = {}
        self._by_symbol: dict[str, tuple[_Slot, ...]] = {}  # _slots' values, rebuilt on change
        self._subscription: Subscription | None = None
        self._warmers: set[asyncio.Task[None]] = set()
        self._running = False

    # --- lifecycle ----------------------------------------------------------------------

    async def on_start(self) -> None:
        self._subscription = self.bus.subscribe(BarClosed, self._on_bar_closed)
        for entry in self.settings.bot_plan():
            self.enable(entry.symbol, entry.strategy.value)
        self._running = True
        await self._warm_all()

    async def on_stop(self) -> None:
        self._running = False
        if self._subscription is not None:
            self._subscription.cancel()
            self._subscription = None
        await cancel_and_wait(list(self._warmers))

    def _check_params(self, settings: Settings) -> None:
        for name in self.registry.names():
            self.registry.create(name, settings)
        for entry in settings.bot_plan():
            self.registry.create(entry.strategy.value, entry.settings)

    def update_settings(self, settings: Settings) -> None:
        """Re-validate parameters (raises StrategyError) and restart every streaming state."""
        self._check_params(settings)
        old_bot = {(e.symbol, e.strategy.value) for e in self.settings.bot_plan()}
        self.settings = settings
        new_bot = {(e.symbol, e.strategy.value) for e in settings.bot_plan()}
        pairs = (set(self.enabled_pairs()) - old_bot) | new_bot  # the bot's pairs follow it
        self._slots.clear()
        self._by_symbol.clear()
        for symbol, name in sorted(pairs):
            self.enable(symbol, name)

    # --- what runs ----------------------------------------------------------------------

    def list_strategies(self) -> list[StrategyInfo]:
        infos = []
        for name in self.registry.names():
            cls = self.registry.get(name)
            params = cls.validate(cls.params_from_settings(self.settings))
            infos.append(StrategyInfo(cls.name, cls.description, params))
        return infos

    def enable(self, symbol: str, strategy: str) -> None:
        """Run ``strategy`` on ``symbol``'s closed bars (warmed from history first)."""
        cleaned = self.market_data.check_symbol(symbol)
        name = self.registry.get(strategy).name
        slots = self._slots.setdefault(cleaned, {})
        if name in slots:
            return
        slots[name] = _Slot(self.registry.create(name, self._settings_for(cleaned, name)))
        self._by_symbol[cleaned] = tuple(slots.values())
        if self._running:
            task = asyncio.get_running_loop().create_task(self._warm(cleaned, name))
            self._warmers.add(task)
            task.add_done_callback(self._warmers.discard)

    def _settings_for(self, symbol: str, strategy: str) -> Settings:
        """The parameters ``strategy`` runs with on ``symbol``: the bot's own for its symbols."""
        for entry in self.settings.bot_plan():
            if entry.symbol == symbol and entry.strategy.value == strategy:
                return entry.settings
        return self.settings

    def disable(self, symbol: str, strategy: str) -> None:
        cleaned = self.market_data.check_symbol(symbol)
        name = self.registry.get(strategy).name
        slots = self._slots.get(cleaned, {})
        slots.pop(name, None)
        self._by_symbol[cleaned] = tuple(slots.values())
        if not slots:
            self._slots.pop(cleaned, None)
            self._by_symbol.pop(cleaned, None)

    def is_enabled(self, symbol: str, strategy: str) -> bool:
        try:
            cleaned = self.market_data.check_symbol(symbol)
            name = self.registry.get(strategy).name
        except Exception:
            return False
        return name in self._slots.get(cleaned, {})

    def enabled_pairs(self) -> list[tuple[str, str]]:
        return sorted((s, n) for s, slots in self._slots.items() for n in slots)

    def last_signal(self, symbol: str, strategy: str) -> Signal | None:
        slot = self._slots.get(symbol, {}).get(strategy)
        return slot.strategy.latest() if slot else None

    # --- warming ------------------------------------------------------------------------

    async def _warm_all(self) -> None:
        for symbol, name in self.enabled_pairs():
            slot = self._slots[symbol][name]
            if slot.warming:
                await self._warm(symbol, name)

    async def _warm(self, symbol: str, name: str) -> None:
        slot = self._slots.get(symbol, {}).get(name)
        if slot is None or not slot.warming:
            return
        count = max(HISTORY_BARS, slot.strategy.min_bars * 3)
        try:
            await self.market_data.watch(symbol)
            bars = await self.market_data.historical_bars(symbol, self.settings.bar_interval, count)
            if self.health.reason.startswith("no history"):
                await self.set_health(HealthState.HEALTHY)
        except Exception as exc:
            self.log.warning("no history to warm %s on %s: %s", name, symbol, exc)
            await self.set_health(HealthState.DEGRADED, f"no history for {symbol}: {exc}")
            bars = []
        if self._slots.get(symbol, {}).get(name) is not slot:
            return  # disabled or reset meanwhile
        pending, slot.pending, slot.warming = slot.pending, [], False
        first_live = pending[0].start if pending else None
        for bar in bars:
            if first_live is None or bar.start < first_live:
                slot.apply(bar)  # history: warms the state, publishes nothing
        for bar in pending:
            await self._publish(slot.apply(bar))
        self.log.info("%s on %s warmed with %d bars", name, symbol, len(bars))

    # --- live ---------------------------------------------------------------------------

    def _on_bar_closed(self, event: BarClosed) -> Awaitable[None] | None:
        """Feed a closed bar to every slot of its symbol; a coroutine publishing the signals
        it gave, if any (None when there is nothing to publish: the common HOLD path).

        A bar is stepped once: an older or equal bar start is ignored.
        """
        bar = event.bar
        if bar.interval is not self.settings.bar_interval:
            return None
        slots = self._by_symbol.get(bar.symbol)
        if not slots:
            return None
        signals: list[Signal] | None = None
        for slot in slots:
            if slot.warming:
                slot.pending.append(bar)
                continue
            signal = slot.apply(bar)
            if signal is not None:
                if signals is None:
                    signals = [signal]
                else:
                    signals.append(signal)
        return None if signals is None else self._publish_all(signals)

    async def _publish_all(self, signals: list[Signal]) -> None:
        for signal in signals:
            await self._publish(signal)

    async def _publish(self, signal: Signal | None) -> None:
        if signal is None or signal.action is SignalAction.HOLD:
            return
        quote = self.market_data.latest_quote(signal.symbol)
        if quote is not None and quote.stale:
            self.log.info("%s %s signal not published: the quote is stale", signal.strategy,
                          signal.symbol)  # fmt: skip
            return
        await self.bus.publish(SignalGenerated(time=self.clock.now(), signal=signal))

    # --- on demand ----------------------------------------------------------------------

    async def signal_now(self, symbol: str, strategy: str | None = None) -> Signal:
        """The strategy's verdict on the latest closed bar (may be HOLD)."""
        cleaned = self.market_data.check_symbol(symbol)
        bot = {e.symbol: e.strategy.value for e in self.settings.bot_plan()}
        name = self.registry.get(strategy or bot.get(cleaned, self.settings.strategy.value)).name
        fresh = self.registry.create(name, self._settings_for(cleaned, name))
        interval = self.settings.bar_interval
        count = max(HISTORY_BARS, fresh.min_bars * 3)
        bars = await self.market_data.historical_bars(cleaned, interval, count)
        signal: Signal | None = None
        for bar in bars:
            signal = fresh.update(bar)
        if signal is None:
            raise InsufficientHistory(
                f"{fresh.name} needs at least {fresh.min_bars} closed {interval.value} bars of "
                f"{cleaned}; {len(bars)} available"
            )
        return signal

    def _closes(self, symbol: str, need: int, what: str) -> np.ndarray:
        cleaned = self.market_data.check_symbol(symbol)
        interval = self.settings.bar_interval
        closes = self.market_data.recent_closes(cleaned, interval, HISTORY_BARS)
        if len(closes) < need:
            raise InsufficientHistory(
                f"{what} needs at least {need} closed {interval.value} bars of {cleaned}; "
                f"{len(closes)} available"
            )
        return np.array([float(c) for c in closes], dtype=np.float64)

    def rsi_values(self, symbol: str) -> RsiValues:
        period = self.settings.rsi_period
        values = indicators.rsi(self._closes(symbol, period + 2, "RSI"), period)
        valid = [float(v) for v in values if not math.isnan(v)]
        return RsiValues(current=valid[-1], previous=valid[-2], last_10=valid[-10:])

    def macd_values(self, symbol: str) -> MacdValues:
        s = self.settings
        need = s.macd_slow + s.macd_signal
        result = indicators.macd(self._closes(symbol, need, "MACD"), s.macd_fast, s.macd_slow,
                                 s.macd_signal)  # fmt: skip
        line, sig, hist = (np.asarray(a, dtype=np.float64) for a in result)
        return MacdValues(
            macd=float(line[-1]), signal=float(sig[-1]), histogram=float(hist[-1]),
            previous_macd=float(line[-2]), previous_signal=float(sig[-2]),
            previous_histogram=float(hist[-2]),
        )  # fmt: skip
