"""Fixtures: the trading services of tests/support/trading.py."""

from trading import make_trading, trade_settings, trading

__all__ = ["make_trading", "trade_settings", "trading"]
