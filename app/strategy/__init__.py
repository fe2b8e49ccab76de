"""Trading strategies as plug-ins (see :mod:`app.strategy.base`); RSI and MACD are built in."""

from __future__ import annotations

from app.strategy.base import StrategyRegistry


def builtin_registry() -> StrategyRegistry:
    """A registry holding the built-in strategies."""
    from app.strategy.macd import MacdStrategy
    from app.strategy.rsi import RsiStrategy

    return StrategyRegistry((RsiStrategy, MacdStrategy))
