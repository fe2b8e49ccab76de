"""StrategyEngine: signals on closed bars, enabling at run time, raw values, signal now."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from app import indicators
from app.config import Settings, StrategyName
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import BarClosed, SignalGenerated
from app.core.models import Bar, Interval, SignalAction
from app.marketdata.feeds.replay import ReplayFeed
from app.marketdata.feeds.simulated import SimulatedFeed
from app.marketdata.service import MarketDataService
from app.paths import resource_dir
from app.strategy.base import InsufficientHistory, StrategyError
from app.strategy.engine import StrategyEngine

SAMPLE = resource_dir() / "sample" / "tqqq_5m.csv"
EARLY = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # before the sample's first bar: no history
RSI_SERIES = [
    10,
    11,
    12,
    13,
    12,
    11,
    10,
    9,
    8.5,
    8,
    8.2,
    8.1,
    9,
    10,
    11,
    12,
    13,
    14,
    13.9,
    14.5,
    13,
    12,
    11.8,
]  # fmt: skip (see test_strategy_rules.py for the hand computation)


def five_minute_bars(closes: list[float]) -> list[Bar]:
    start = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
    out = []
    for i, c in enumerate(closes):
        p = Decimal(str(c))
        out.append(Bar("TQQQ", Interval.M5, start + timedelta(minutes=5 * i), p, p, p, p, 100))
    return out


async def empty_engine(
    bus: EventBus, **changes
) -> tuple[StrategyEngine, MarketDataService, SimulatedClock]:
    clock = SimulatedClock(EARLY)
    settings = Settings(bar_interval=Interval.M5, rsi_period=3).replace(**changes)
    md = MarketDataService(bus, clock, ReplayFeed(clock, SAMPLE, "TQQQ", Interval.M5), settings)
    engine = StrategyEngine(bus, clock, md, settings)
    await engine.start()
    return engine, md, clock


async def push(md: MarketDataService, clock: SimulatedClock, bars: list[Bar]) -> None:
    for bar in bars:
        clock.set(max(clock.now(), bar.start + timedelta(minutes=5)))
        await md.on_bar(bar)


async def test_signals_are_published_exactly_on_zone_entries(bus: EventBus) -> None:
    engine, md, clock = await empty_engine(bus)
    published = []
    bus.subscribe(SignalGenerated, lambda e: published.append(e.signal))
    series = five_minute_bars(RSI_SERIES)
    await push(md, clock, series)
    assert [(s.bar_time, s.action) for s in published] == [
        (series[6].start, SignalAction.BUY),
        (series[13].start, SignalAction.SELL),
        (series[21].start, SignalAction.BUY),
    ]
    assert published[0].price == Decimal("10") and "previous_rsi" in published[0].values
    values = engine.rsi_values("TQQQ")
    expected = indicators.rsi(np.array(RSI_SERIES, dtype=float), 3)
    assert values.current == pytest.approx(expected[-1]) and values.previous == pytest.approx(
        expected[-2]
    )
    assert values.last_10 == pytest.approx(list(expected[-10:]))


async def test_disabled_strategy_is_silent_and_can_be_enabled_at_run_time(bus: EventBus) -> None:
    engine, md, clock = await empty_engine(bus)
    published = []
    bus.subscribe(SignalGenerated, lambda e: published.append(e.signal))
    engine.disable("TQQQ", "rsi")
    assert engine.enabled_pairs() == []
    series = five_minute_bars(RSI_SERIES)
    await push(md, clock, series[:10])
    assert published == []
    engine.enable("tqqq", "RSI")
    assert engine.is_enabled("TQQQ", "rsi")
    await push(md, clock, series[10:15])  # closes while the new state is warming: queued
    assert published == []
    await asyncio.sleep(0)  # the warm-up runs: ten bars of history, then the queued bars
    assert [s.bar_time for s in published] == [series[13].start]
    await push(md, clock, series[15:])
    assert [s.bar_time for s in published] == [series[13].start, series[21].start]
    with pytest.raises(StrategyError, match="unknown strategy"):
        engine.enable("TQQQ", "bollinger")


async def test_no_signal_on_a_stale_quote(bus: EventBus) -> None:
    _engine, md, clock = await empty_engine(bus)
    published = []
    bus.subscribe(SignalGenerated, lambda e: published.append(e.signal))
    series = five_minute_bars(RSI_SERIES)
    await push(md, clock, series[:6])
    clock.advance(timedelta(minutes=10))  # the last quote is now 10 minutes old
    assert md.latest_quote("TQQQ").stale
    await bus.publish(BarClosed(time=clock.now(), bar=series[6]))  # a crossing bar
    assert published == []


async def test_insufficient_history_gives_a_clear_error_not_a_signal(bus: EventBus) -> None:
    engine, md, clock = await empty_engine(bus)
    await push(md, clock, five_minute_bars(RSI_SERIES[:3]))
    with pytest.raises(InsufficientHistory, match="needs at least 5 closed 5m bars of TQQQ; 3"):
        await engine.signal_now("TQQQ")
    with pytest.raises(InsufficientHistory):
        engine.rsi_values("TQQQ")
    with pytest.raises(InsufficientHistory, match="MACD"):
        engine.macd_values("TQQQ")


async def test_on_the_simulated_market_signals_are_ready_at_start(
    bus: EventBus, clock: SimulatedClock
) -> None:
    settings = Settings(strategy=StrategyName.MACD)
    md = MarketDataService(bus, clock, SimulatedFeed(clock, 4, Decimal("50")), settings)
    engine = StrategyEngine(bus, clock, md, settings)
    await engine.start()
    assert engine.enabled_pairs() == [("TQQQ", "macd")]
    now = await engine.signal_now("TQQQ")
    assert now.strategy == "macd" and now.bar_time == clock.now() - timedelta(minutes=1)
    rsi_now = await engine.signal_now("TQQQ", "rsi")
    assert 0 <= rsi_now.values["rsi"] <= 100
    m = engine.macd_values("TQQQ")
    assert m.histogram == pytest.approx(m.macd - m.signal)
    assert now.values["macd"] == pytest.approx(m.macd)
    assert {i.name for i in engine.list_strategies()} == {"rsi", "rsi_sr", "macd"}
    rsi_info = next(i for i in engine.list_strategies() if i.name == "rsi")
    assert rsi_info.parameters == {"period": 14, "oversold": 30, "overbought": 70}
    await engine.stop()


async def test_update_settings_validates_and_restarts_state(bus: EventBus) -> None:
    engine, _md, _clock = await empty_engine(bus)
    bad = dataclasses.replace(engine.settings, rsi_oversold=80.0)
    with pytest.raises(StrategyError, match="oversold"):
        engine.update_settings(bad)
    engine.update_settings(engine.settings.replace(rsi_period=5, strategy=StrategyName.MACD))
    assert engine.enabled_pairs() == [("TQQQ", "macd")]
    assert engine.settings.rsi_period == 5
