"""The backtest engine: bars through the same services as live trading, idle bars skipped.

:func:`run_backtest` builds the whole app (market data, strategy, bot, risk,
compliance, execution, paper broker, portfolio, audit trail) on a simulated
clock, a scratch database and a feed that delivers nothing by itself, then
replays the bars. A bar on which some service could act is *fed*: the clock is
set to the bar's end and ``market_data.on_bar`` publishes its close as a price
(``PriceUpdated``, the quote's bid = the close, ask = close + BACKTEST_SPREAD)
and then ``BarClosed``, exactly as a live feed's price that closes a bar. Every
fill happens inside the delivery of a price (see below), so no turn of the
event loop is needed between bars; the loop turns only when the account
refresh is due on the simulated clock, so that its task runs. Every other
bar is *skipped*: it reaches no service. The strategy's signals were computed
once over all the bars before the run (:mod:`app.backtest.decisions`) and
the strategy engine plays them back on the fed bars, the bars it signals on
among them. :mod:`app.backtest.plan` lists each per-price and per-bar
behaviour and the rule that feeds it; the risk service's public trigger
prices tell which closes can make it act. ``skip=False`` feeds every bar to
the real strategy and every service: the reference that the tests compare
the skipping run with, order for order.

Fills (``BACKTEST_FILL``). An order is *decided on* bar k when the bot places
it while bar k is fed: on a strategy signal from bar k's ``BarClosed``, or on a
profit target, stop loss or daily loss reached by bar k's close. The clock then
reads bar k's end. Then:

* ``next_open`` (the default): it fills at bar k+1's open. The paper broker
  runs with a latency of :data:`EXCHANGE_LATENCY` (1 ms), so the order is not
  live before the clock has moved on; right after bar k is fed, while an
  order is open, the clock goes to bar k+1's start + 1 ms and
  ``market_data.on_bar_open`` publishes bar k+1's open as a price (bid =
  open, ask = open + BACKTEST_SPREAD): the order's latency has passed, so it
  goes live and fills on that quote. A buy fills at
  ``round_to_cent((open + spread) x (1 + bps / 10000))``, a sell at
  ``round_to_cent(open x (1 - bps / 10000))`` (bps = PAPER_SLIPPAGE_BPS);
  the fill's time is bar k+1's start + 1 ms. The risk
  service sees that open price too: an exit it fires there (a stop loss
  reached at the open) is an order decided at the open, live 1 ms later; it
  fills on the next price the backtest has, bar k+1's close (fed, since an
  order is open). After the last bar there is no next open: the order stays
  open.
* ``close``: it fills at bar k's close, at bar k's end, during the decision
  (the paper broker runs with no latency): a buy at
  ``round_to_cent((close + spread) x (1 + bps / 10000))``, a sell at
  ``round_to_cent(close x (1 - bps / 10000))``.

PAPER_LATENCY_MS is not used: latency never moves a fill to another bar.
Sessions come from the NYSE calendar at the simulated time: an order decided
on the bar that ends at 16:00 meets the after-hours session and, unless it is
an extended-hours limit order of whole shares, is refused by the paper broker
as Robinhood would; an order fills only in a session that allows it (see
:mod:`app.core.order_rules`).
"""

from __future__ import annotations

import itertools
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app import calendar
from app.backtest import plan
from app.backtest.decisions import Decisions, PlaybackRegistry, decide
from app.backtest.logtimes import stamp_logs_with
from app.backtest.result import BacktestResult, Timeline
from app.backtest.summary import collect
from app.calendar import Session
from app.composition import AppContext, build_app
from app.config import BacktestFill, Mode, Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.models import Bar
from app.headless import FlowLog
from app.marketdata.feeds.manual import ManualFeed
from app.strategy import builtin_registry

log = logging.getLogger("sherwood.backtest")

REFRESH_SECONDS = 24 * 3600.0  # balance refresh on the simulated clock: once a simulated day
EXCHANGE_LATENCY = timedelta(
    milliseconds=1
)  # next_open: an order reaches the market after the open


class BacktestFeed(ManualFeed):
    """The backtest's market: the engine pushes the bars; sessions follow the NYSE calendar."""

    name = "backtest"

    def session_at(self, when: datetime) -> Session:
        return calendar.session_at(when)


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

    def __init__(
        self, ctx: AppContext, clock: SimulatedClock, refresh_seconds: float, fill: BacktestFill
    ) -> None:
        self.ctx = ctx
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.next_open = fill is BacktestFill.NEXT_OPEN
        self.next_refresh = clock.now().timestamp() + refresh_seconds
        self.fed = 0
        self.skipped = 0

    async def refresh(self) -> None:
        """Let the tasks woken on the simulated clock run (the account refresh loop, which
        sleeps on it): the refresh runs on the bar at or past its deadline, as it would live."""
        await self.clock.run_until(self.clock.now())

    async def feed(self, bars: Sequence[Bar], ends: Sequence[float], i: int) -> None:
        """Bar ``i`` through the full path, as a live feed would drive it; then, while an
        order is open and ``next_open`` fills are on, the next bar's open price."""
        market_data = self.ctx.market_data
        self.clock.set(datetime.fromtimestamp(ends[i], UTC))
        await market_data.on_bar(bars[i])
        if self.next_open and i + 1 < len(bars) and self.ctx.execution.open_orders():
            following = bars[i + 1]  # the orders reach the market: they fill on its open
            self.clock.set(max(following.start, self.clock.now()) + EXCHANGE_LATENCY)
            await market_data.on_bar_open(following)
        now = self.clock.now().timestamp()
        if now >= self.next_refresh:  # the refresh loop wakes now and sleeps again from here
            self.next_refresh = now + self.refresh_seconds
            await self.refresh()
        self.fed += 1

    async def run(self, bars: Sequence[Bar], ends: list[float], decisions: Decisions | None) -> str:
        """Replay ``bars`` (ending at ``ends``), skipping the idle ones if the strategy's
        ``decisions`` were made up front; returns why skipping was off, if it was."""
        await self.refresh()  # the app's clock-driven loops take their first sleep now
        reason = plan.why_not_skip(self.ctx, self.ctx.bus)
        if decisions is None or reason:
            if reason:
                log.warning("backtest feeds every bar: %s", reason)
            for i in range(len(bars)):
                await self.feed(bars, ends, i)
            return reason
        await self._run_skipping(bars, ends, decisions)
        return ""

    async def _run_skipping(
        self, bars: Sequence[Bar], ends: list[float], decisions: Decisions
    ) -> None:
        ctx = self.ctx
        symbol = bars[0].symbol
        must_feed = plan.day_edges(ends) | decisions.indexes
        i, count = 0, len(bars)
        while i < count:
            # Orders, waiting exits, risk's trigger prices and the refresh deadline change only
            # on fed bars: read once per stretch of skipped bars.
            if not (ctx.execution.open_orders() or ctx.bot.waiting_exits):
                hit = ctx.risk.trigger_prices(symbol).hit
                refresh_at = self.next_refresh
                start = i
                while i < count and not (
                    i in must_feed or ends[i] >= refresh_at or hit(bars[i].close)
                ):
                    i += 1
                self.skipped += i - start
            if i < count:
                await self.feed(bars, ends, i)
                i += 1


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

    ``settings`` gives the strategy, risk, compliance, paper-account and fill
    rules; the symbol and bar interval are the bars' own. ``database`` is a
    scratch SQLite database by default, so simulated orders never touch an
    account file. ``observe`` may subscribe the caller's handlers to the bus
    before the app starts; a handler of ``PriceUpdated`` or ``BarClosed`` turns
    skipping off (the result says so), since the proof that skipping is safe
    cannot cover it.
    """
    t0 = time.perf_counter()
    ends = check_bars(bars)
    first = bars[0]
    latency_ms = EXCHANGE_LATENCY // timedelta(milliseconds=1)
    settings = settings.replace(
        mode=Mode.PAPER, symbol=first.symbol, bar_interval=first.interval, bot_enabled=True,
        bot_symbols="",  # the bars' symbol on STRATEGY (the optimizer varies its parameters)
        paper_latency_ms=latency_ms if settings.backtest_fill is BacktestFill.NEXT_OPEN else 0,
    )  # fmt: skip
    strategies = builtin_registry()
    decisions = None
    if skip:  # the strategy run once over every bar; the app plays its signals back
        decisions = decide(strategies.create(settings.strategy.value, settings), bars)
        strategies = PlaybackRegistry(strategies, decisions)
    deciding = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="sherwood-backtest-") as scratch:
        clock = SimulatedClock(first.start)
        ctx = build_app(
            settings, data_dir=data_dir or scratch, clock=clock, feed=BacktestFeed(),
            bar_store=False, database=database, strategies=strategies,
        )  # fmt: skip
        ctx.refresh_seconds = refresh_seconds
        ctx.reconciling = None  # the broker is this run's own: nothing outside to reconcile
        timeline = Timeline(ctx.bus)
        flow = FlowLog(ctx.bus)
        if observe is not None:
            observe(ctx.bus)
        restore_log_times = stamp_logs_with(clock.now)  # log lines in bar time
        await ctx.start()
        try:
            replayer = Replayer(ctx, clock, refresh_seconds, settings.backtest_fill)
            t1 = time.perf_counter()
            skipping_off = await replayer.run(bars, ends, decisions)
            elapsed = deciding + time.perf_counter() - t1  # the replay and the strategy's pass
            await ctx.bus.flush()
            return collect(
                ctx, flow, timeline, bars, replayer.fed, replayer.skipped, elapsed, skipping_off
            )
        finally:
            await ctx.stop()
            restore_log_times()
