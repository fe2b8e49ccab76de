"""Sherwood: a desktop trading terminal and RSI/MACD trading bot for Robinhood.

Importing this package does no work: everything is built by the composition
root in ``app.__main__``.
"""

__version__ = "0.1.0"
