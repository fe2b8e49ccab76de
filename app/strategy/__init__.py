"""Trading strategies as plug-ins (see :mod:`app.strategy.base`); RSI, RSI with support and
resistance, and MACD are built in."""

from __future__ import annotations

from app.strategy.base import StrategyRegistry


def builtin_registry() -> StrategyRegistry:
    """A registry holding the built-in strategies."""
    from app.strategy.macd import MacdStrategy
    from app.strategy.rsi import RsiStrategy
    from app.strategy.rsi_sr import RsiSupportResistanceStrategy

    return StrategyRegistry((RsiStrategy, RsiSupportResistanceStrategy, MacdStrategy))
