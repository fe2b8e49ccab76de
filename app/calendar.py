"""The NYSE trading calendar: sessions, early closes, settlement days, trade dates.

Pure and dependency-free (stdlib ``datetime`` and ``zoneinfo``). The data is a
rule set plus a table of one-off closures and quirks, kept in
:mod:`app._holidays` and computed lazily, one cached year at a time. Rules and
one-offs cover the years in :data:`market_calendar_years` (1990-2100); every
date function raises ``ValueError`` outside them.

Exchange time is always America/New_York (:data:`NEW_YORK`), never a fixed
offset and never the UTC date. Functions taking a ``datetime`` require an aware
one and raise ``ValueError`` on a naive one.

Sessions (Robinhood's extended hours around the NYSE regular session):

========  ====================  ======================
session   normal trading day    early-close day
========  ====================  ======================
PRE       07:00-09:30           07:00-09:30
REGULAR   09:30-16:00           09:30-13:00
POST      16:00-20:00           13:00-17:00 (Robinhood ends after-hours at 17:00)
CLOSED    otherwise; all day on weekends and holidays
========  ====================  ======================

Robinhood's 24 Hour Market (Sunday 20:00 to Friday 20:00) is not a
:class:`Session` here: overnight time is ``CLOSED``. A fill in it belongs to
the next trading day, see :func:`trade_date`.
"""

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from app._holidays import FIRST_YEAR, LAST_YEAR, SETTLED_ON_CLOSURES, year_calendar

__all__ = [
    "NEW_YORK",
    "Session",
    "close_time",
    "is_early_close",
    "is_settlement_day",
    "is_trading_day",
    "market_calendar_years",
    "next_session_change",
    "next_trading_day",
    "open_time",
    "previous_trading_day",
    "session_at",
    "settlement_date",
    "trade_date",
    "trading_days_back",
    "trading_days_between",
]

NEW_YORK: Final = ZoneInfo("America/New_York")

market_calendar_years: Final = range(FIRST_YEAR, LAST_YEAR + 1)
"""Years the calendar covers; date functions raise ValueError outside them."""

REGULAR_OPEN: Final = time(9, 30)
REGULAR_CLOSE: Final = time(16, 0)
PRE_MARKET_OPEN: Final = time(7, 0)
AFTER_HOURS_CLOSE: Final = time(20, 0)
EARLY_CLOSE_AFTER_HOURS_CLOSE: Final = time(17, 0)

# First trade dates of each settlement cycle (SEC: T+2 from 2017-09-05, T+1 from 2024-05-28).
_T_PLUS_2_FROM: Final = date(2017, 9, 5)
_T_PLUS_1_FROM: Final = date(2024, 5, 28)

_ONE_DAY: Final = timedelta(days=1)


class Session(StrEnum):
    """The market session at an instant (see the module docstring for hours)."""

    PRE = "pre"
    REGULAR = "regular"
    POST = "post"
    CLOSED = "closed"


# ---------------------------------------------------------------------- days


def is_trading_day(d: date) -> bool:
    """True when the NYSE holds a session (full or early close) on ``d``."""
    cal = year_calendar(d.year)
    return d.weekday() < 5 and d not in cal.nyse_closures


def open_time(d: date) -> time | None:
    """Regular-session open in New York time (09:30), or None when closed."""
    return REGULAR_OPEN if is_trading_day(d) else None


def close_time(d: date) -> time | None:
    """Regular-session close in New York time: 16:00, 13:00 on early closes
    (14:00 before 1993), or None when the NYSE is closed."""
    if not is_trading_day(d):
        return None
    return year_calendar(d.year).early_closes.get(d, REGULAR_CLOSE)


def is_early_close(d: date) -> bool:
    """True when ``d`` is a trading day with a shortened regular session."""
    return is_trading_day(d) and d in year_calendar(d.year).early_closes


def previous_trading_day(d: date) -> date:
    """The last trading day strictly before ``d``."""
    d -= _ONE_DAY
    while not is_trading_day(d):
        d -= _ONE_DAY
    return d


def next_trading_day(d: date) -> date:
    """The first trading day strictly after ``d``."""
    d += _ONE_DAY
    while not is_trading_day(d):
        d += _ONE_DAY
    return d


def trading_days_back(d: date, n: int) -> list[date]:
    """The ``n`` most recent trading days ending at ``d``, oldest first.

    ``d`` itself is the last element when it is a trading day; otherwise the
    window ends at the trading day before it. ``n == 0`` gives ``[]``; a
    negative ``n`` raises ValueError. The PDT rolling window is
    ``trading_days_back(today, 5)``: e.g. for Friday 2025-01-10 it is
    2025-01-03, 01-06, 01-07, 01-08, 01-10 (Thursday 01-09 was closed).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    days: list[date] = []
    if n and is_trading_day(d):
        days.append(d)
    while len(days) < n:
        d = previous_trading_day(d)
        days.append(d)
    days.reverse()
    return days


def trading_days_between(start: date, end: date) -> list[date]:
    """Trading days from ``start`` to ``end``, both inclusive, in order
    (empty when ``start > end``)."""
    days: list[date] = []
    d = start
    while d <= end:
        if is_trading_day(d):
            days.append(d)
        d += _ONE_DAY
    return days


# ---------------------------------------------------------------- settlement


def is_settlement_day(d: date) -> bool:
    """True when securities settle on ``d``: an NYSE trading day that is also a
    Federal Reserve business day, plus the days the NYSE closed while DTC still
    settled (2018-12-05, 2025-01-09). Columbus Day and Veterans Day are trading
    days but not settlement days. Fed rule: a holiday on Sunday is observed on
    Monday; a holiday on Saturday is not observed on Friday."""
    if d in SETTLED_ON_CLOSURES:
        return True
    return is_trading_day(d) and d not in year_calendar(d.year).fed_holidays


@lru_cache(maxsize=4096)
def settlement_date(trade_date: date) -> date:
    """The settlement date of a trade dated ``trade_date``.

    T+3 settlement days for trade dates before 2017-09-05, T+2 until
    2024-05-27, T+1 from 2024-05-28. A date that is not a trading day is first
    moved to the next trading day (the trade date a fill then would get).
    """
    d = trade_date if is_trading_day(trade_date) else next_trading_day(trade_date)
    if d >= _T_PLUS_1_FROM:
        remaining = 1
    elif d >= _T_PLUS_2_FROM:
        remaining = 2
    else:
        remaining = 3
    while remaining:
        d += _ONE_DAY
        if is_settlement_day(d):
            remaining -= 1
    return d


# ------------------------------------------------------------------ instants


def _to_new_york(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when!r}: pass an aware datetime")
    return when.astimezone(NEW_YORK)


def _session_bounds(d: date) -> list[tuple[Session, time]]:
    """The session changes of trading day ``d``, in order (New York times)."""
    close = close_time(d)
    if close is None:
        return []
    post_end = EARLY_CLOSE_AFTER_HOURS_CLOSE if close < REGULAR_CLOSE else AFTER_HOURS_CLOSE
    return [
        (Session.PRE, PRE_MARKET_OPEN),
        (Session.REGULAR, REGULAR_OPEN),
        (Session.POST, close),
        (Session.CLOSED, post_end),
    ]


def session_at(when: datetime) -> Session:
    """The session at the aware instant ``when`` (converted to New York time).

    PRE 07:00-09:30, REGULAR 09:30-close, POST close-20:00 (close-17:00 on
    early-close days, as Robinhood does) on trading days; otherwise CLOSED.
    Each session includes its start and excludes its end.
    """
    ny = _to_new_york(when)
    current = Session.CLOSED
    for session, start in _session_bounds(ny.date()):
        if ny.time() >= start:
            current = session
    return current


def next_session_change(when: datetime) -> tuple[Session, datetime]:
    """The next session to begin strictly after ``when``, and when it begins.

    The returned datetime is aware, in :data:`NEW_YORK`. Changes to
    ``Session.CLOSED`` count (e.g. at 16:30 on a normal day the answer is
    ``(CLOSED, 20:00)``). Over a weekend or holiday the answer is the next
    trading day's PRE at 07:00.
    """
    ny = _to_new_york(when)
    d = ny.date()
    if not is_trading_day(d):
        d = next_trading_day(d)
    while True:
        for session, start in _session_bounds(d):
            begins = datetime.combine(d, start, tzinfo=NEW_YORK)
            if begins > ny:
                return session, begins
        d = next_trading_day(d)


def trade_date(when: datetime) -> date:
    """The NYSE trade date of a fill at the aware instant ``when``.

    The New York date of the fill, except that a fill from 20:00 to midnight
    New York time (Robinhood's 24 Hour Market), or at any time on a weekend or
    holiday, belongs to the next trading day. Never the UTC date.

    Called on every price and every order, so it is cached by UTC hour: the
    answer only changes at New York midnight or 20:00, and both fall on a whole
    UTC hour (New York is a whole number of hours from UTC; DST moves at 02:00).
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {when!r}")
    return _trade_date_of_hour(int(when.timestamp() // 3600))


@lru_cache(maxsize=8192)
def _trade_date_of_hour(hour: int) -> date:
    return _trade_date_exact(datetime.fromtimestamp(hour * 3600, UTC))


def _trade_date_exact(when: datetime) -> date:
    ny = _to_new_york(when)
    d = ny.date()
    if ny.time() >= AFTER_HOURS_CLOSE or not is_trading_day(d):
        return next_trading_day(d)
    return d
