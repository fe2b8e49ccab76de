"""Brokers: the contract (``base``), the paper broker, and Robinhood."""
