"""``sherwood --replay FILE.csv --speed N``: a CSV of bars played as the market, in the terminal.

Where a backtest runs the bars as fast as it can, a replay paces them on a
simulated clock running ``N`` times faster than the wall clock, from the first
bar's start: each bar is delivered when the clock reaches its end, so the
chart, the bot, the day-trade meter and the order ticket see a market that
moves. Gaps (nights, weekends, missing bars) are skipped: the clock jumps to
the next bar's start. Sessions follow the NYSE calendar, as in a backtest.
The app runs on a scratch database (the paper account is untouched; see
``app.__main__.is_demo_run``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.backtest.cli import load_backtest_bars
from app.config import Settings
from app.core.clock import SimulatedClock
from app.marketdata.bars import bounds_ts
from app.marketdata.feeds.base import QuoteSink
from app.marketdata.feeds.replay import ReplayFeed


class PacedReplay(ReplayFeed):
    """A :class:`ReplayFeed` that waits on its clock for each bar's end instead of jumping."""

    async def run(self, sink: QuoteSink) -> None:
        clock = self.clock
        while self.position < len(self.bars):
            bar = self.bars[self.position]
            if bar.start > clock.now():  # a gap: nothing happens until this bar starts
                clock.set(bar.start)
            end = datetime.fromtimestamp(bounds_ts(self.interval, bar.start.timestamp())[1], UTC)
            wait = (end - clock.now()).total_seconds()
            if wait > 0:
                await clock.sleep(wait)
            self.position += 1
            await sink.on_bar(bar)


def replay_setup(
    path: str | Path, settings: Settings, speed: float
) -> tuple[Settings, SimulatedClock, PacedReplay]:
    """The settings, clock and feed of a replay of ``path`` (DataFormatError if it is bad).

    The bar interval is the file's; a quote stays fresh until the next bar is due.
    """
    bars = load_backtest_bars(path, settings.symbol)
    interval = bars[0].interval
    clock = SimulatedClock(bars[0].start, speed=speed)
    feed = PacedReplay(clock, path, settings.symbol, interval, follow_nyse_sessions=True)
    settings = settings.replace(
        bar_interval=interval,
        bot_symbols="",  # the file has one symbol: the bot trades it on STRATEGY
        sim_speed=speed,
        quote_stale_seconds=max(settings.quote_stale_seconds, 2.0 * interval.seconds),
    )
    return settings, clock, feed
