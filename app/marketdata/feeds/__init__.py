"""Market-data feeds behind one interface (:class:`.base.Feed`): simulated, replay, manual,
Robinhood."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.config import Settings
    from app.core.clock import Clock
    from app.marketdata.feeds.base import Feed
    from app.marketdata.feeds.robinhood import JsonReader, RecordedBars
    from app.storage.state_store import StateStore


def build_feed(
    settings: Settings, clock: Clock, *, origin_store: StateStore | None = None,
    reader: JsonReader | None = None, recorded: RecordedBars | None = None,
) -> Feed:  # fmt: skip
    """The feed for ``settings.mode`` (see :func:`app.marketdata.feeds.factory.build_feed`)."""
    from app.marketdata.feeds.factory import build_feed as _build

    return _build(settings, clock, origin_store=origin_store, reader=reader, recorded=recorded)
