"""The simulated market per symbol: a watchlist of eight symbols shows eight different markets,
each the same at every start and continued after a restart."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from app.config import Settings
from app.core.clock import SimulatedClock
from app.core.models import Bar, Interval, Quote
from app.marketdata.feeds import build_feed
from app.marketdata.feeds.simulated import SimulatedFeed
from app.storage.db import open_database
from app.storage.state_store import StateStore

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
EIGHT = ("TQQQ", "AAPL", "MSFT", "SPY", "QQQ", "NVDA", "TSLA", "BRK.B")


class Sink:
    def __init__(self) -> None:
        self.quotes: list[Quote] = []

    async def on_quote(self, quote: Quote) -> None:
        self.quotes.append(quote)

    async def on_bar(self, bar: Bar) -> None:
        raise AssertionError("the simulated market sends quotes")


def _feed_on(database: Path, now: datetime) -> SimulatedFeed:
    db = open_database(database)
    try:
        feed = build_feed(Settings(), SimulatedClock(now), origin_store=StateStore(db))
    finally:
        db.close()
    assert isinstance(feed, SimulatedFeed)
    return feed


async def _run(feed: SimulatedFeed, seconds: float) -> list[Quote]:
    for symbol in EIGHT:
        feed.subscribe(symbol)
    sink = Sink()
    task = asyncio.create_task(feed.run(sink))
    clock = feed.clock
    assert isinstance(clock, SimulatedClock)
    await clock.run_until(clock.now() + timedelta(seconds=seconds))
    task.cancel()
    return sink.quotes


def test_eight_watched_symbols_each_quote_their_own_market(tmp_path: Path) -> None:
    feed = _feed_on(tmp_path / "paper.sqlite3", START)
    quotes = asyncio.run(_run(feed, 60))
    by_symbol = {s: [q for q in quotes if q.symbol == s] for s in EIGHT}
    assert all(len(series) == 61 for series in by_symbol.values())  # one a second each
    # the traded symbol starts at SIM_START_PRICE; the others at a price level of their own
    assert by_symbol["TQQQ"][0].last == Decimal("50.00")
    starts = {series[0].last for series in by_symbol.values()}
    assert len(starts) == len(EIGHT)
    assert min(starts) < Decimal("35") and max(starts) > Decimal("70")
    # and they move differently: no two symbols share their sequence of moves
    moves = {tuple(b.last - a.last for a, b in itertools.pairwise(s)) for s in by_symbol.values()}
    assert len(moves) == len(EIGHT)
    for series in by_symbol.values():
        assert all(q.bid <= q.last <= q.ask for q in series)


def test_each_symbol_is_the_same_market_at_every_start_and_continues_after_a_restart(
    tmp_path: Path,
) -> None:
    elsewhere = _feed_on(tmp_path / "other.sqlite3", START)
    first = _feed_on(tmp_path / "paper.sqlite3", START)
    later = START + timedelta(hours=2)
    assert isinstance(first.clock, SimulatedClock)
    first.clock.set(later)  # the first run trades for two hours, then stops
    seen = {s: first.quote_at(s, later) for s in EIGHT}
    history = {s: asyncio.run(first.history(s, Interval.M5, later, 50)) for s in EIGHT}
    again = _feed_on(tmp_path / "paper.sqlite3", later)  # the app started again
    for symbol in EIGHT:
        assert again.quote_at(symbol, later) == seen[symbol]  # where it was, not back at start
        assert asyncio.run(again.history(symbol, Interval.M5, later, 50)) == history[symbol]
        # a new account on the same seed sees the same market for the same symbol
        assert elsewhere.quote_at(symbol, later) == seen[symbol]
    quotes = asyncio.run(_run(again, 10))
    assert {q.symbol for q in quotes} == set(EIGHT)
    assert all(q.time > later - timedelta(seconds=1) for q in quotes)


def test_daily_bars_agree_with_the_first_days_intraday_prices(tmp_path: Path) -> None:
    """A previous close and today's change are the same market as today's intraday prices."""
    feed = _feed_on(tmp_path / "paper.sqlite3", START)  # Tuesday 10:00 New York
    for symbol in ("TQQQ", "MSFT"):
        daily = asyncio.run(feed.history(symbol, Interval.D1, START, 3))
        intraday = asyncio.run(feed.history(symbol, Interval.M5, START, 200))
        today = [b for b in intraday if b.start >= datetime(2026, 11, 24, 5, 0, tzinfo=UTC)]
        assert daily[-1].start == datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Monday, closed
        assert daily[-1].close == today[0].open  # Monday closes where Tuesday opens
        assert today[-1].close == feed.character(symbol)[0]  # and Tuesday reaches the start
    clock = feed.clock
    assert isinstance(clock, SimulatedClock)
    clock.set(START + timedelta(days=1))
    tuesday = asyncio.run(feed.history("MSFT", Interval.D1, clock.now(), 1))[0]
    morning = [b for b in asyncio.run(feed.history("MSFT", Interval.M5, clock.now(), 600))
               if datetime(2026, 11, 24, 5, 0, tzinfo=UTC) <= b.start < START]  # fmt: skip
    assert tuesday.open == morning[0].open  # the whole day: its morning before the start too
    assert tuesday.volume > sum(b.volume for b in morning)
