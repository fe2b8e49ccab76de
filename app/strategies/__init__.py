"""Trading strategies as plug-ins (see :mod:`app.strategies.base`); RSI and MACD are built in."""

from __future__ import annotations

from app.strategies.base import StrategyRegistry


def builtin_registry() -> StrategyRegistry:
    """A registry holding the built-in strategies."""
    from app.strategies.macd import MacdStrategy
    from app.strategies.rsi import RsiStrategy

    return StrategyRegistry((RsiStrategy, MacdStrategy))
