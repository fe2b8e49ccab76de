"""Cached NYSE trade dates for hot paths (every price update, every pre-trade check).

:func:`app.calendar.trade_date` converts to New York time and consults the
holiday table (~1.3 us). A trade date only changes at New York midnight or at
20:00 New York time; both fall on a whole UTC hour (New York is always a whole
number of hours from UTC, and DST moves at 02:00 local), so the trade date is
constant within each UTC hour and one cached hour answers every call in it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.calendar import trade_date

_HOUR = timedelta(hours=1)


class TradeDateCache:
    """``cache.get(when)`` == ``trade_date(when)``, recomputed once per UTC hour."""

    __slots__ = ("_date", "_end", "_start")

    def __init__(self) -> None:
        self._start: datetime | None = None
        self._end: datetime | None = None
        self._date: date | None = None

    def get(self, when: datetime) -> date:
        start = self._start
        if start is not None and start <= when < self._end:  # type: ignore[operator]
            return self._date  # type: ignore[return-value]
        day = trade_date(when)  # also rejects a naive datetime
        start = when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        self._start, self._end, self._date = start, start + _HOUR, day
        return day
