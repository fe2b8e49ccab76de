"""Fixtures: the fake Robinhood, a logged-in gateway, the broker, the pipeline on it."""

from live_robinhood import broker, fake, gateway, live, live_db

__all__ = ["broker", "fake", "gateway", "live", "live_db"]
