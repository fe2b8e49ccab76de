"""An interval the chart starts tracking in the middle of a bar: its first bar is whole.

The chart switches to 5m at 10:03; the service had been building 1m bars since
10:00. The 5m bar of 10:00 must start at 10:00's open with every trade since,
as a trader sees it on any other terminal, not at the first trade after the
switch (that bar would also be kept, and cached, as if it were complete).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import BarClosed
from app.core.models import Bar, Interval, Quote
from app.marketdata.bars import bar_start
from app.marketdata.feeds.manual import ManualFeed
from app.marketdata.feeds.simulated import SimulatedFeed
from app.marketdata.service import MarketDataService

D = Decimal


def quote(at, last: Decimal, volume: int = 10) -> Quote:  # type: ignore[no-untyped-def]
    return Quote("TQQQ", last - D("0.01"), last, last, D(100), D(100), at, volume)


async def test_a_5m_bar_tracked_mid_bar_holds_the_trades_since_its_start(
    bus: EventBus, clock: SimulatedClock, settings: Settings
) -> None:
    md = MarketDataService(bus, clock, SimulatedFeed(clock, 11, D("50.00")), settings)
    closed: list[BarClosed] = []
    bus.subscribe(BarClosed, closed.append)
    await md.watch("TQQQ")  # builds the bot's 1m bars
    slot = bar_start(Interval.M5, clock.now())
    prices = [D("50.00") + D(k % 7) / 100 - D(k % 3) / 50 for k in range(31)]
    for k in range(18):  # 10:00:00 .. 10:02:50, a trade every 10 s
        await md.on_quote(quote(slot + timedelta(seconds=10 * k), prices[k]))
    md.track_interval("TQQQ", Interval.M5)  # the chart switches to 5m at 10:02:50

    forming = md.forming_bar("TQQQ", Interval.M5)
    assert forming is not None and forming.start == slot
    assert (forming.open, forming.high, forming.low, forming.close, forming.volume) == (
        prices[0], max(prices[:18]), min(prices[:18]), prices[17], 180,
    )  # fmt: skip

    for k in range(18, 31):  # on to 10:05:00, which closes the 10:00 bar
        await md.on_quote(quote(slot + timedelta(seconds=10 * k), prices[k]))
    five = [e.bar for e in closed if e.bar.interval is Interval.M5]
    assert len(five) == 1
    bar = five[0]
    assert (bar.start, bar.open, bar.high, bar.low, bar.close, bar.volume) == (
        slot, prices[0], max(prices[:30]), min(prices[:30]), prices[29], 300,
    )  # fmt: skip
    assert md.closed_bars("TQQQ", Interval.M5, 10) == [bar]


async def test_in_a_replay_the_5m_bar_tracked_mid_bar_holds_the_minutes_replayed(
    bus: EventBus, settings: Settings
) -> None:
    t0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 New York
    clock = SimulatedClock(t0 + timedelta(minutes=3))
    md = MarketDataService(bus, clock, ManualFeed(), settings, bar_store=None)
    closed: list[BarClosed] = []
    bus.subscribe(BarClosed, closed.append)
    await md.watch("TQQQ")
    minutes = [Bar("TQQQ", Interval.M1, t0 + timedelta(minutes=m), D(50 + m), D(51 + m),
                   D(49 + m), D("50.5") + m, 10 * (m + 1)) for m in range(6)]  # fmt: skip
    for minute in minutes[:3]:  # 10:00, 10:01, 10:02 replayed; the chart switches at 10:03
        await md.on_bar(minute)
    md.track_interval("TQQQ", Interval.M5)
    forming = md.forming_bar("TQQQ", Interval.M5)
    assert forming is not None
    assert (forming.start, forming.open, forming.high, forming.low, forming.volume) == (
        t0, D(50), D(53), D(49), 60,
    )  # fmt: skip
    for minute in minutes[3:]:
        await md.on_bar(minute)
    five = [e.bar for e in closed if e.bar.interval is Interval.M5]
    assert [(b.start, b.open, b.high, b.low, b.close, b.volume) for b in five] == [
        (t0, D(50), D(55), D(49), D("54.5"), 150),
    ]
