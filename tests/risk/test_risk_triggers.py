"""Trigger prices agree with the exit and daily-loss rules, and the service acts exactly on them.

The oracles here use exact fractions and are written from the rules' definitions
(P/L % = (bid - entry) / entry x 100 against the settings' percentages; today's
P&L = realized today + (mark - today's base) x quantity for each open position),
not from the service's code.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, event, given, settings
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
from app.core.models import Fill, Side
from app.portfolio.service import PortfolioService
from app.portfolio.store import PortfolioStore
from app.risk.service import RiskService
from app.risk.triggers import Triggers, daily_stop_price, exit_triggers
from app.storage.db import open_database
from app.storage.state_store import StateStore

D = Decimal
START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 New York
NEXT_DAY = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

money = st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)
prices = st.decimals(min_value=D("0.0001"), max_value=D("500"), places=4)
targets = st.decimals(min_value=D("0.01"), max_value=D("50"), places=2)
stops = st.decimals(min_value=D("-90"), max_value=D("-0.01"), places=2)


def rules(target: Decimal, stop: Decimal, daily: str = "1000") -> Settings:
    return Settings().replace(profit_target_pct=target, stop_loss_pct=stop, max_daily_loss=D(daily))


@given(entry=prices, bid=prices, target=targets, stop=stops)
def test_exit_triggers_fire_exactly_where_the_percent_rule_does(
    entry: Decimal, bid: Decimal, target: Decimal, stop: Decimal
) -> None:
    exits = exit_triggers(entry, rules(target, stop))
    assert exits is not None
    target_price, stop_price = exits
    pnl_pct = (Fraction(bid) - Fraction(entry)) / Fraction(entry) * 100
    assert (bid >= target_price) == (pnl_pct >= Fraction(target))
    assert (bid <= stop_price) == (pnl_pct <= Fraction(stop))


@given(entry=prices, target=targets, stop=stops)
def test_a_bid_exactly_at_a_target_or_stop_fires(
    entry: Decimal, target: Decimal, stop: Decimal
) -> None:
    exits = exit_triggers(entry, rules(target, stop))
    assert exits is not None
    at_target = entry * (1 + target / 100)  # exact: few enough digits
    at_stop = entry * (1 + stop / 100)
    assert Triggers(*exits).hit(at_target) and at_target >= exits[0]
    assert Triggers(*exits).hit(at_stop) and at_stop <= exits[1]


@given(
    quantity=st.decimals(min_value=D("0.000001"), max_value=D("1000"), places=6),
    base=prices,
    bid=prices,
    rest=st.decimals(min_value=D("-2000"), max_value=D("2000"), places=2),
    limit=money,
)
def test_the_daily_stop_is_where_the_day_loss_reaches_the_limit(
    quantity: Decimal, base: Decimal, bid: Decimal, rest: Decimal, limit: Decimal
) -> None:
    stop = daily_stop_price(quantity, base, rest, limit)
    day_pnl = Fraction(rest) + (Fraction(bid) - Fraction(base)) * Fraction(quantity)
    reached = day_pnl <= -Fraction(limit)
    event("limit reached" if reached else "limit not reached")
    assert (bid <= stop) == reached


def test_unusable_entry_prices_have_no_exit_triggers() -> None:
    assert exit_triggers(D("0"), rules(D("1"), D("-1"))) is None
    assert exit_triggers(D("NaN"), rules(D("1"), D("-1"))) is None
    assert not Triggers().hit(D("0.01")) and Triggers(always=True).hit(D("12"))


# --- the service against an oracle of the rules -------------------------------------------


@dataclass
class Oracle:
    """What the rules say should be published, from their definitions alone."""

    cfg: Settings
    qty: dict[str, Fraction] = field(default_factory=dict)
    cost: dict[str, Fraction] = field(default_factory=dict)  # average cost
    opened_today: dict[str, bool] = field(default_factory=dict)
    marks: dict[str, Fraction] = field(default_factory=dict)  # latest bid per symbol
    base: dict[str, Fraction] = field(default_factory=dict)  # day marks of overnight positions
    fired: dict[str, set[str]] = field(default_factory=dict)
    realized: Fraction = Fraction(0)
    state: str = "ACTIVE"
    expected: list[tuple[str, str]] = field(default_factory=list)

    def new_day(self) -> None:
        self.realized = Fraction(0)
        self.base = {}
        self.opened_today = {s: False for s in self.qty}
        if self.state == "REDUCING":
            self.state = "ACTIVE"
            self.expected.append(("TradingStateChanged", "ACTIVE"))

    def buy(self, symbol: str, qty: Fraction, price: Fraction) -> None:
        held = self.qty.get(symbol, Fraction(0))
        if held == 0:
            self.opened_today[symbol] = True
            self.cost[symbol] = price
        else:
            self.cost[symbol] = (self.cost[symbol] * held + price * qty) / (held + qty)
        self.qty[symbol] = held + qty
        self.fired[symbol] = set()  # a new episode re-arms both exits
        self.daily_check()

    def day_pnl(self) -> Fraction:
        total = self.realized
        for symbol, qty in self.qty.items():
            mark = self.marks.get(symbol, self.cost[symbol])
            if self.opened_today.get(symbol, True):
                base = self.cost[symbol]
            else:
                base = self.base.setdefault(symbol, mark)  # the day's first price is the mark
            total += (mark - base) * qty
        return total

    def daily_check(self) -> None:
        if self.state != "ACTIVE":
            return
        if self.day_pnl() <= -Fraction(self.cfg.max_daily_loss):
            self.expected.append(("RiskLimitReached", "max_daily_loss"))
            self.expected.append(("TradingStateChanged", "REDUCING"))
            self.state = "REDUCING"

    def tick(self, symbol: str, bid: Fraction) -> None:
        self.marks[symbol] = bid
        if symbol in self.qty:
            entry = self.cost[symbol]
            pnl_pct = (bid - entry) / entry * 100
            reason = ""
            if pnl_pct >= Fraction(self.cfg.profit_target_pct):
                reason = "ProfitTargetReached"
            elif pnl_pct <= Fraction(self.cfg.stop_loss_pct):
                reason = "StopLossTriggered"
            if reason and reason not in self.fired[symbol]:
                self.fired[symbol].add(reason)
                self.expected.append((reason, str(bid)))
        self.daily_check()


class World:
    def __init__(self, cfg: Settings) -> None:
        self.database = open_database(":memory:")
        self.clock = SimulatedClock(START)
        self.bus = EventBus()
        self.quotes = QuoteBook(self.clock)
        store = PortfolioStore(self.database)
        self.portfolio = PortfolioService(self.bus, self.clock, self.quotes, store)
        self.risk = RiskService(
            self.bus, self.clock, cfg, self.quotes, self.portfolio, StateStore(self.database)
        )
        self.seen: list[tuple[str, str]] = []
        self.bus.subscribe(Event, self._record)

    def _record(self, e: Event) -> None:
        if isinstance(e, ProfitTargetReached | StopLossTriggered):
            self.seen.append((type(e).__name__, str(Fraction(e.price))))
        elif isinstance(e, RiskLimitReached):
            self.seen.append(("RiskLimitReached", e.limit))
        elif isinstance(e, TradingStateChanged):
            self.seen.append(("TradingStateChanged", e.state.value))


steps = st.lists(
    st.tuples(
        st.sampled_from(["TQQQ", "TQQQ", "TQQQ", "SPY", "BUY TQQQ", "BUY SPY"]),
        st.decimals(min_value=D("90"), max_value=D("110"), places=2),
    ),
    min_size=1,
    max_size=40,
)


Seen = list[tuple[str, str]]


async def run_both(cfg: Settings, plan: list[tuple[str, Decimal]]) -> tuple[Seen, Seen]:
    world = World(cfg)
    oracle = Oracle(cfg)
    await world.portfolio.start()
    await world.risk.start()
    for n, (what, price) in enumerate(plan):
        if n == len(plan) // 2:  # a new trade date halfway: day marks, realized and REDUCING reset
            world.clock.set(NEXT_DAY)
            oracle.new_day()
        world.clock.advance(timedelta(seconds=20))
        if what.startswith("BUY "):
            symbol = what[4:]
            fill = Fill(str(uuid.uuid4()), str(uuid.uuid4()), symbol, Side.BUY, D(1), price,
                        world.clock.now())  # fmt: skip
            await world.portfolio.apply_fill(fill)
            oracle.buy(symbol, Fraction(1), Fraction(price))
        else:
            quote = world.quotes.set(what, price)
            await world.bus.publish(PriceUpdated(time=world.clock.now(), quote=quote))
            oracle.tick(what, Fraction(price))
    await world.risk.stop()
    await world.portfolio.stop()
    world.database.close()
    return world.seen, oracle.expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=steps,
    target=st.sampled_from([D("1"), D("7.3")]),
    stop=st.sampled_from([D("-0.5"), D("-3")]),
    daily=st.sampled_from(["3", "8", "1000"]),
)
def test_the_service_publishes_what_the_rules_say_at_every_price(
    plan: list[tuple[str, Decimal]], target: Decimal, stop: Decimal, daily: str
) -> None:
    seen, expected = asyncio.run(run_both(rules(target, stop, daily), plan))
    event("something fired" if expected else "nothing fired")
    assert seen == expected


def test_another_positions_price_moves_the_daily_stop() -> None:
    """SPY falls (not enough alone), then TQQQ falls: together they pass the day's limit."""

    async def scenario() -> list[tuple[str, str]]:
        world = World(rules(D("7.3"), D("-12.5"), "3"))
        await world.portfolio.start()
        await world.risk.start()
        for symbol in ("TQQQ", "SPY"):
            ids = str(uuid.uuid4()), str(uuid.uuid4())
            fill = Fill(*ids, symbol, Side.BUY, D(1), D(100), world.clock.now())
            await world.portfolio.apply_fill(fill)
        assert world.risk.trigger_prices("TQQQ").daily_stop == D(97)
        for symbol, bid in (("SPY", "98.5"), ("TQQQ", "98.6"), ("TQQQ", "98.4")):
            quote = world.quotes.set(symbol, bid)
            await world.bus.publish(PriceUpdated(time=world.clock.now(), quote=quote))
        await world.risk.stop()
        await world.portfolio.stop()
        world.database.close()
        return world.seen

    assert asyncio.run(scenario()) == [
        ("RiskLimitReached", "max_daily_loss"),
        ("TradingStateChanged", "REDUCING"),
    ]
