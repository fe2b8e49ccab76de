"""ManualFeed: a feed that delivers nothing by itself; the caller pushes data into market data.

Used where something outside drives the market (tests, benchmarks, a replay
loop): ``market_data.on_quote`` / ``on_bar`` are called directly. Every
instant is the regular session.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from app.calendar import Session
from app.core.models import Bar, Interval
from app.marketdata.feeds.base import Feed, QuoteSink


class ManualFeed(Feed):
    """A feed that delivers nothing by itself: the caller pushes quotes and bars into
    market data (tests, benchmarks, replays driven from outside). Always the regular session."""

    name = "manual"

    def session_at(self, when: datetime) -> Session:
        return Session.REGULAR

    def knows(self, symbol: str) -> bool:
        return True

    async def history(
        self, symbol: str, interval: Interval, end: datetime, count: int
    ) -> list[Bar]:
        return []

    async def run(self, sink: QuoteSink) -> None:
        await asyncio.Event().wait()
