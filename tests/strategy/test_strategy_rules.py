"""RSI and MACD strategy rules on hand-computed series: exactly which bars signal, and how sure."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.core.models import Bar, Interval, Signal, SignalAction
from app.strategy.base import StrategyError
from app.strategy.macd import MacdStrategy
from app.strategy.rsi import RsiStrategy

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
BUY, SELL, HOLD = SignalAction.BUY, SignalAction.SELL, SignalAction.HOLD

# RSI(3): Wilder averages seeded with the mean of the first 3 moves.
# i=3: gains 1,1,1 -> RSI 100; i=4 (-1): G=2/3, L=1/3 -> 66.67; i=5 (-1): G=.444, L=.556 -> 44.44;
# i=6 (-1): G=.296, L=.704 -> 29.63  => enters oversold (BUY); stays <= 30 through i=11;
# i=12 -> 62.85, i=13 -> 80.28 => enters overbought (SELL); stays >= 70 through i=19;
# i=20 -> 43.61, i=21 -> 28.34 => enters oversold again (BUY).
RSI_SERIES = [10, 11, 12, 13, 12, 11, 10, 9, 8.5, 8, 8.2, 8.1, 9, 10, 11, 12, 13, 14, 13.9, 14.5,
              13, 12, 11.8]  # fmt: skip
# MACD(2, 4, 2) (TA-Lib seeding): MACD equals its signal (1.0) at i=4 and 5 on the ramp,
# drops below at i=6 (SELL), crosses above at i=11 (BUY), below again at i=15 (SELL).
MACD_SERIES = [10, 11, 12, 13, 14, 15, 14, 13, 12, 11, 10, 11, 12, 13, 14, 13, 12]


def bars(closes: list[float], scale: float = 1.0) -> list[Bar]:
    out = []
    for i, c in enumerate(closes):
        price = Decimal(str(round(c * scale, 6)))
        out.append(
            Bar("TQQQ", Interval.M1, T0 + timedelta(minutes=i), price, price, price, price, 0)
        )
    return out


def run(strategy, series: list[Bar]) -> list[Signal | None]:
    return [strategy.update(b) for b in series]


def actions(results: list[Signal | None]) -> dict[int, SignalAction]:
    return {i: s.action for i, s in enumerate(results) if s is not None and s.action is not HOLD}


def rsi_strategy(period: int = 3) -> RsiStrategy:
    return RsiStrategy({"period": period, "oversold": 30, "overbought": 70})


def test_rsi_signals_once_on_entering_each_zone() -> None:
    results = run(rsi_strategy(), bars(RSI_SERIES))
    assert actions(results) == {6: BUY, 13: SELL, 21: BUY}
    buy, sell = results[6], results[13]
    assert buy is not None and sell is not None
    assert buy.values["rsi"] == pytest.approx(29.6296, abs=1e-3)
    assert buy.values["previous_rsi"] == pytest.approx(44.4444, abs=1e-3)
    assert buy.confidence == pytest.approx((30 - 29.6296) / 30 + 0.5, abs=1e-4)
    assert sell.confidence == pytest.approx((80.2826 - 70) / 30 + 0.5, abs=1e-3)
    assert buy.bar_time == T0 + timedelta(minutes=6) and buy.price == Decimal("10")
    assert (buy.symbol, buy.strategy, buy.interval) == ("TQQQ", "rsi", Interval.M1)


def test_no_signal_before_the_indicator_has_enough_history() -> None:
    results = run(rsi_strategy(), bars(RSI_SERIES[:4]))
    assert results[:3] == [None, None, None]
    assert (
        results[3] is not None and results[3].action is HOLD
    )  # first value: nothing to cross from
    macd = run(MacdStrategy({"fast": 2, "slow": 4, "signal": 2}), bars(MACD_SERIES[:5]))
    assert macd[:4] == [None] * 4 and macd[4] is not None and macd[4].action is HOLD


def test_macd_signals_exactly_on_crossovers() -> None:
    results = run(MacdStrategy({"fast": 2, "slow": 4, "signal": 2}), bars(MACD_SERIES))
    assert actions(results) == {6: SELL, 11: BUY, 15: SELL}
    buy = results[11]
    assert buy is not None
    assert buy.values["macd"] == pytest.approx(-0.3281, abs=1e-4)
    assert buy.values["signal"] == pytest.approx(-0.4434, abs=1e-4)
    assert buy.values["previous_macd"] == pytest.approx(-0.7708, abs=1e-4)
    assert 0.5 <= buy.confidence <= 1.0


def _random_walk(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    price, out = 50.0, []
    for _ in range(n):
        price *= math.exp(rng.gauss(0, 0.01))
        out.append(round(price, 2))
    return out


def test_macd_confidence_does_not_depend_on_the_price_scale() -> None:
    closes = _random_walk(400, 5)
    small = run(MacdStrategy({"fast": 12, "slow": 26, "signal": 9}), bars(closes))
    large = run(MacdStrategy({"fast": 12, "slow": 26, "signal": 9}), bars(closes, scale=1000))
    assert actions(small) == actions(large) and len(actions(small)) >= 5
    for i in actions(small):
        a, b = small[i], large[i]
        assert a is not None and b is not None
        assert a.confidence == pytest.approx(b.confidence, rel=1e-9)
    assert len({round(s.confidence, 6) for i, s in enumerate(small) if i in actions(small)}) > 1


def test_flat_prices_never_give_nan_or_a_signal() -> None:
    flat = bars([50.0] * 120)
    for strategy in (rsi_strategy(14), MacdStrategy({"fast": 12, "slow": 26, "signal": 9})):
        results = run(strategy, flat)
        assert actions(results) == {}
        for s in results:
            if s is not None:
                assert not any(math.isnan(v) for v in s.values.values())
    # after a flat stretch, a fall into the oversold zone is an entry
    results = run(rsi_strategy(3), bars([50.0] * 10 + [49, 48, 47]))
    assert actions(results) == {10: BUY}  # the first fall: G=0, L=1/3 -> RSI 0


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"period": 1, "oversold": 30, "overbought": 70}, "period"),
        ({"period": 14, "oversold": 70, "overbought": 30}, "below overbought"),
        ({"period": 14, "oversold": 30}, "overbought is missing"),
        ({"period": 14.5, "oversold": 30, "overbought": 70}, "whole number"),
    ],
)
def test_rsi_parameters_are_validated(params: dict, words: str) -> None:
    with pytest.raises(StrategyError, match=words):
        RsiStrategy(params)


def test_macd_parameters_are_validated() -> None:
    with pytest.raises(StrategyError, match="fast"):
        MacdStrategy({"fast": 26, "slow": 12, "signal": 9})
