"""Bar alignment and building: quotes (or smaller bars) into OHLCV bars, aligned to New York time.

Intraday intervals (1m, 5m, 15m, 1h) are aligned on the New York wall clock.
New York's UTC offset is always a whole number of hours, so a New York
boundary of these intervals is also a UTC boundary and alignment is a plain
integer floor of the epoch time. A daily bar runs from New York midnight to
the next New York midnight (23 or 25 hours on DST change days).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.calendar import NEW_YORK
from app.core.models import Bar, Interval


def _daily_bounds(ts: float) -> tuple[float, float]:
    ny = datetime.fromtimestamp(ts, UTC).astimezone(NEW_YORK)
    day = ny.date()
    start = datetime(day.year, day.month, day.day, tzinfo=NEW_YORK)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=NEW_YORK)
    return start.timestamp(), end.timestamp()


def bounds_ts(interval: Interval, ts: float) -> tuple[float, float]:
    """Epoch seconds ``(start, end)`` of the ``interval`` bar containing epoch time ``ts``."""
    if interval is Interval.D1:
        return _daily_bounds(ts)
    size = interval.seconds
    start = float(int(ts // size) * size)
    return start, start + size


def bar_start(interval: Interval, when: datetime) -> datetime:
    """UTC start of the ``interval`` bar containing the aware instant ``when``."""
    return datetime.fromtimestamp(bounds_ts(interval, when.timestamp())[0], UTC)


def bar_end(interval: Interval, start: datetime) -> datetime:
    """UTC end (exclusive) of the bar starting at ``start``."""
    return datetime.fromtimestamp(bounds_ts(interval, start.timestamp())[1], UTC)


def is_aligned(interval: Interval, when: datetime) -> bool:
    return bar_start(interval, when) == when.astimezone(UTC)


class BarBuilder:
    """Builds the forming bar of one symbol and interval from trades (or smaller bars).

    :meth:`add` returns the bar it closed when the new price belongs to a later
    bar; :meth:`close_due` closes the forming bar once the clock passes its end.
    Prices at or after ``end`` start the next bar; earlier ones than the forming
    bar's start (late data) are ignored.
    """

    __slots__ = (
        "close",
        "end_ts",
        "high",
        "interval",
        "late",
        "low",
        "open",
        "sealed_ts",
        "start_ts",
        "symbol",
        "volume",
    )

    def __init__(self, symbol: str, interval: Interval) -> None:
        self.symbol = symbol
        self.interval = interval
        self.start_ts = 0.0
        self.end_ts = 0.0  # 0 means no forming bar
        self.sealed_ts = 0.0  # end of the last closed bar: earlier data is late
        self.late = 0  # trades dropped because their bar had already closed
        self.open = self.high = self.low = self.close = Decimal(0)
        self.volume = 0

    @property
    def active(self) -> bool:
        return self.end_ts > 0.0

    def _begin(self, ts: float, o: Decimal, h: Decimal, lo: Decimal, c: Decimal, v: int) -> None:
        self.start_ts, self.end_ts = bounds_ts(self.interval, ts)
        self.open, self.high, self.low, self.close, self.volume = o, h, lo, c, v

    def add(self, ts: float, price: Decimal, volume: int) -> Bar | None:
        """Add a trade at epoch ``ts``; returns the bar closed by it, if any.

        A trade older than the last closed bar's end is late: it is dropped
        (and counted in :attr:`late`) rather than reopening a closed bar.
        """
        if ts < self.sealed_ts:
            self.late += 1
            return None
        if ts < self.end_ts:
            if ts < self.start_ts:
                return None  # late data for a bar already closed
            if price > self.high:
                self.high = price
            elif price < self.low:
                self.low = price
            self.close = price
            self.volume += volume
            return None
        closed = self.to_bar() if self.end_ts else None
        self._begin(ts, price, price, price, price, volume)
        return closed

    def add_bar(self, bar: Bar) -> Bar | None:
        """Fold a smaller closed bar into this (larger) interval; returns a bar it closed."""
        ts = bar.start.timestamp()
        if ts < self.sealed_ts:
            self.late += 1
            return None
        if ts < self.end_ts:
            if ts < self.start_ts:
                return None
            self.high = max(self.high, bar.high)
            self.low = min(self.low, bar.low)
            self.close = bar.close
            self.volume += bar.volume
            return None
        closed = self.to_bar() if self.end_ts else None
        self._begin(ts, bar.open, bar.high, bar.low, bar.close, bar.volume)
        return closed

    def close_due(self, now_ts: float) -> Bar | None:
        """Close and return the forming bar if ``now_ts`` is at or past its end."""
        if self.end_ts and now_ts >= self.end_ts:
            bar = self.to_bar()
            self.sealed_ts = self.end_ts
            self.end_ts = 0.0
            return bar
        return None

    def to_bar(self) -> Bar | None:
        """The forming bar as a :class:`Bar` (None when nothing is forming)."""
        if not self.end_ts:
            return None
        return Bar(
            self.symbol,
            self.interval,
            datetime.fromtimestamp(self.start_ts, UTC),
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
        )


def aggregate(
    bars: Iterable[Bar], interval: Interval, *, complete_before: float | None = None
) -> list[Bar]:
    """Fold bars (oldest first) into ``interval`` bars.

    The last bar is included only when ``complete_before`` (epoch seconds) is
    at or past its end; without it the last, possibly partial, bar is kept.
    """
    out: list[Bar] = []
    builder: BarBuilder | None = None
    for bar in bars:
        if builder is None:
            builder = BarBuilder(bar.symbol, interval)
        closed = builder.add_bar(bar)
        if closed is not None:
            out.append(closed)
    if (
        builder is not None
        and builder.active
        and (complete_before is None or complete_before >= builder.end_ts)
    ):
        last = builder.to_bar()
        if last is not None:
            out.append(last)
    return out
