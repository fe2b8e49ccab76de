"""Choosing the feed for the configured mode (used by the composition root): the simulated
market in paper mode, Robinhood's quotes (polled every ``QUOTE_INTERVAL_SECONDS``) live."""

from __future__ import annotations

from app.config import Mode, Settings
from app.core.clock import Clock
from app.marketdata.feeds.base import Feed
from app.marketdata.feeds.robinhood import JsonReader, RecordedBars, RobinhoodFeed
from app.marketdata.feeds.simorigin import continued_origin
from app.marketdata.feeds.simulated import SimulatedFeed
from app.storage.state_store import StateStore

MAX_QUOTES_PER_WALL_SECOND = 100.0


def simulated_quote_interval(speed: float) -> float:
    """Simulated seconds between quotes: 1 s, stretched at high speed so that no more than
    :data:`MAX_QUOTES_PER_WALL_SECOND` quotes arrive per wall second (at 600x, one quote
    every 6 simulated seconds). The path's volatility and volume scale with the step, so
    bars keep their character; a loop that cannot keep up would otherwise drop late quotes.
    """
    return max(1.0, speed / MAX_QUOTES_PER_WALL_SECOND)


def build_feed(
    settings: Settings, clock: Clock, *, origin_store: StateStore | None = None,
    reader: JsonReader | None = None, recorded: RecordedBars | None = None,
) -> Feed:  # fmt: skip
    """The simulated market in paper mode; in live mode Robinhood's quotes, market hours
    and historicals through ``reader`` (the logged-in gateway's authorized GETs), and
    ``recorded`` (bars stored in the live database) where Robinhood has none (1 minute).

    Given ``origin_store`` (the app's account database) the simulated market continues
    the path stored there (see :mod:`app.marketdata.feeds.simorigin`).
    """
    if settings.mode is Mode.LIVE:
        if reader is None:
            raise ValueError("live mode reads Robinhood's quotes: build the gateway's reader first")
        return RobinhoodFeed(
            reader, clock, interval=settings.quote_interval_seconds, recorded=recorded
        )
    step = simulated_quote_interval(settings.sim_speed)
    anchor, start_price = None, settings.sim_start_price
    if origin_store is not None:
        anchor, start_price = continued_origin(
            origin_store,
            settings.sim_seed, settings.sim_start_price, step,
            settings.sim_follow_nyse_sessions, settings.symbol, clock.now(),
        )  # fmt: skip
    return SimulatedFeed(
        clock,
        seed=settings.sim_seed,
        start_price=start_price,
        follow_nyse_sessions=settings.sim_follow_nyse_sessions,
        quote_interval=step,
        anchor=anchor,
        primary_symbol=settings.symbol,
    )
