"""Choosing the feed for the configured mode (used by the composition root)."""

from __future__ import annotations

from app.config import Mode, Settings
from app.core.clock import Clock
from app.feeds.base import Feed
from app.feeds.simulated import SimulatedFeed


def build_feed(settings: Settings, clock: Clock) -> Feed:
    """The simulated market in paper mode; the live Robinhood feed is not written yet."""
    if settings.mode is Mode.LIVE:
        raise NotImplementedError("live Robinhood feed comes with the gateway issue")
    return SimulatedFeed(
        clock,
        seed=settings.sim_seed,
        start_price=settings.sim_start_price,
        follow_nyse_sessions=settings.sim_follow_nyse_sessions,
    )
