"""Backtests: replay bars through the same services as live trading, skipping idle bars.

``await run_backtest(bars, settings)`` -> :class:`BacktestResult`; the
``sherwood --backtest FILE.csv`` command runs one from a replay CSV file.
"""

from app.backtest.engine import run_backtest
from app.backtest.result import BacktestResult

__all__ = ["BacktestResult", "run_backtest"]
