"""The simulated market: reproducible from its seed, TQQQ-like, sane over a simulated year."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from app.calendar import Session
from app.config import Mode, Settings
from app.core.clock import SimulatedClock
from app.core.models import Bar, Interval, Quote
from app.marketdata.bars import BarBuilder
from app.marketdata.feeds import build_feed
from app.marketdata.feeds.simorigin import MAX_AGE
from app.marketdata.feeds.simpath import PricePath
from app.marketdata.feeds.simulated import SimulatedFeed
from app.storage.db import open_database
from app.storage.state_store import StateStore

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


class Sink:
    def __init__(self) -> None:
        self.quotes: list[Quote] = []
        self.bars: list[Bar] = []

    async def on_quote(self, quote: Quote) -> None:
        self.quotes.append(quote)

    async def on_bar(self, bar: Bar) -> None:
        self.bars.append(bar)


def _quotes(seed: int, symbol: str = "TQQQ", n: int = 500) -> list[Quote | None]:
    feed = SimulatedFeed(SimulatedClock(START), seed, Decimal("50.00"))
    return [feed.path(symbol).quote(k) for k in range(n)]


def test_same_seed_same_market_other_seed_or_symbol_differs() -> None:
    assert _quotes(7) == _quotes(7)
    assert _quotes(7) != _quotes(8)
    assert [q.last for q in _quotes(7, "SQQQ") if q] != [q.last for q in _quotes(7) if q]


def test_quotes_look_like_a_leveraged_etf_tape() -> None:
    quotes = [q for q in _quotes(42, n=5000) if q is not None]
    assert quotes[0].last == Decimal("50.00")
    for q in quotes:
        assert Decimal("0.01") <= q.ask - q.bid <= Decimal("0.02")
        assert q.bid <= q.last <= q.ask
        assert q.volume >= 0 and q.bid_size > 0 and q.ask_size > 0
    assert {q.ask - q.bid for q in quotes} == {Decimal("0.01"), Decimal("0.02")}
    assert sum(q.volume for q in quotes) > 0


def test_a_simulated_year_stays_within_sane_bounds() -> None:
    path = PricePath(42, "TQQQ", Decimal("50"), START, step=60.0, follow_nyse=False)
    _times, last, volume = path.last_prices(0, 365 * 24 * 60)
    prices = last / 100.0
    assert len(prices) == 365 * 24 * 60
    assert prices.min() > 5 and prices.max() < 500  # no collapse, no explosion
    daily = prices[:: 24 * 60]
    returns = np.diff(np.log(daily))
    annual_vol = returns.std() * math.sqrt(252)
    assert 0.4 < annual_vol < 1.2  # TQQQ-like (~65 %), not a flat line, not a casino
    assert (volume >= 0).all() and volume.sum() > 1e9


def test_volatility_is_higher_at_the_open_and_close_than_at_midday() -> None:
    path = PricePath(3, "TQQQ", Decimal("50"), START, step=10.0, follow_nyse=True)
    times, last, _ = path.last_prices(0, 60 * 8640)  # 60 days of 10-second steps
    moves = np.abs(np.diff(np.log(last / 100.0)))
    ny_minute = ((times[1:] - 5 * 3600) % 86400) // 60  # EST (the whole window is in winter)
    opening = moves[(ny_minute >= 570) & (ny_minute < 580)].mean()
    closing = moves[(ny_minute >= 950) & (ny_minute < 960)].mean()
    midday = moves[(ny_minute >= 720) & (ny_minute < 780)].mean()
    assert opening > 1.8 * midday and closing > 1.3 * midday


def test_around_the_clock_by_default_and_nyse_sessions_on_request() -> None:
    clock = SimulatedClock(START)
    saturday = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    always = SimulatedFeed(clock, 1, Decimal("50"))
    assert always.session_at(saturday) is Session.REGULAR
    assert always.quote_at("TQQQ", saturday) is not None
    nyse = SimulatedFeed(clock, 1, Decimal("50"), follow_nyse_sessions=True)
    assert nyse.session_at(saturday) is Session.CLOSED
    assert nyse.quote_at("TQQQ", saturday) is None
    assert nyse.session_at(START) is Session.REGULAR


def test_any_valid_symbol_is_known() -> None:
    feed = SimulatedFeed(SimulatedClock(START), 1, Decimal("50"))
    assert feed.knows("TQQQ") and feed.knows("BRK.B")
    assert not feed.knows("tqqq$") and not feed.knows("")


async def test_run_emits_one_quote_per_interval_on_the_injected_clock() -> None:
    clock = SimulatedClock(START)
    feed = SimulatedFeed(clock, 5, Decimal("50"), quote_interval=1.0)
    feed.subscribe("TQQQ")
    sink = Sink()
    task = asyncio.create_task(feed.run(sink))
    await clock.run_until(START + timedelta(seconds=10))
    task.cancel()
    assert [q.time for q in sink.quotes] == [START + timedelta(seconds=s) for s in range(11)]
    assert sink.quotes == [feed.path("TQQQ").quote(k) for k in range(11)]


async def test_history_has_500_bars_and_agrees_with_bars_built_live() -> None:
    clock = SimulatedClock(START)
    feed = SimulatedFeed(clock, 9, Decimal("50"))
    before = await feed.history("TQQQ", Interval.M1, START, 500)
    assert len(before) == 500 and before[-1].close == Decimal("50.00")
    assert before[-1].start == START - timedelta(minutes=1)
    assert before == await SimulatedFeed(clock, 9, Decimal("50")).history(
        "TQQQ", Interval.M1, START, 500
    )
    clock.set(START + timedelta(minutes=5, seconds=30))
    after = await feed.history("TQQQ", Interval.M1, clock.now(), 500)
    assert after[:-5] == before[5:]
    builder = BarBuilder("TQQQ", Interval.M1)
    live = []
    for k in range(330):
        q = feed.path("TQQQ").quote(k)
        assert q is not None
        bar = builder.add(q.time.timestamp(), q.last, q.volume)
        if bar is not None:
            live.append(bar)
    assert after[-5:] == live


def test_build_feed_simulated_in_paper_and_robinhood_live() -> None:
    clock = SimulatedClock(START)
    feed = build_feed(Settings(sim_seed=3), clock)
    assert isinstance(feed, SimulatedFeed) and feed.simulated and feed.seed == 3
    with pytest.raises(ValueError, match="reader"):
        build_feed(Settings(mode=Mode.LIVE), clock)  # live needs Robinhood's reader


def test_fast_simulations_stretch_the_quote_step_so_the_loop_keeps_up() -> None:
    from app.config import Settings
    from app.core.clock import SimulatedClock
    from app.marketdata.feeds.factory import build_feed, simulated_quote_interval

    assert simulated_quote_interval(1.0) == 1.0
    assert simulated_quote_interval(600.0) == 6.0
    clock = SimulatedClock(datetime(2026, 11, 24, 15, 0, tzinfo=UTC), speed=600.0)
    feed = build_feed(Settings().replace(sim_speed=600.0), clock)
    assert getattr(feed, "quote_interval", None) == 6.0


def _feed_on(database: Path, now: datetime, settings: Settings | None = None) -> SimulatedFeed:
    db = open_database(database)
    try:
        feed = build_feed(settings or Settings(), SimulatedClock(now), origin_store=StateStore(db))
    finally:
        db.close()
    assert isinstance(feed, SimulatedFeed)
    return feed


def test_after_a_restart_the_market_continues_where_it_stopped(tmp_path: Path) -> None:
    database = tmp_path / "paper.sqlite3"
    first = _feed_on(database, START)
    later = START + timedelta(hours=3)
    assert isinstance(first.clock, SimulatedClock)
    first.clock.set(later)  # the first run trades for three hours, then stops
    bought = first.quote_at("TQQQ", later - timedelta(minutes=30))
    bars_then = asyncio.run(first.history("TQQQ", Interval.M1, later, 200))

    again = _feed_on(database, later)  # the app started again three hours later
    now_quote = again.quote_at("TQQQ", later)
    assert now_quote is not None and bought is not None
    assert now_quote == first.quote_at("TQQQ", later)  # the same market, not 50.00 again
    assert now_quote.last != Decimal("50.00")
    # the candles an earlier fill was made on are the same candles after the restart
    assert asyncio.run(again.history("TQQQ", Interval.M1, later, 200)) == bars_then


def test_a_changed_seed_or_a_month_away_starts_a_new_path_at_the_last_price(
    tmp_path: Path,
) -> None:
    database = tmp_path / "paper.sqlite3"
    first = _feed_on(database, START)
    other = _feed_on(database, START + timedelta(hours=1), Settings(sim_seed=99))
    assert other.anchor == START + timedelta(hours=1)
    assert other.start_price == Decimal("50.00")  # another market: starts at SIM_START_PRICE
    month = START + timedelta(days=40)
    back = _feed_on(tmp_path / "other.sqlite3", START)
    assert back.anchor == first.anchor
    away = _feed_on(tmp_path / "other.sqlite3", month)
    assert away.anchor == month
    last = first.path("TQQQ").quote(first.path("TQQQ").step_at((START + MAX_AGE).timestamp()))
    assert last is not None and away.start_price == last.last


def test_a_symbols_market_holds_no_more_memory_the_longer_it_plays() -> None:
    """Ten quotes a second for an hour (ten of the path's chunks): what the path holds after
    the hour is what it held after its first minutes (50 watched symbols played for a day
    must not fill the laptop's memory with price paths already played)."""
    import tracemalloc

    path = PricePath(5, "AAPL", Decimal("180"), START, step=0.1, follow_nyse=False)
    tracemalloc.start()
    try:
        path.quote(0)
        first = tracemalloc.get_traced_memory()[0]
        for k in range(0, 36_000, 50):  # one hour of steps, played in order
            path.quote(k)
        after_an_hour = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after_an_hour - first < 100_000, f"grew by {after_an_hour - first:,} bytes"
    # and a quote from a chunk played long ago is the same as when it was played
    again = PricePath(5, "AAPL", Decimal("180"), START, step=0.1, follow_nyse=False)
    assert path.quote(123) == again.quote(123)
