"""The backtest engine: bars through the same services as live trading, idle bars skipped.

:func:`run_backtest` builds the whole app (market data, strategy, bot, risk,
compliance, execution, paper broker, portfolio, audit trail) on a simulated
clock, a scratch database and a feed that delivers nothing by itself, then
replays the bars. Every bar on which some service could act is *fed*: the
clock is set to the bar's end, ``market_data.on_bar`` runs the whole pipeline,
and the loop turns a few times so the paper broker's fill tasks run. Every
other bar only steps the strategy engine (its indicators need every close);
:mod:`app.backtest.plan` lists each per-price and per-bar behaviour and the
rule that feeds it. When the strategy's step on a skipped bar gives a signal,
the bar is fed after all, and the signal the step already made is published
from the ``BarClosed`` dispatch right after the strategy engine's own handler
(which ignores the bar it has already seen), i.e. where it would have been
published had the bar been fed. ``skip=False`` feeds every bar: the reference
that the tests compare the skipping run with, order for order.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import math
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from app.backtest import plan
from app.backtest.result import BacktestResult, Timeline
from app.backtest.summary import collect
from app.composition import AppContext, build_app
from app.config import Mode, Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import BarClosed
from app.core.models import Bar
from app.headless import FlowLog
from app.marketdata.feeds.manual import ManualFeed

log = logging.getLogger("sherwood.backtest")

SETTLE_TURNS = 6  # loop turns after a fed bar: a zero-latency paper fill needs four
REFRESH_SECONDS = 24 * 3600.0  # balance refresh on the simulated clock: once a simulated day



def check_bars(bars: Sequence[Bar]) -> list[float]:
    """The bars' end times; ValueError unless one symbol, one interval, increasing starts."""
    if not bars:
        raise ValueError("no bars to backtest")
    kinds = {(b.symbol, b.interval) for b in bars}
    if len(kinds) > 1:
        names = ", ".join(sorted(f"{s} {i.value}" for s, i in kinds))
        raise ValueError(f"a backtest runs on one symbol and interval, got {names}")
    ends = plan.bar_ends(bars)
    if not all(a < b for a, b in itertools.pairwise(ends)):
        at = next(i for i in range(1, len(bars)) if ends[i] <= ends[i - 1])
        raise ValueError(f"bars must be in time order: {bars[at].start} after "
                         f"{bars[at - 1].start}")  # fmt: skip
    return ends


class Replayer:
    """Drives one started app through the bars; see the module docstring."""

    def __init__(self, ctx: AppContext, clock: SimulatedClock, refresh_seconds: float) -> None:
        self.ctx = ctx
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.next_refresh = clock.now().timestamp() + refresh_seconds
        self.fed = 0
        self.skipped = 0
        self._relayed: tuple[Bar, Awaitable[None]] | None = None
        # Subscribed after the strategy engine (it subscribed on start): right behind it.
        ctx.bus.subscribe(BarClosed, self._relay)

    def _relay(self, event: BarClosed) -> Awaitable[None] | None:
        """Publish the signals the strategy step made on this bar before it was fed."""
        relayed = self._relayed
        if relayed is None or relayed[0] is not event.bar:
            return None
        self._relayed = None
        return relayed[1]

    async def settle(self, full: bool) -> None:
        """Let what the bar started run: one loop turn (woken timers, queued callbacks), and
        up to :data:`SETTLE_TURNS` while an order is open (the paper broker's fill tasks)
        or when ``full`` (the account refresh loop is due)."""
        await asyncio.sleep(0)
        open_orders = self.ctx.execution.open_orders
        for _ in range(SETTLE_TURNS - 1):
            if not (full or open_orders()):
                return
            await asyncio.sleep(0)

    async def feed(self, bar: Bar, end: float) -> None:
        """The full path, as a live feed would drive it: clock, bar, loop turns."""
        self.clock.set(datetime.fromtimestamp(end, UTC))
        await self.ctx.market_data.on_bar(bar)
        due = end >= self.next_refresh
        if due:  # the refresh loop wakes now and sleeps again from this time
            self.next_refresh = end + self.refresh_seconds
        await self.settle(due)
        self.fed += 1

    async def run(self, bars: Sequence[Bar], ends: list[float], skip: bool) -> str:
        """Replay ``bars`` (ending at ``ends``); returns why skipping was off, if it was."""
        await self.settle(True)  # the app's clock-driven loops take their first sleep now
        unknown = plan.unknown_subscribers(self.ctx, self.ctx.bus, (self._relay,))
        reason = f"unknown per-price subscribers: {', '.join(unknown)}" if unknown else ""
        if not skip or reason:
            if reason:
                log.warning("backtest feeds every bar: %s", reason)
            for bar, end in zip(bars, ends, strict=True):
                await self.feed(bar, end)
            return reason
        await self._run_skipping(bars, ends)
        return ""

    async def _run_skipping(self, bars: Sequence[Bar], ends: list[float]) -> None:
        ctx = self.ctx
        symbol = bars[0].symbol
        count = len(bars)
        edges = sorted(plan.day_edges(ends))
        closes = [float(bar.close) for bar in bars]
        step_bars = ctx.strategy.step_bars
        open_orders = ctx.execution.open_orders
        feed = self.feed
        skipped = 0
        i = 0
        while i < count:
            # The quiet stretch from bar i: up to the next day edge, the next refresh, or
            # the first close not strictly inside the band (float closes and edges: rounding
            # to a double is monotonic, so it can only feed a bar more, never skip one more).
            low, high = (-math.inf, -math.inf) if open_orders() else self._band(symbol)
            stop = min(
                edges[bisect.bisect_left(edges, i)] if edges[-1] >= i else count,
                bisect.bisect_left(ends, self.next_refresh, lo=i),
            )
            j = i
            while j < stop and low < closes[j] < high:
                j += 1
            hit = step_bars(bars, i, j)
            if hit is None:
                skipped += j - i
                i = j
                if i < count:
                    await feed(bars[i], ends[i])
                    i += 1
                continue
            k, pending = hit  # the strategy signalled on bar k: feed it, relaying the signal
            skipped += k - i
            self._relayed = (bars[k], pending)
            try:
                await feed(bars[k], ends[k])
            finally:
                self._relayed = None
            i = k + 1
        self.skipped = skipped

    def _band(self, symbol: str) -> tuple[float, float]:
        band = plan.quiet_band(self.ctx, symbol)
        if band is None:  # every price may act: an empty band feeds every bar
            return -math.inf, -math.inf
        return float(band[0]), float(band[1])


async def run_backtest(
    bars: Sequence[Bar],
    settings: Settings,
    *,
    skip: bool = True,
    refresh_seconds: float = REFRESH_SECONDS,
    database: str = ":memory:",
    data_dir: str | Path | None = None,
    observe: Callable[[EventBus], object] | None = None,
) -> BacktestResult:
    """Replay ``bars`` through the whole app with the bot on; see the module docstring.

    ``settings`` gives the strategy, risk, compliance and paper-account rules;
    the symbol and bar interval are the bars' own. ``database`` is a scratch
    SQLite database by default, so simulated orders never touch an account file.
    ``observe`` may subscribe the caller's handlers to the bus before the app
    starts; a handler of ``PriceUpdated`` or ``BarClosed`` turns skipping off
    (the result says so), since the proof that skipping is safe cannot cover it.
    """
    ends = check_bars(bars)
    first = bars[0]
    settings = settings.replace(
        mode=Mode.PAPER, symbol=first.symbol, bar_interval=first.interval, bot_enabled=True
    )
    with tempfile.TemporaryDirectory(prefix="sherwood-backtest-") as scratch:
        clock = SimulatedClock(first.start)
        ctx = build_app(
            settings, data_dir=data_dir or scratch, clock=clock, feed=ManualFeed(),
            bar_store=False, database=database,
        )  # fmt: skip
        ctx.refresh_seconds = refresh_seconds
        timeline = Timeline(ctx.bus)
        flow = FlowLog(ctx.bus)
        if observe is not None:
            observe(ctx.bus)
        await ctx.start()
        try:
            replayer = Replayer(ctx, clock, refresh_seconds)
            t0 = time.perf_counter()
            skipping_off = await replayer.run(bars, ends, skip)
            elapsed = time.perf_counter() - t0
            await ctx.bus.flush()
            return collect(
                ctx, flow, timeline, bars, replayer.fed, replayer.skipped, elapsed, skipping_off
            )
        finally:
            await ctx.stop()
