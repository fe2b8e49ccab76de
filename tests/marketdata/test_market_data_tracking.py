"""An interval the chart starts tracking in the middle of a bar: its first bar is whole.

The chart switches to 5m at 10:03; the service had been building 1m bars since
10:00. The 5m bar of 10:00 must start at 10:00's open with every trade since,
as a trader sees it on any other terminal, not at the first trade after the
switch (that bar would also be kept, and cached, as if it were complete).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import BarClosed
from app.core.models import Interval, Quote
from app.marketdata.bars import bar_start
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
