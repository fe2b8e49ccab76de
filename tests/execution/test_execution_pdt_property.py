"""Property: under the classic policy no sequence of bot signals, manual orders and fills
ever makes more than MAX_DAY_TRADES day trades in any PDT window.

The sequences are dense in round trips (buy then sell on the same day), so most
examples run into the limit (``hypothesis.event`` reports how many: run with
``--hypothesis-show-statistics``). The day trades are counted by an oracle
written here, from the journal's fills alone: per symbol and New York date, a
SELL fill right after a BUY fill is one day trade.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.calendar import NEW_YORK, next_trading_day, trading_days_back
from app.config import DayTradePolicy, Settings
from app.core.clock import SimulatedClock
from app.core.events import SignalGenerated
from app.core.models import Fill, Interval, Side, Signal, SignalAction
from app.storage.db import open_database

SYMBOL = "TQQQ"
START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 New York
LAST_ORDER = time(15, 30)  # New York: every fill is in the regular session

# Round trips are most of the steps, so the limit is usually reached within a few days.
ACTIONS = ["round_trip"] * 4 + ["bot_round_trip"] * 2 + ["buy", "sell", "later", "next_day"]
step = st.tuples(st.sampled_from(ACTIONS), st.integers(1, 4))


def oracle_day_trades(fills: Sequence[Fill]) -> dict[date, int]:
    """Day trades per New York date: a SELL fill right after a BUY fill of the same symbol
    on the same date (``fills`` oldest first; equal times keep that order)."""
    by_day: dict[tuple[str, date], list[Fill]] = defaultdict(list)
    for fill in fills:
        local = fill.time.astimezone(NEW_YORK)
        assert time(9, 30) <= local.time() < time(16, 0), "outside the regular session"
        by_day[(fill.symbol, local.date())].append(fill)
    counts: dict[date, int] = defaultdict(int)
    for (_, day), group in by_day.items():
        sides = [f.side for f in sorted(group, key=lambda f: f.time)]
        counts[day] += sum(
            1 for a, b in itertools.pairwise(sides) if a is Side.BUY and b is Side.SELL
        )
    return dict(counts)


def most_in_a_window(counts: dict[date, int], window: int) -> int:
    """The most day trades in any ``window`` trading days ending on a day with a fill."""
    return max(
        (sum(counts.get(d, 0) for d in trading_days_back(day, window)) for day in counts),
        default=0,
    )


async def run_scenario(
    steps: list[tuple[str, int]], folder: Path, build_trading: Callable[..., Any]
) -> tuple[list[Fill], int, int, int]:
    """Play ``steps``; returns the journal's fills, compliance's day-trade count, the limit
    and the window."""
    db = open_database(folder / "paper.sqlite3")
    clock = SimulatedClock(START)
    config = Settings().replace(paper_latency_ms=0, day_trade_policy=DayTradePolicy.CLASSIC)
    t = build_trading(db, clock, config)
    await t.start()
    await t.bot.set_enabled(True)
    price = Decimal("10.00")
    await t.quote(price)

    async def signal(action: SignalAction) -> None:
        now = clock.now()
        sig = Signal(SYMBOL, "rsi", action, 0.9, {}, now, Interval.M1, price)
        await t.bus.publish(SignalGenerated(time=now, signal=sig))

    async def sell(tenths: int) -> None:
        held = t.portfolio.get_position(SYMBOL)
        if held is not None:
            await t.execution.sell(SYMBOL, quantity=min(held.quantity, Decimal(tenths) / 10))

    try:
        for action, arg in steps:
            now = clock.now()
            if action == "round_trip":
                await t.execution.buy(SYMBOL, quantity=Decimal(arg) / 10)
                await sell(arg)
            elif action == "bot_round_trip":
                await signal(SignalAction.BUY)
                await signal(SignalAction.SELL)
            elif action == "buy":
                await t.execution.buy(SYMBOL, quantity=Decimal(arg) / 10)
            elif action == "sell":
                await sell(arg)
            elif action == "later":
                later = now + timedelta(minutes=15 * arg)
                if later.astimezone(NEW_YORK).time() < LAST_ORDER:
                    clock.set(later)
            else:
                day = next_trading_day(now.astimezone(NEW_YORK).date())
                clock.set(datetime.combine(day, time(10, 0), tzinfo=NEW_YORK))
            price += Decimal(arg - 2) / 100
            await t.quote(price)  # every step: a fresh quote, resting orders may fill
        fills = list(reversed(t.execution.fills(10**6)))  # oldest first (journal order)
        counted = len(t.compliance.day_trades(window_only=False))
        return fills, counted, config.max_day_trades, config.pdt_tracking_days
    finally:
        await t.stop()
        db.close()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(step, min_size=6, max_size=30))
def test_classic_policy_never_exceeds_max_day_trades(
    make_trading: Callable[..., Any], steps: list[tuple[str, int]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        fills, counted, limit, window = asyncio.run(run_scenario(steps, Path(folder), make_trading))
    counts = oracle_day_trades(fills)
    most = most_in_a_window(counts, window)
    event(f"most day trades in a {window}-day window: {most}")
    event("reached the limit" if most == limit else "stayed under the limit")
    assert most <= limit, f"{most} day trades in one window: {counts}"
    assert counted == sum(counts.values())  # compliance counts what the oracle counts


def test_the_scenario_can_make_day_trades(make_trading: Callable[..., Any]) -> None:
    """The property is not vacuous: round trips on one day count, the 4th is refused."""
    steps = [("round_trip", 2)] * 4
    with tempfile.TemporaryDirectory() as folder:
        fills, counted, limit, window = asyncio.run(run_scenario(steps, Path(folder), make_trading))
    assert most_in_a_window(oracle_day_trades(fills), window) == limit == counted
    assert len(fills) == 2 * limit + 1  # the refused sell leaves the 4th buy open
