"""Property: under the classic policy no sequence of bot signals, manual orders and fills
ever makes more than MAX_DAY_TRADES day trades in any PDT window."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.calendar import NEW_YORK, next_trading_day, trading_days_back
from app.config import DayTradePolicy, Settings
from app.core.clock import SimulatedClock
from app.core.events import SignalGenerated
from app.core.models import Interval, Signal, SignalAction
from app.storage.db import open_database

SYMBOL = "TQQQ"
START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 New York

step = st.one_of(
    st.tuples(st.sampled_from(["bot_buy", "bot_sell"]), st.just(0)),
    st.tuples(st.sampled_from(["buy", "sell"]), st.integers(1, 4)),  # tenths of a share
    st.tuples(st.just("quote"), st.integers(-20, 20)),  # price move in cents
    st.tuples(st.just("later"), st.integers(1, 60)),  # minutes
    st.tuples(st.just("next_day"), st.just(0)),
)


async def run_scenario(
    steps: list[tuple[str, int]], folder: Path, build_trading
) -> tuple[list, int, int]:
    db = open_database(folder / "paper.sqlite3")
    clock = SimulatedClock(START)
    config = Settings().replace(paper_latency_ms=0, day_trade_policy=DayTradePolicy.CLASSIC)
    t = build_trading(clock, config)
    await t.start()
    await t.execution.set_bot_enabled(True)
    price = Decimal("10.00")
    await t.quote(price)
    try:
        for action, arg in steps:
            now = clock.now()
            if action in ("bot_buy", "bot_sell"):
                kind = SignalAction.BUY if action == "bot_buy" else SignalAction.SELL
                sig = Signal(SYMBOL, "rsi", kind, 0.9, {}, now, Interval.M1, price)
                await t.bus.publish(SignalGenerated(time=now, signal=sig))
            elif action == "buy":
                await t.execution.buy(SYMBOL, quantity=Decimal(arg) / 10)
            elif action == "sell":
                held = t.portfolio.get_position(SYMBOL)
                if held is not None:
                    await t.execution.sell(SYMBOL, quantity=min(held.quantity, Decimal(arg) / 10))
            elif action == "quote":
                price = max(Decimal("5"), price + Decimal(arg) / 100)
            elif action == "later":
                ny = (now + timedelta(minutes=arg)).astimezone(NEW_YORK)
                if ny.time() < time(15, 30):
                    clock.set(now + timedelta(minutes=arg))
            else:
                day = next_trading_day(now.astimezone(NEW_YORK).date())
                clock.set(datetime.combine(day, time(10, 0), tzinfo=NEW_YORK))
            await t.quote(price)  # every step: fresh quote, pending orders may fill
        trades = t.compliance.day_trades(window_only=False)
        return trades, config.max_day_trades, config.pdt_tracking_days
    finally:
        await t.stop()
        db.close()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(step, min_size=5, max_size=40))
def test_classic_policy_never_exceeds_max_day_trades(
    make_trading, steps: list[tuple[str, int]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        trades, limit, window = asyncio.run(run_scenario(steps, Path(folder), make_trading))
    days = sorted({t.trade_date for t in trades})
    for day in days:
        in_window = set(trading_days_back(day, window))
        used = sum(1 for t in trades if t.trade_date in in_window)
        assert used <= limit, f"{used} day trades in the window ending {day}: {trades}"


def test_the_scenario_can_make_day_trades(make_trading) -> None:
    """The property is not vacuous: a round trip on one day is counted."""
    steps = [("buy", 2), ("quote", 0), ("sell", 2), ("quote", 0), ("buy", 2), ("quote", 0),
             ("sell", 2), ("quote", 0), ("buy", 2), ("sell", 2), ("buy", 2), ("sell", 2),
             ("buy", 2), ("sell", 2)]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        trades, limit, _ = asyncio.run(run_scenario(steps, Path(folder), make_trading))
    assert len(trades) == limit  # the 4th round trip was refused
