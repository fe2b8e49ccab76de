"""Cached New York trade dates and settlement dates for the order and fill hot paths.

:func:`app.calendar.trade_date` depends only on the UTC hour of an instant
(New York's offset is a whole number of hours, and the day boundaries it
uses, midnight and 20:00 New York time, as well as daylight-saving changes,
fall on the hour), so it is cached by that hour; settlement dates are cached
by trade date. Both give exactly what :mod:`app.calendar` gives.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from app import calendar

_HOUR = 3600


@lru_cache(maxsize=8192)
def _trade_date_of_hour(hour: int) -> date:
    return calendar.trade_date(datetime.fromtimestamp(hour * _HOUR, UTC))


def trade_date(when: datetime) -> date:
    """:func:`app.calendar.trade_date` of the aware instant ``when``, cached by UTC hour."""
    if when.tzinfo is None:
        raise ValueError(f"trade dates need an aware datetime, got {when!r}")
    return _trade_date_of_hour(int(when.timestamp() // _HOUR))


@lru_cache(maxsize=4096)
def settlement_date(day: date) -> date:
    """:func:`app.calendar.settlement_date`, cached by trade date."""
    return calendar.settlement_date(day)
