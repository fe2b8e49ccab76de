"""Per-stage timing of a replay without cProfile.

:func:`front_stage_costs` times the replay loop through market data alone and
through market data plus the strategy engine (no instrumentation: the
difference is the strategy's share, the full pipeline minus the second is
everything downstream).

:class:`TimedBus` is an :class:`~app.core.bus.EventBus` whose subscriptions are
wrapped so that every handler call is timed with ``perf_counter_ns`` and its
*exclusive* time (minus the handlers it triggers by publishing) is added to
its owner: the service the handler is a method of (its ``name``), else the
owner's class name, else ``"bench"`` for plain functions and lambdas.
Handler time spent inside ``market_data.on_bar`` is tracked separately so the
caller can split a replay's wall time into: market data itself (``on_bar``
minus the handlers it triggered), each subscriber service, and what runs
outside ``on_bar`` apart from handlers (the replay loop). The wrappers cost a
little; the breakdown comes from its own run, never from the timed throughput
run.
"""

from __future__ import annotations

import inspect
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from app.config import Settings
from app.core.bus import EventBus, Subscription
from app.core.clock import SimulatedClock
from app.core.events import Message
from app.core.models import Bar
from app.marketdata.feeds.manual import ManualFeed
from app.marketdata.service import MarketDataService
from app.strategy.engine import StrategyEngine

M = TypeVar("M", bound=Message)


def owner_of(handler: Callable[..., Any]) -> str:
    target = getattr(handler, "__self__", None)
    if target is None:
        return "bench"
    name = getattr(target, "name", None)
    return name if isinstance(name, str) else type(target).__name__


class TimedBus(EventBus):
    """See the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.spent_ns: defaultdict[str, int] = defaultdict(int)
        self.calls: defaultdict[str, int] = defaultdict(int)
        self._stack: list[int] = [0]  # per nesting level: time of the handlers it triggered

    def reset_top(self) -> None:
        del self._stack[1:]
        self._stack[0] = 0

    @property
    def top_ns(self) -> int:
        """Time of the top-level handler calls since :meth:`reset_top`."""
        return self._stack[0]

    def subscribe(
        self, message_type: type[M], handler: Callable[[M], Awaitable[None] | None]
    ) -> Subscription:
        owner = owner_of(handler)
        is_async = inspect.iscoroutinefunction(handler)
        stack = self._stack
        spent, calls = self.spent_ns, self.calls
        clock = time.perf_counter_ns

        async def timed(message: M) -> None:
            stack.append(0)
            t0 = clock()
            try:
                result = handler(message)
                if is_async or inspect.isawaitable(result):
                    await result  # type: ignore[misc]
            finally:
                elapsed = clock() - t0
                children = stack.pop()
                spent[owner] += elapsed - children
                calls[owner] += 1
                stack[-1] += elapsed

        timed.__qualname__ = getattr(handler, "__qualname__", repr(handler))
        return super().subscribe(message_type, timed)


async def _front_once(bars: list[Bar], settings: Settings, with_strategy: bool) -> float:
    minute = timedelta(minutes=1)
    ends = [bar.start + minute for bar in bars]
    clock = SimulatedClock(bars[0].start)
    bus = EventBus()
    market_data = MarketDataService(bus, clock, ManualFeed(), settings)
    await market_data.watch(settings.symbol)
    engine = StrategyEngine(bus, clock, market_data, settings)
    if with_strategy:
        await engine.start()
    on_bar, set_clock = market_data.on_bar, clock.set
    t0 = time.perf_counter_ns()
    for bar, end in zip(bars, ends, strict=True):
        set_clock(end)
        await on_bar(bar)
    elapsed = time.perf_counter_ns() - t0
    if with_strategy:
        await engine.stop()
    return elapsed / len(bars) / 1000.0


async def front_stage_costs(
    bars: list[Bar], settings: Settings, repeat: int = 3
) -> tuple[float, float]:
    """Microseconds per bar of the same replay loop through market data alone (on a bus with
    no subscribers), and through market data plus the strategy engine (best of ``repeat``)."""
    alone = min([await _front_once(bars, settings, False) for _ in range(repeat)])
    both = min([await _front_once(bars, settings, True) for _ in range(repeat)])
    return alone, both
