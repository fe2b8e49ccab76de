"""The strategy's signals, decided once over a backtest's bars, are what the strategy says.

The skipping backtest runs the strategy once over all bars and lets the app's
strategy engine play the signals back on the bars it feeds; a trader's
backtest is only right if the played-back signal on any bar is the signal the
strategy itself gives there, whichever bars in between were skipped.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.backtest.decisions import PlaybackRegistry, PlayedBack, decide
from app.config import Settings, StrategyName
from app.core.models import Bar, Interval, SignalAction
from app.strategy import builtin_registry


def bars(count: int = 2000, seed: int = 5) -> list[Bar]:
    rng = random.Random(seed)
    price = 50.0
    start = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    out = []
    for k in range(count):
        open_ = price
        price = max(5.0, price * (1 + rng.gauss(0, 0.004)))
        o, c = Decimal(f"{open_:.2f}"), Decimal(f"{price:.2f}")
        out.append(Bar("TQQQ", Interval.M5, start + timedelta(minutes=5 * k), o,
                       max(o, c), min(o, c), c, 1000))  # fmt: skip
    return out


@pytest.mark.parametrize("strategy", list(StrategyName))
def test_played_back_signals_are_the_strategys_own_on_any_subset_of_bars(
    strategy: StrategyName,
) -> None:
    series = bars()
    settings = Settings().replace(strategy=strategy, rsi_period=7)
    registry = builtin_registry()
    real = registry.create(strategy.value, settings)
    expected = {bar.start: real.step(bar) for bar in series}
    assert any(s is not None and s.action is SignalAction.BUY for s in expected.values())
    assert any(s is not None and s.action is SignalAction.SELL for s in expected.values())

    decisions = decide(registry.create(strategy.value, settings), series)
    played = PlaybackRegistry(registry, decisions).create(strategy.value, settings)
    assert isinstance(played, PlayedBack)
    fed = [bar for i, bar in enumerate(series) if i % 7 == 0 or i in decisions.indexes]
    for bar in fed:
        assert played.step(bar) == expected[bar.start]
    assert {series[i].start for i in decisions.indexes} == {
        start for start, s in expected.items() if s is not None
    }
    assert played.latest() == expected[series[max(decisions.indexes)].start]


def test_other_parameters_get_the_real_strategy() -> None:
    """Only the decided strategy with the decided parameters is played back: anything else
    asked of the registry (another period, another strategy) computes for itself."""
    series = bars(300)
    settings = Settings().replace(strategy=StrategyName.RSI, rsi_period=7)
    decisions = decide(builtin_registry().create("rsi", settings), series)
    registry = PlaybackRegistry(builtin_registry(), decisions)
    assert isinstance(registry.create("rsi", settings), PlayedBack)
    other = registry.create("rsi", settings.replace(rsi_period=9))
    assert not isinstance(other, PlayedBack) and other.params["period"] == 9
    assert not isinstance(registry.create("macd", settings), PlayedBack)
