"""The bar cache: history fetched from a feed, kept in memory with a time to live, and in SQLite.

Bars are written to :class:`~app.storage.tables.BarRow` (unique per symbol,
interval and start) in batches, never one row per quote. Reads of history a
feed gave less than ``ttl`` seconds ago (on the injected clock) come from
memory; after that the feed is asked again. When the feed fails, what SQLite
holds is the fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from peewee import Database, PeeweeException

from app.core.models import Bar, Interval
from app.storage.tables import BarRow

log = logging.getLogger(__name__)

BARS_TTL_SECONDS = 60.0
QUOTES_TTL_SECONDS = 10.0
FLUSH_AT = 500


class BarCache:
    """Memory (with fetch times) plus, given a database, SQLite persistence of closed bars."""

    def __init__(self, db: Database | None, ttl: float = BARS_TTL_SECONDS) -> None:
        self.db = db
        self.ttl = ttl
        self._fetched: dict[tuple[str, Interval], tuple[float, float, int]] = {}
        self._pending: list[Bar] = []

    # --- freshness of feed history ----------------------------------------------------

    def is_fresh(
        self, symbol: str, interval: Interval, now_ts: float, end_ts: float, count: int
    ) -> bool:
        """Whether history up to ``end_ts`` with ``count`` bars was fetched within the TTL."""
        entry = self._fetched.get((symbol, interval))
        if entry is None:
            return False
        fetched_at, covered_end, covered_count = entry
        return now_ts - fetched_at < self.ttl and end_ts <= covered_end and count <= covered_count

    def mark_fetched(
        self, symbol: str, interval: Interval, now_ts: float, end_ts: float, count: int
    ) -> None:
        self._fetched[(symbol, interval)] = (now_ts, end_ts, count)

    def clear(self) -> None:
        self._fetched.clear()

    # --- SQLite -----------------------------------------------------------------------

    @property
    def persist(self) -> bool:
        """Whether closed bars are written to SQLite."""
        return self.db is not None

    def add(self, bars: Iterable[Bar]) -> None:
        """Queue closed bars for the next batch write."""
        if self.db is None:
            return
        self._pending.extend(bars)
        if len(self._pending) >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        """Write queued bars (insert or replace on symbol+interval+start)."""
        if not self._pending or self.db is None:
            return
        rows = [
            {
                "symbol": b.symbol, "interval": b.interval.value, "start": b.start,
                "open": b.open, "high": b.high, "low": b.low, "close": b.close,
                "volume": b.volume,
            }
            for b in self._pending
        ]  # fmt: skip
        self._pending = []
        try:
            with self.db.atomic():
                for i in range(0, len(rows), 100):
                    BarRow.insert_many(rows[i : i + 100]).on_conflict_replace().execute(self.db)
        except PeeweeException as exc:
            log.warning("could not write %d bars to the cache: %s", len(rows), exc)

    def load(self, symbol: str, interval: Interval, end: datetime, count: int) -> list[Bar]:
        """Up to ``count`` stored bars starting before ``end``, oldest first."""
        if self.db is None:
            return []
        self.flush()
        try:
            query = (
                BarRow.select()
                .where(
                    (BarRow.symbol == symbol)
                    & (BarRow.interval == interval.value)
                    & (BarRow.start < end)
                )
                .order_by(BarRow.start.desc())
                .limit(count)
            )
            rows = list(query.execute(self.db))
        except PeeweeException as exc:
            log.warning("could not read cached bars: %s", exc)
            return []
        rows.reverse()
        return [
            Bar(symbol, interval, r.start, r.open, r.high, r.low, r.close, int(r.volume))
            for r in rows
        ]
