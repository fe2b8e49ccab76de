"""RSI at support/resistance (the original RSI bot): bars where the levels change the call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.config import Settings, StrategyName, resolve_settings
from app.core.models import Bar, Interval, Signal, SignalAction
from app.strategy import builtin_registry
from app.strategy.base import StrategyError
from app.strategy.rsi import RsiStrategy
from app.strategy.rsi_sr import RsiSupportResistanceStrategy

BUY, SELL, HOLD = SignalAction.BUY, SignalAction.SELL, SignalAction.HOLD
T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 New York, on the hour
PARAMS = {"period": 3, "oversold": 30, "overbought": 70}
# RSI(3) of these 5-minute closes (bar: close RSI):
#  3 (15:15): 13   100   first RSI value; 13 is the highest close since 15:00 -> SELL
#  6 (15:30): 10   29.6  oversold, and 10 is the lowest close since 15:00 -> BUY (RSI: BUY too)
# 10 (15:50): 9.1  28.2  oversold again, but 9.0 (15:35) is lower -> HOLD (RSI: BUY)
# 11 (15:55): 8.8  21.4  still oversold, a new low -> BUY (RSI: still in the zone, HOLD)
# 13 (16:05): 10.5 78.5  overbought; the 16:00 bar restarted the window (high 10.5) -> SELL,
#                        where the highest close since 15:00 (13) would have held it back
# 17 (16:25) and 18 (16:30): overbought below the 13.5 high -> HOLD; 19 (16:35): 14 -> SELL
CLOSES = [10, 11, 12, 13, 12, 11, 10, 9, 9.5, 9.2, 9.1, 8.8, 9.5, 10.5, 11.5, 12.5, 13.5, 13.0,
          13.4, 14, 13.2]  # fmt: skip


def bars(closes: list[float], start: datetime = T0) -> list[Bar]:
    out = []
    for i, close in enumerate(closes):
        price = Decimal(str(close))
        when = start + timedelta(minutes=5 * i)
        out.append(Bar("TQQQ", Interval.M5, when, price, price, price, price, 0))
    return out


def actions(strategy: RsiStrategy | RsiSupportResistanceStrategy, series: list[Bar]) -> dict:
    results: list[Signal | None] = [strategy.update(bar) for bar in series]
    return {i: s.action for i, s in enumerate(results) if s is not None and s.action is not HOLD}


def test_buys_only_at_support_and_sells_only_at_resistance() -> None:
    assert actions(RsiSupportResistanceStrategy(PARAMS), bars(CLOSES)) == {
        3: SELL, 6: BUY, 11: BUY, 13: SELL, 19: SELL
    }  # fmt: skip
    # The RSI strategy alone on the same bars: the levels are what differ.
    assert actions(RsiStrategy(PARAMS), bars(CLOSES)) == {6: BUY, 10: BUY, 13: SELL}


def test_the_window_restarts_at_the_bar_that_starts_on_the_hour() -> None:
    # The same closes starting at 15:20: the hour now begins at bar 8 (9.5), so at bar 10
    # 9.1 is the lowest close since 16:00 -> BUY (the 15:00 window held it back: 9.0 at
    # bar 7), and bar 11 (8.8) still meets the condition -> HOLD (once per entry).
    shifted = bars(CLOSES, T0 + timedelta(minutes=20))
    assert actions(RsiSupportResistanceStrategy(PARAMS), shifted) == {
        3: SELL, 6: BUY, 10: BUY, 13: SELL, 19: SELL
    }  # fmt: skip


def test_signal_carries_rsi_support_and_resistance() -> None:
    strategy = RsiSupportResistanceStrategy(PARAMS)
    results = [strategy.update(bar) for bar in bars(CLOSES)]
    buy = results[11]
    assert buy is not None and buy.action is BUY
    assert buy.values["rsi"] == pytest.approx(21.37, abs=0.01)
    assert buy.values["support"] == 8.8
    assert buy.values["resistance"] == 13.0
    assert buy.confidence == pytest.approx(min(1.0, (30 - buy.values["rsi"]) / 30 + 0.5))
    assert buy.price == Decimal("8.8")


def test_hourly_bars_reduce_to_rsi_levels() -> None:
    hourly = [
        Bar("TQQQ", Interval.H1, T0 + timedelta(hours=i), *(Decimal(str(c)),) * 4, 0)
        for i, c in enumerate(CLOSES)
    ]
    strategy = RsiSupportResistanceStrategy(PARAMS)
    results = [strategy.update(bar) for bar in hourly]
    for result in results:
        if result is None:
            continue
        rsi = result.values["rsi"]
        assert result.values["support"] == result.values["resistance"] == float(result.price)
        if result.action is BUY:
            assert rsi <= 30
        if result.action is SELL:
            assert rsi >= 70


def test_selectable_by_name_with_the_rsi_parameters() -> None:
    registry = builtin_registry()
    assert "rsi_sr" in registry.names()
    settings = resolve_settings(environ={"STRATEGY": "rsi_sr", "RSI_PERIOD": "7"})
    assert settings.strategy is StrategyName.RSI_SR
    strategy = registry.create("rsi_sr", settings)
    assert strategy.params == {"period": 7.0, "oversold": 30.0, "overbought": 70.0}
    with pytest.raises(StrategyError, match="oversold"):
        RsiSupportResistanceStrategy({"period": 3, "oversold": 80, "overbought": 70})
    assert Settings().strategy is StrategyName.RSI
