"""Private holiday data behind :mod:`app.calendar`: rules plus one-off tables.

Two calendars are built here, one year at a time and cached:

* the NYSE calendar: full closures (rules + :data:`ONE_OFF_CLOSURES`) and early
  closes (rules, minus :data:`FULL_DAY_EXCEPTIONS`, plus
  :data:`ONE_OFF_EARLY_CLOSES`);
* the Federal Reserve holidays, which decide settlement days.

The rules describe the NYSE as it has stood since 1990 and for the future; the
one-off tables hold everything the rules cannot know (closures for national
mourning, 9/11, Hurricane Sandy, and historic early-close quirks). Everything
is checked day by day against ``exchange_calendars`` (XNYS) for 1990-2100 in
``tests/test_calendar.py``. Stdlib only; nothing is computed at import time.
"""

from collections.abc import Mapping
from datetime import date, time, timedelta
from functools import cache
from types import MappingProxyType
from typing import Final, NamedTuple

FIRST_YEAR: Final = 1990
LAST_YEAR: Final = 2100

EARLY_CLOSE: Final = time(13, 0)
EARLY_CLOSE_BEFORE_1993: Final = time(14, 0)  # the NYSE's early close until 1992

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

# Full-day NYSE closures the rules do not produce.
ONE_OFF_CLOSURES: Final[Mapping[date, str]] = MappingProxyType(
    {
        date(1994, 4, 27): "National day of mourning: Richard Nixon",
        date(2001, 9, 11): "September 11 attacks",
        date(2001, 9, 12): "September 11 attacks",
        date(2001, 9, 13): "September 11 attacks",
        date(2001, 9, 14): "September 11 attacks",
        date(2004, 6, 11): "National day of mourning: Ronald Reagan",
        date(2007, 1, 2): "National day of mourning: Gerald Ford",
        date(2012, 10, 29): "Hurricane Sandy",
        date(2012, 10, 30): "Hurricane Sandy",
        date(2018, 12, 5): "National day of mourning: George H. W. Bush",
        date(2025, 1, 9): "National day of mourning: Jimmy Carter",
    }
)

# One-off NYSE closures on which DTC still settled trades (the Federal Reserve was
# open): days of national mourning. A sale on 2025-01-08 settled on 2025-01-09.
SETTLED_ON_CLOSURES: Final[frozenset[date]] = frozenset({date(2018, 12, 5), date(2025, 1, 9)})

# Early closes the rules do not produce (all at 13:00).
ONE_OFF_EARLY_CLOSES: Final[Mapping[date, time]] = MappingProxyType(
    {
        # Until 2012, when July 4 fell on a Thursday the early close was Friday
        # July 5, not Wednesday July 3 (see FULL_DAY_EXCEPTIONS).
        date(1996, 7, 5): EARLY_CLOSE,
        date(2002, 7, 5): EARLY_CLOSE,
        # Fridays after a Thursday holiday (not repeated in 2008 or 2014).
        date(1997, 12, 26): EARLY_CLOSE,
        date(1999, 12, 31): EARLY_CLOSE,
        date(2003, 12, 26): EARLY_CLOSE,
    }
)

# Days the early-close rules name that were full sessions.
FULL_DAY_EXCEPTIONS: Final[frozenset[date]] = frozenset(
    {
        date(1990, 7, 3),  # the July 3 early close starts in 1995
        date(1991, 7, 3),
        date(1990, 11, 23),  # the day-after-Thanksgiving early close starts in 1992
        date(1991, 11, 29),
        date(1996, 7, 3),  # early close moved to Friday July 5 (ONE_OFF_EARLY_CLOSES)
        date(2002, 7, 3),
    }
)


class YearCalendar(NamedTuple):
    """Holidays and early closes of one calendar year."""

    nyse_closures: frozenset[date]  # weekday NYSE closures only
    early_closes: Mapping[date, time]  # NYSE date -> close time
    fed_holidays: frozenset[date]  # Federal Reserve holidays (observed dates)


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based) ``weekday`` of a month; ``n=-1`` is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _nearest_weekday(d: date) -> date:
    """NYSE observance: Saturday -> Friday, Sunday -> Monday."""
    if d.weekday() == SAT:
        return d - timedelta(days=1)
    if d.weekday() == SUN:
        return d + timedelta(days=1)
    return d


def _fed_observed(d: date) -> date | None:
    """Federal Reserve observance: Sunday -> Monday, Saturday not observed."""
    if d.weekday() == SAT:
        return None
    return d + timedelta(days=1) if d.weekday() == SUN else d


def _thanksgiving(year: int) -> date:
    return nth_weekday(year, 11, THU, 4)


def _nyse_rule_closures(year: int) -> set[date]:
    days = {
        nth_weekday(year, 2, MON, 3),  # Washington's Birthday
        easter_sunday(year) - timedelta(days=2),  # Good Friday
        nth_weekday(year, 5, MON, -1),  # Memorial Day
        _nearest_weekday(date(year, 7, 4)),  # Independence Day
        nth_weekday(year, 9, MON, 1),  # Labor Day
        _thanksgiving(year),
        _nearest_weekday(date(year, 12, 25)),  # Christmas
    }
    new_year = _fed_observed(date(year, 1, 1))  # Saturday: not moved to Dec 31
    if new_year is not None:
        days.add(new_year)
    if year >= 1998:
        days.add(nth_weekday(year, 1, MON, 3))  # Martin Luther King Jr. Day
    if year >= 2022:
        days.add(_nearest_weekday(date(year, 6, 19)))  # Juneteenth
    return days


def _fed_rule_holidays(year: int) -> set[date]:
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2022:
        fixed.append(date(year, 6, 19))
    days = {obs for d in fixed if (obs := _fed_observed(d)) is not None}
    days |= {
        nth_weekday(year, 1, MON, 3),  # Martin Luther King Jr. Day
        nth_weekday(year, 2, MON, 3),  # Washington's Birthday
        nth_weekday(year, 5, MON, -1),  # Memorial Day
        nth_weekday(year, 9, MON, 1),  # Labor Day
        nth_weekday(year, 10, MON, 2),  # Columbus Day
        _thanksgiving(year),
    }
    return days


@cache
def year_calendar(year: int) -> YearCalendar:
    """The cached :class:`YearCalendar` of ``year``; ValueError outside 1990-2100."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} is outside the calendar's {FIRST_YEAR}-{LAST_YEAR}")
    closures = _nyse_rule_closures(year)
    closures |= {d for d in ONE_OFF_CLOSURES if d.year == year}
    closures = {d for d in closures if d.weekday() < SAT}

    rule_early = {_thanksgiving(year) + timedelta(days=1)}
    for day in (date(year, 7, 3), date(year, 12, 24)):
        if day.weekday() <= THU:
            rule_early.add(day)
    close = EARLY_CLOSE_BEFORE_1993 if year < 1993 else EARLY_CLOSE
    early = {d: close for d in rule_early - FULL_DAY_EXCEPTIONS}
    early |= {d: t for d, t in ONE_OFF_EARLY_CLOSES.items() if d.year == year}
    early = {d: t for d, t in early.items() if d not in closures}

    return YearCalendar(
        nyse_closures=frozenset(closures),
        early_closes=MappingProxyType(early),
        fed_holidays=frozenset(_fed_rule_holidays(year)),
    )
