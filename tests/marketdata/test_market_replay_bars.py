"""MarketDataService.on_bar (replays): the synthetic quote, event order, history, persistence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from peewee import Database

from app.calendar import NEW_YORK
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import BarClosed, PriceUpdated
from app.core.models import Bar, Interval
from app.marketdata.feeds.manual import ManualFeed
from app.marketdata.service import MarketDataService
from app.storage.tables import BarRow

D = Decimal
T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 New York


def bar(start: datetime, close: str, interval: Interval = Interval.M1, volume: int = 10) -> Bar:
    c = D(close)
    return Bar("TQQQ", interval, start, c, c + 1, c - 1, c, volume)


def service(bus: EventBus, *, bar_store: Database | None = None) -> MarketDataService:
    clock = SimulatedClock(T0 - timedelta(days=3))
    return MarketDataService(bus, clock, ManualFeed(), Settings(), bar_store=bar_store)


@pytest.mark.parametrize(
    ("start", "interval", "end"),
    [
        (T0, Interval.M1, T0 + timedelta(minutes=1)),
        (T0 + timedelta(seconds=30), Interval.M1, T0 + timedelta(minutes=1)),  # not aligned
        (datetime(2026, 11, 24, 10, 5, tzinfo=NEW_YORK), Interval.M5, T0 + timedelta(minutes=10)),
        (T0, Interval.H1, T0 + timedelta(hours=1)),
        # 1 Nov 2026, DST ends: the New York day lasts 25 hours
        (datetime(2026, 11, 1, 4, 0, tzinfo=UTC), Interval.D1,
         datetime(2026, 11, 2, 5, 0, tzinfo=UTC)),
    ],
)  # fmt: skip
async def test_the_synthetic_quote_is_at_the_bar_close_price_and_end(
    bus: EventBus, start: datetime, interval: Interval, end: datetime
) -> None:
    md = service(bus)
    prices: list[PriceUpdated] = []
    bus.subscribe(PriceUpdated, prices.append)
    await md.on_bar(bar(start, "50.00", interval, volume=7))
    q = prices[0].quote
    assert (q.time, q.last, q.bid, q.ask, q.volume) == (end, D("50.00"), D("50.00"), D("50.01"), 7)
    assert q.time.utcoffset() == start.utcoffset()  # in the zone the bar came in
    assert md._quotes["TQQQ"] is q


async def test_each_bar_gives_a_price_update_then_its_bar_closed(bus: EventBus) -> None:
    md = service(bus)
    seen: list[tuple[str, str]] = []
    bus.subscribe(PriceUpdated, lambda e: seen.append(("price", str(e.quote.last))))
    bus.subscribe(BarClosed, lambda e: seen.append(("bar", str(e.bar.close))))
    for i, close in enumerate(("50.00", "50.10")):
        await md.on_bar(bar(T0 + timedelta(minutes=i), close))
    assert seen == [("price", "50.00"), ("bar", "50.00"), ("price", "50.10"), ("bar", "50.10")]


async def test_history_holds_bars_in_order_even_when_they_come_late_or_twice(
    bus: EventBus,
) -> None:
    md = service(bus)
    minutes = [0, 1, 3, 2, 4, 3]
    for k, m in enumerate(minutes):
        await md.on_bar(bar(T0 + timedelta(minutes=m), f"50.0{k}"))
    held = md.closed_bars("TQQQ", Interval.M1, 10)
    assert [b.start for b in held] == [T0 + timedelta(minutes=m) for m in range(5)]
    assert held[3].close == D("50.05")  # the later copy of minute 3 replaced the first
    assert md.recent_closes("TQQQ", Interval.M1, 2) == [D("50.05"), D("50.04")]


async def test_coarser_tracked_intervals_are_built_from_replayed_bars(bus: EventBus) -> None:
    md = service(bus)
    md.track_interval("TQQQ", Interval.M5)
    closed: list[Bar] = []
    bus.subscribe(BarClosed, lambda e: closed.append(e.bar))
    for m in range(6):
        await md.on_bar(bar(T0 + timedelta(minutes=m), f"{50 + m}.00", volume=10))
    five = [b for b in closed if b.interval is Interval.M5]
    assert len(five) == 1
    assert (five[0].start, five[0].open, five[0].high, five[0].low, five[0].close) == (
        T0, D("50.00"), D("55.00"), D("49.00"), D("54.00"))  # fmt: skip
    assert five[0].volume == 50
    assert md.closed_bars("TQQQ", Interval.M5, 5) == five


async def test_replayed_bars_are_not_written_to_sqlite_without_the_bar_store(
    db: Database, bus: EventBus
) -> None:
    md = service(bus)
    for m in range(600):
        await md.on_bar(bar(T0 + timedelta(minutes=m), "50.00"))
    await md.sweep()
    assert BarRow.select().count(db) == 0
    stored = service(bus, bar_store=db)
    for m in range(3):
        await stored.on_bar(bar(T0 + timedelta(minutes=m), "50.00"))
    await stored.sweep()
    assert BarRow.select().count(db) == 3
