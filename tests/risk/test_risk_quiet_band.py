"""The risk service's quiet band: no price inside it can trigger a rule, and skipping is invisible.

Properties over many prices: every bid strictly inside ``quiet_band`` neither
exits (``evaluate_exit``) nor reaches the daily loss (``daily_pnl``); and a risk
service that skips the prices inside its band publishes exactly the events a
risk service running the exact rules on every price publishes.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quote_book import QuoteBook

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import (
    Event,
    PriceUpdated,
    ProfitTargetReached,
    RiskLimitReached,
    StopLossTriggered,
    TradingStateChanged,
)
from app.core.models import Fill, Position, Quote, Side, TradingState
from app.portfolio.service import PortfolioService
from app.risk.exits import evaluate_exit
from app.risk.service import RiskService
from app.storage.db import open_database

D = Decimal
START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 New York
INF = D("Infinity")


class ExactOnly:
    """The same portfolio without its change counter: the risk service runs every rule."""

    def __init__(self, inner: PortfolioService) -> None:
        self.inner = inner

    def get_position(self, symbol: str) -> Position | None:
        return self.inner.get_position(symbol)

    def open_positions(self) -> list[Position]:
        return self.inner.open_positions()

    def realized_pnl_today(self) -> Decimal:
        return self.inner.realized_pnl_today()


class World:
    def __init__(self, config: Settings, exact: bool) -> None:
        self.database = open_database(":memory:")
        self.clock = SimulatedClock(START)
        self.bus = EventBus()
        self.quotes = QuoteBook(self.clock)
        self.portfolio = PortfolioService(self.bus, self.clock, self.quotes)
        view: Any = ExactOnly(self.portfolio) if exact else self.portfolio
        self.risk = RiskService(self.bus, self.clock, config, self.quotes, view)
        self.seen: list[tuple[str, str]] = []
        self.bus.subscribe(Event, self._record)

    def _record(self, event: Event) -> None:
        if isinstance(event, ProfitTargetReached | StopLossTriggered):
            self.seen.append((type(event).__name__, str(event.price)))
        elif isinstance(event, RiskLimitReached):
            self.seen.append(("RiskLimitReached", event.detail))
        elif isinstance(event, TradingStateChanged):
            self.seen.append(("TradingStateChanged", event.state.value))

    async def start(self) -> None:
        await self.portfolio.start()
        await self.risk.start()

    async def fill(self, symbol: str, side: Side, qty: Decimal, price: Decimal) -> None:
        ids = str(uuid.uuid4()), str(uuid.uuid4())
        await self.portfolio.apply_fill(Fill(*ids, symbol, side, qty, price, self.clock.now()))

    async def tick(self, symbol: str, bid: Decimal) -> None:
        self.clock.advance(timedelta(seconds=20))
        quote = self.quotes.set(symbol, bid)
        await self.bus.publish(PriceUpdated(time=self.clock.now(), quote=quote))

    async def close(self) -> None:
        await self.risk.stop()
        await self.portfolio.stop()
        self.database.close()


def config(target: str, stop: str, daily: str) -> Settings:
    return Settings().replace(
        profit_target_pct=D(target), stop_loss_pct=D(stop), max_daily_loss=D(daily)
    )


TRIGGERS = [
    D(p) for p in ("101", "99.5", "97", "107.3", "87.5", "96.5", "100.5", "98.75", "96.25", "100")
]
prices = st.one_of(  # any price, and the trigger prices of the settings below exactly
    st.decimals(min_value=D("80"), max_value=D("120"), places=2), st.sampled_from(TRIGGERS)
)


async def inside_band_is_quiet(bids: list[Decimal], cfg: Settings, overnight: bool) -> int:
    world = World(cfg, exact=False)
    await world.start()
    await world.fill("TQQQ", Side.BUY, D("3"), D("100"))
    await world.fill("TQQQ", Side.SELL, D("1"), D("99"))  # realized -1.00 today
    await world.fill("SPY", Side.BUY, D("2"), D("50"))
    world.quotes.set("SPY", D("49"))  # another position's mark moves the daily-loss floor
    if overnight:
        world.clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
        assert world.risk.quiet_band("TQQQ") is None  # the day's first price sets a day mark
        await world.tick("TQQQ", D("100"))
        await world.tick("SPY", D("49"))
    band = world.risk.quiet_band("TQQQ")
    assert band is not None
    low, high = band
    inside = 0
    position = world.portfolio.get_position("TQQQ")
    for bid in bids:
        if not low < bid < high:
            continue
        inside += 1
        assert not evaluate_exit(position, bid, cfg).should_exit
        quote = Quote("TQQQ", bid, bid, bid, D(1), D(1), world.clock.now())
        assert world.risk.daily_pnl({"TQQQ": quote}) > -cfg.max_daily_loss
    await world.close()
    return inside


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bids=st.lists(prices, min_size=1, max_size=30),
    target=st.sampled_from(["0.5", "1", "7.3"]),
    stop=st.sampled_from(["-0.5", "-3", "-12.5"]),
    daily=st.sampled_from(["4", "10", "1000"]),
    overnight=st.booleans(),
)
def test_no_bid_inside_the_band_exits_or_reaches_the_daily_loss(
    bids: list[Decimal], target: str, stop: str, daily: str, overnight: bool
) -> None:
    asyncio.run(inside_band_is_quiet(bids, config(target, stop, daily), overnight))


def test_band_edges_sit_just_inside_the_trigger_prices() -> None:
    async def scenario() -> tuple[Any, ...]:
        world = World(config("1", "-0.5", "1000"), exact=False)
        await world.start()
        flat = world.risk.quiet_band("TQQQ")
        await world.fill("TQQQ", Side.BUY, D("2"), D("100"))
        held = world.risk.quiet_band("TQQQ")
        other = world.risk.quiet_band("SPY")
        await world.risk.halt("test")
        halted = world.risk.quiet_band("TQQQ")
        await world.close()
        return flat, held, other, halted

    flat, held, other, halted = asyncio.run(scenario())
    assert flat == (-INF, INF) and other == (-INF, INF)
    low, high = held
    assert D("99.5") < low < D("99.5001") and D("100.9999") < high < D("101")
    assert halted == held  # halted: exits still fire, the daily loss is not checked


def test_reducing_and_a_daily_loss_reached_feed_every_price() -> None:
    async def scenario() -> tuple[Any, ...]:
        world = World(config("1", "-0.5", "5"), exact=False)
        await world.start()
        await world.fill("TQQQ", Side.BUY, D("2"), D("50"))
        await world.fill("TQQQ", Side.SELL, D("2"), D("47"))  # realized -6.00: limit passed
        flat_over_limit = world.risk.quiet_band("TQQQ")
        await world.tick("TQQQ", D("47"))
        reducing = world.risk.state, world.risk.quiet_band("TQQQ")
        await world.close()
        return flat_over_limit, reducing

    flat_over_limit, reducing = asyncio.run(scenario())
    assert flat_over_limit is None
    assert reducing == (TradingState.REDUCING, None)


async def replay(cfg: Settings, exact: bool, steps: list[tuple[str, Decimal]]) -> list[Any]:
    world = World(cfg, exact)
    await world.start()
    await world.fill("TQQQ", Side.BUY, D("3"), D("100"))
    await world.fill("TQQQ", Side.SELL, D("1"), D("99.5"))
    for n, (symbol, bid) in enumerate(steps):
        if n == len(steps) // 2:  # a new trade date halfway: day marks, REDUCING reset
            world.clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
        if symbol == "BUY":
            await world.fill("TQQQ", Side.BUY, D("1"), bid)
        else:
            await world.tick(symbol, bid)
    await world.close()
    return world.seen


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["TQQQ", "TQQQ", "TQQQ", "SPY", "BUY"]), prices),
        min_size=1,
        max_size=40,
    ),
    target=st.sampled_from(["1", "7.3"]),
    stop=st.sampled_from(["-0.5", "-3"]),
    daily=st.sampled_from(["3", "8", "1000"]),
)
def test_skipping_quiet_prices_publishes_the_same_events_as_the_exact_rules(
    steps: list[tuple[str, Decimal]], target: str, stop: str, daily: str
) -> None:
    cfg = config(target, stop, daily)
    fast = asyncio.run(replay(cfg, False, steps))
    exact = asyncio.run(replay(cfg, True, steps))
    assert fast == exact


def test_exits_and_reducing_still_fire_across_the_band() -> None:
    async def scenario() -> list[Any]:
        world = World(config("1", "-0.5", "3"), exact=False)
        await world.start()
        await world.fill("TQQQ", Side.BUY, D("2"), D("100"))
        for bid in ("100.2", "100.5", "100.99", "101", "100.5", "99.6", "99.5", "98.4"):
            await world.tick("TQQQ", D(bid))
        await world.close()
        return world.seen

    assert asyncio.run(scenario()) == [
        ("ProfitTargetReached", "101"),
        ("StopLossTriggered", "99.5"),
        ("RiskLimitReached", "loss today -$3.20 reached MAX_DAILY_LOSS $3.00: only orders "
                             "that shrink a position"),
        ("TradingStateChanged", "REDUCING"),
    ]  # fmt: skip
