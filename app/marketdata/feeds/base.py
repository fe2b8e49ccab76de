"""The Feed interface every market-data source implements (simulated, replay, Robinhood).

A feed pushes quotes (:meth:`QuoteSink.on_quote`) or whole bars
(:meth:`QuoteSink.on_bar`) into a sink, answers history requests, and says
which market session it is at an instant (the paper broker uses that to
decide whether orders are allowed). It sleeps only on the injected clock.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Protocol

from app.calendar import Session
from app.core.models import Bar, Interval, Quote


class QuoteSink(Protocol):
    """Where a feed delivers data (the market-data service)."""

    async def on_quote(self, quote: Quote) -> None: ...

    async def on_bar(self, bar: Bar) -> None: ...


class Feed(ABC):
    """A source of quotes or bars; ``run`` pushes them into a sink until cancelled."""

    name: str = "feed"
    simulated: bool = True

    def __init__(self) -> None:
        self._subscribed: set[str] = set()

    @abstractmethod
    def session_at(self, when: datetime) -> Session:
        """The market session at ``when`` as this feed sees it."""

    @abstractmethod
    def knows(self, symbol: str) -> bool:
        """Whether the feed can give data for ``symbol`` (already normalized)."""

    @abstractmethod
    async def history(
        self, symbol: str, interval: Interval, end: datetime, count: int
    ) -> list[Bar]:
        """Up to ``count`` closed bars ending at or before ``end``, oldest first."""

    @abstractmethod
    async def run(self, sink: QuoteSink) -> None:
        """Deliver data to ``sink`` until cancelled."""

    def subscribe(self, symbol: str) -> None:
        self._subscribed.add(symbol)

    def unsubscribe(self, symbol: str) -> None:
        self._subscribed.discard(symbol)

    @property
    def subscribed(self) -> frozenset[str]:
        return frozenset(self._subscribed)
