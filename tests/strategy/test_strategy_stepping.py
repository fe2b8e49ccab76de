"""The per-bar strategy path: `step` gives only BUY/SELL; `latest` and `last_signal` the verdict."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import SignalGenerated
from app.core.models import Bar, Interval, Signal, SignalAction
from app.marketdata.feeds.manual import ManualFeed
from app.marketdata.service import MarketDataService
from app.strategy import builtin_registry
from app.strategy.engine import StrategyEngine

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
HOLD = SignalAction.HOLD


def walk(n: int, seed: int = 3) -> list[Bar]:
    rng = random.Random(seed)
    price, out = 50.0, []
    for i in range(n):
        price = max(1.0, price * (1 + rng.gauss(0, 0.01)))
        p = Decimal(repr(round(price, 2)))
        out.append(Bar("TQQQ", Interval.M1, T0 + timedelta(minutes=i), p, p, p, p, 100))
    return out


def test_step_and_latest_agree_with_update_bar_by_bar() -> None:
    settings = Settings(rsi_period=5, macd_fast=3, macd_slow=7, macd_signal=3)
    series = walk(400)
    for name in ("rsi", "macd"):
        by_update = builtin_registry().create(name, settings)
        by_step = builtin_registry().create(name, settings)
        actionable = 0
        for bar in series:
            full = by_update.update(bar)
            quick = by_step.step(bar)
            if full is None:
                assert quick is None and by_step.latest() is None
                continue
            assert by_step.latest() == full
            assert quick == (None if full.action is HOLD else full)
            actionable += quick is not None
        assert actionable >= 4, name  # the walk crosses often enough to test both sides


async def test_last_signal_is_the_latest_verdict_hold_included_and_every_strategy_publishes(
    bus: EventBus,
) -> None:
    clock = SimulatedClock(T0)
    settings = Settings(rsi_period=5, macd_fast=3, macd_slow=7, macd_signal=3)
    md = MarketDataService(bus, clock, ManualFeed(), settings)
    engine = StrategyEngine(bus, clock, md, settings)
    await engine.start()
    engine.enable("TQQQ", "macd")
    await engine._warm_all()
    published: list[Signal] = []
    bus.subscribe(SignalGenerated, lambda e: published.append(e.signal))
    series = walk(300)
    reference = {n: builtin_registry().create(n, settings) for n in ("rsi", "macd")}
    expected: list[Signal] = []
    for bar in series:
        clock.set(bar.start + timedelta(minutes=1))
        await md.on_bar(bar)
        for strategy in reference.values():
            signal = strategy.update(bar)
            if signal is not None and signal.action is not HOLD:
                expected.append(signal)
    assert {s.strategy for s in published} == {"rsi", "macd"}
    assert sorted(published, key=lambda s: (s.bar_time, s.strategy)) == sorted(
        expected, key=lambda s: (s.bar_time, s.strategy)
    )
    last = engine.last_signal("TQQQ", "rsi")
    assert last is not None and last.bar_time == series[-1].start
    assert last == reference["rsi"].latest()
    await engine.stop()
