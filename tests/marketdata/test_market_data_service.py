"""MarketDataService: quotes into bars and events, staleness, symbols, history and its cache."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.errors import MarketDataError, StaleQuote, UnknownSymbol
from app.core.events import BarClosed, BarUpdated, HealthChanged, PriceUpdated, QuoteStale
from app.core.models import Bar, HealthState, Interval, Quote
from app.marketdata.feeds.simulated import SimulatedFeed
from app.marketdata.service import MarketDataService
from app.storage.tables import BarRow

D = Decimal


def quote(at: datetime, last: str, volume: int = 10, symbol: str = "TQQQ") -> Quote:
    price = D(last)
    return Quote(symbol, price - D("0.01"), price, price, D(100), D(100), at, volume)


class Recorder:
    def __init__(self, bus: EventBus) -> None:
        self.events: list[object] = []
        for kind in (BarClosed, BarUpdated, PriceUpdated, QuoteStale, HealthChanged):
            bus.subscribe(kind, self.events.append)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def feed(clock: SimulatedClock) -> SimulatedFeed:
    return SimulatedFeed(clock, 11, D("50.00"))


SATURDAY = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)


@pytest.fixture
def quiet(bus: EventBus, settings: Settings) -> tuple[MarketDataService, SimulatedClock]:
    """Market data over a simulated market that follows NYSE hours, on a Saturday: silent."""
    clock = SimulatedClock(SATURDAY)
    feed = SimulatedFeed(clock, 11, D("50.00"), follow_nyse_sessions=True)
    return MarketDataService(bus, clock, feed, settings), clock


@pytest.fixture
def md(bus: EventBus, clock: SimulatedClock, feed: SimulatedFeed, settings: Settings):
    return MarketDataService(bus, clock, feed, settings)


async def test_quotes_become_price_updates_and_exact_closed_bars(
    md: MarketDataService, bus: EventBus, clock: SimulatedClock
) -> None:
    rec = Recorder(bus)
    t0 = clock.now()
    for seconds, last, vol in [
        (0, "50.00", 5),
        (20, "50.40", 7),
        (40, "49.80", 1),
        (61, "50.10", 3),
    ]:
        clock.set(t0 + timedelta(seconds=seconds))
        await md.on_quote(quote(clock.now(), last, vol))
    closed = [e.bar for e in rec.of(BarClosed)]
    assert closed == [
        Bar("TQQQ", Interval.M1, t0, D("50.00"), D("50.40"), D("49.80"), D("49.80"), 13)
    ]
    assert [e.quote.last for e in rec.of(PriceUpdated)] == [
        D("50.00"),
        D("50.40"),
        D("49.80"),
        D("50.10"),
    ]
    assert md.current_price("TQQQ") == D("50.10")
    forming = md.forming_bar("TQQQ", Interval.M1)
    assert forming is not None and forming.start == t0 + timedelta(minutes=1)
    assert md.recent_closes("TQQQ", Interval.M1, 5) == [D("49.80")]


async def test_timer_closes_bars_on_time_in_a_quiet_market(quiet, bus: EventBus) -> None:
    """A quiet bar closes by the timer 2 s after its end (the grace for late quotes)."""
    md, clock = quiet
    rec = Recorder(bus)
    await md.start()
    t0 = clock.now()
    assert md.close_grace() == 2.0
    await md.on_quote(quote(t0 + timedelta(seconds=1), "50.00"))
    await clock.run_until(t0 + timedelta(seconds=60))
    await md.on_quote(quote(t0 + timedelta(seconds=59.5), "50.20"))  # late, within the grace
    await clock.run_until(t0 + timedelta(seconds=61.9))
    assert rec.of(BarClosed) == []
    await clock.run_until(t0 + timedelta(seconds=62))
    assert [e.bar.start for e in rec.of(BarClosed)] == [t0]
    assert rec.of(BarClosed)[0].bar.close == D("50.20")
    assert rec.of(BarClosed)[0].time == t0 + timedelta(seconds=62)
    await md.stop()


async def test_stale_quote_is_flagged_once_and_health_recovers(quiet, bus: EventBus) -> None:
    md, clock = quiet
    rec = Recorder(bus)
    await md.start()
    t0 = clock.now()
    await md.on_quote(quote(t0, "50.00"))
    await clock.run_until(t0 + timedelta(seconds=30))
    assert md.latest_quote("TQQQ") is not None and not md.latest_quote("TQQQ").stale
    await clock.run_until(t0 + timedelta(seconds=90))
    stale = md.latest_quote("TQQQ")
    assert stale is not None and stale.stale and stale.last == D("50.00")
    with pytest.raises(StaleQuote, match="TQQQ"):
        md.current_price("TQQQ")
    assert [e.symbol for e in rec.of(QuoteStale)] == ["TQQQ"]  # once, not every check
    assert md.health.state is HealthState.DEGRADED and "TQQQ" in md.health.reason
    await md.on_quote(quote(clock.now(), "50.05"))
    assert md.health.state is HealthState.HEALTHY
    assert md.current_price("TQQQ") == D("50.05")
    await md.stop()


async def test_unknown_and_malformed_symbols_give_clear_errors(md: MarketDataService) -> None:
    with pytest.raises(UnknownSymbol, match="not a valid symbol"):
        await md.watch("tq$q")
    with pytest.raises(UnknownSymbol):
        md.get_quote("")
    with pytest.raises(MarketDataError, match="no quote for SPY"):
        md.get_quote("spy")
    assert await md.watch(" qqq ") == "QQQ" and "QQQ" in md.watched()
    md.unwatch("QQQ")
    assert "QQQ" not in md.watched()


async def test_bar_updates_only_for_tracked_intervals_and_rate_limited(
    md: MarketDataService, bus: EventBus, clock: SimulatedClock
) -> None:
    rec = Recorder(bus)
    t0 = clock.now()
    await md.on_quote(quote(t0, "50.00"))
    assert rec.of(BarUpdated) == []
    md.track_interval("TQQQ", Interval.M5)
    for i in range(1, 11):  # ten quotes in one second of clock time
        await md.on_quote(quote(t0 + timedelta(seconds=i / 10), "50.01"))
    updates = rec.of(BarUpdated)
    assert 1 <= len(updates) <= 3 and all(u.bar.interval is Interval.M5 for u in updates)


async def test_history_at_start_and_cache_time_to_live(
    md: MarketDataService, clock: SimulatedClock, feed: SimulatedFeed
) -> None:
    calls = []
    original = feed.history

    async def counting(*args):
        calls.append(args)
        return await original(*args)

    feed.history = counting  # type: ignore[method-assign]
    bars = await md.historical_bars("TQQQ", Interval.M1)
    assert len(bars) == 500 and bars[-1].close == D("50.00")
    assert bars == sorted(bars, key=lambda b: b.start)
    await md.historical_bars("TQQQ", Interval.M1)
    assert len(calls) == 1  # served from the cache within 60 s
    clock.advance(61)
    await md.historical_bars("TQQQ", Interval.M1)
    assert len(calls) == 2
    md.clear_cache()
    await md.historical_bars("TQQQ", Interval.M1)
    assert len(calls) == 3
    assert len(md.recent_closes("TQQQ", Interval.M1, 100)) == 100


async def test_history_is_written_to_the_sqlite_bar_cache(
    db, bus: EventBus, clock: SimulatedClock, feed: SimulatedFeed, settings: Settings
) -> None:
    md = MarketDataService(bus, clock, feed, settings, bar_store=db)
    bars = await md.historical_bars("TQQQ", Interval.M5, count=50)
    md._cache.flush()
    query = BarRow.select().where(BarRow.interval == "5m").order_by(BarRow.start)
    rows = list(query.execute(db))
    assert len(rows) == 50
    assert (rows[-1].start, rows[-1].close) == (bars[-1].start, bars[-1].close)
    await md.historical_bars("TQQQ", Interval.M5, count=50)
    md.clear_cache()
    await md.historical_bars("TQQQ", Interval.M5, count=50)
    md._cache.flush()
    assert BarRow.select().count(db) == 50  # refetching replaces, never duplicates


async def test_the_simulated_feed_drives_bars_end_to_end(
    md: MarketDataService, bus: EventBus, clock: SimulatedClock
) -> None:
    rec = Recorder(bus)
    await md.start()
    await asyncio.sleep(0)
    await clock.run_until(clock.now() + timedelta(minutes=3))
    closed = [e.bar for e in rec.of(BarClosed)]
    assert [b.start for b in closed] == [clock.now() - timedelta(minutes=m) for m in (3, 2, 1)]
    history = await md.historical_bars("TQQQ", Interval.M1, count=503)
    assert history[-3:] == closed and len(history) == 503
    await md.stop()
    assert md.health.state is HealthState.STOPPED
