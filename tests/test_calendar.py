"""Tests for app.calendar: the NYSE calendar, settlement days, sessions, trade dates.

The day-by-day reference is ``exchange_calendars`` (XNYS), a test-only
dependency; the explicit cases come from docs/compliance.md.
"""

import subprocess
import sys
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.calendar import (
    NEW_YORK,
    Session,
    close_time,
    is_early_close,
    is_settlement_day,
    is_trading_day,
    market_calendar_years,
    next_session_change,
    next_trading_day,
    open_time,
    previous_trading_day,
    session_at,
    settlement_date,
    trade_date,
    trading_days_back,
    trading_days_between,
)

D = date
Hours = tuple[time, time] | None


def ny(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=NEW_YORK)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


# --------------------------------------------------- exchange_calendars reference


@pytest.fixture(scope="module")
def xnys() -> dict[date, tuple[time, time]]:
    """XNYS sessions 1990-2100 as {date: (open, close)} in New York time."""
    xc = pytest.importorskip("exchange_calendars")
    with warnings.catch_warnings():
        # exchange_calendars 4.13 reads Series.values, deprecated in pandas 3.1.
        warnings.filterwarnings("ignore", "Series.values returning an ndarray")
        # Explicit end=: the default range stops a year ahead.
        cal = xc.get_calendar("XNYS", start="1990-01-01", end="2100-12-31")
    sched = cal.schedule
    opens = sched["open"].dt.tz_convert("America/New_York").dt.time
    closes = sched["close"].dt.tz_convert("America/New_York").dt.time
    return {ts.date(): (o, c) for ts, o, c in zip(sched.index, opens, closes, strict=True)}


def _mine(d: date) -> Hours:
    if not is_trading_day(d):
        assert open_time(d) is None and close_time(d) is None and not is_early_close(d)
        return None
    o, c = open_time(d), close_time(d)
    assert o is not None and c is not None
    assert is_early_close(d) == (c < time(16))
    return o, c


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # The era of the one-off table (9/11, Reagan, Ford, Sandy, Bush, Carter, quirks).
        (D(2000, 1, 1), D(2030, 12, 31)),
        # Rules before 2000 (14:00 early closes, MLK from 1998, Nixon 1994) ...
        (D(1990, 1, 1), D(1999, 12, 31)),
        # ... and the rules alone into the future.
        (D(2031, 1, 1), D(2100, 12, 31)),
    ],
    ids=["2000-2030", "1990-1999", "2031-2100"],
)
def test_every_day_matches_exchange_calendars(
    xnys: dict[date, tuple[time, time]], start: date, end: date
) -> None:
    mismatches = [(d, _mine(d), xnys.get(d)) for d in days(start, end) if _mine(d) != xnys.get(d)]
    assert mismatches == []


# ------------------------------------------------ docs/compliance.md tables

CLOSURES = {
    2025: "01-01 01-09 01-20 02-17 04-18 05-26 06-19 07-04 09-01 11-27 12-25",
    2026: "01-01 01-19 02-16 04-03 05-25 06-19 07-03 09-07 11-26 12-25",
    2027: "01-01 01-18 02-15 03-26 05-31 06-18 07-05 09-06 11-25 12-24",
}
EARLY_CLOSES = {2025: "07-03 11-28 12-24", 2026: "11-27 12-24", 2027: "11-26"}


def _dates(table: dict[int, str]) -> list[date]:
    return [date.fromisoformat(f"{y}-{md}") for y, mds in table.items() for md in mds.split()]


@pytest.mark.parametrize("d", _dates(CLOSURES), ids=str)
def test_compliance_table_full_closures(d: date) -> None:
    assert d.weekday() < 5
    assert not is_trading_day(d)
    assert open_time(d) is None and close_time(d) is None
    assert not is_early_close(d)
    assert session_at(ny(d.year, d.month, d.day, 10)) is Session.CLOSED


@pytest.mark.parametrize("d", _dates(EARLY_CLOSES), ids=str)
def test_compliance_table_early_closes(d: date) -> None:
    assert is_trading_day(d)
    assert is_early_close(d)
    assert open_time(d) == time(9, 30)
    assert close_time(d) == time(13, 0)


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_compliance_tables_are_complete(year: int) -> None:
    weekdays = [d for d in days(D(year, 1, 1), D(year, 12, 31)) if d.weekday() < 5]
    closed = {d for d in weekdays if not is_trading_day(d)}
    early = {d for d in weekdays if is_early_close(d)}
    assert closed == {d for d in _dates(CLOSURES) if d.year == year}
    assert early == {d for d in _dates(EARLY_CLOSES) if d.year == year}
    assert all(close_time(d) == time(16) for d in weekdays if d not in closed | early)


@pytest.mark.parametrize(
    ("d", "trading", "close"),
    [
        (D(2001, 9, 11), False, None),
        (D(2001, 9, 14), False, None),
        (D(2001, 9, 17), True, time(16)),
        (D(2004, 6, 11), False, None),
        (D(2007, 1, 2), False, None),
        (D(2012, 10, 29), False, None),
        (D(2012, 10, 30), False, None),
        (D(2018, 12, 5), False, None),
        (D(2021, 6, 18), True, time(16)),  # no Juneteenth before 2022
        (D(2021, 12, 31), True, time(16)),  # New Year on Saturday: not observed
        (D(2022, 6, 20), False, None),  # Juneteenth on Sunday -> Monday
        (D(2002, 7, 3), True, time(16)),  # pre-2013 quirk: Wednesday July 3 full day
        (D(2002, 7, 5), True, time(13)),  # ... and Friday July 5 early
        (D(2003, 12, 26), True, time(13)),  # one-off early close
        (D(2008, 12, 26), True, time(16)),
        (D(2019, 7, 3), True, time(13)),  # Wednesday July 3 since 2013
        (D(2030, 7, 3), True, time(13)),
        (D(1992, 12, 24), True, time(14)),  # early closes were 14:00 before 1993
    ],
    ids=str,
)
def test_historic_one_offs_and_rule_changes(d: date, trading: bool, close: time | None) -> None:
    assert is_trading_day(d) is trading
    assert close_time(d) == close


def test_calendar_years_bounds() -> None:
    assert market_calendar_years.start == 1990 and market_calendar_years[-1] == 2100
    assert is_trading_day(D(2100, 12, 31))
    with pytest.raises(ValueError):
        is_trading_day(D(1989, 12, 29))
    with pytest.raises(ValueError):
        close_time(D(2101, 1, 3))


# -------------------------------------------------------------------- days


def test_previous_and_next_trading_day_are_strict() -> None:
    assert next_trading_day(D(2025, 1, 8)) == D(2025, 1, 10)
    assert previous_trading_day(D(2025, 1, 10)) == D(2025, 1, 8)
    assert next_trading_day(D(2025, 1, 10)) == D(2025, 1, 13)
    assert previous_trading_day(D(2025, 1, 13)) == D(2025, 1, 10)
    assert next_trading_day(D(2026, 7, 2)) == D(2026, 7, 6)
    assert previous_trading_day(D(2026, 4, 6)) == D(2026, 4, 2)  # Good Friday
    assert next_trading_day(D(2027, 12, 23)) == D(2027, 12, 27)
    assert previous_trading_day(D(2026, 1, 3)) == D(2026, 1, 2)


@pytest.mark.parametrize(
    ("end", "n", "expected"),
    [
        # Spans 2025-01-09 (Carter).
        (D(2025, 1, 10), 5, "2025-01-03 2025-01-06 2025-01-07 2025-01-08 2025-01-10"),
        (D(2025, 1, 9), 3, "2025-01-06 2025-01-07 2025-01-08"),  # end day closed
        # Spans 2026-07-03 (Independence Day observed).
        (D(2026, 7, 7), 5, "2026-06-30 2026-07-01 2026-07-02 2026-07-06 2026-07-07"),
        # Spans 2027-12-24 (Christmas observed).
        (D(2027, 12, 28), 5, "2027-12-21 2027-12-22 2027-12-23 2027-12-27 2027-12-28"),
        # Spans Thanksgiving 2025 and the early close after it.
        (D(2025, 12, 1), 5, "2025-11-24 2025-11-25 2025-11-26 2025-11-28 2025-12-01"),
        (D(2026, 3, 8), 2, "2026-03-05 2026-03-06"),  # Sunday
        (D(2026, 3, 9), 1, "2026-03-09"),
        (D(2026, 3, 9), 0, ""),
    ],
)
def test_trading_days_back(end: date, n: int, expected: str) -> None:
    assert trading_days_back(end, n) == [date.fromisoformat(s) for s in expected.split()]


def test_trading_days_back_rejects_negative_n() -> None:
    with pytest.raises(ValueError):
        trading_days_back(D(2026, 3, 9), -1)


def test_trading_days_between_is_inclusive() -> None:
    got = trading_days_between(D(2025, 12, 22), D(2026, 1, 2))
    expected = "2025-12-22 2025-12-23 2025-12-24 2025-12-26 2025-12-29 2025-12-30 2025-12-31"
    assert got == [date.fromisoformat(s) for s in expected.split()] + [D(2026, 1, 2)]
    assert trading_days_between(D(2026, 1, 2), D(2026, 1, 2)) == [D(2026, 1, 2)]
    assert trading_days_between(D(2026, 1, 3), D(2026, 1, 4)) == []
    assert trading_days_between(D(2026, 1, 5), D(2026, 1, 2)) == []


# -------------------------------------------------------------- settlement


@pytest.mark.parametrize(
    ("d", "settles"),
    [
        (D(2025, 10, 13), False),  # Columbus Day: NYSE open, Fed closed
        (D(2025, 11, 11), False),  # Veterans Day
        (D(2026, 11, 11), False),
        (D(2025, 10, 14), True),
        (D(2023, 11, 10), True),  # Veterans Day on Saturday: Fed open on Friday
        (D(2021, 12, 31), True),  # New Year on Saturday: Fed open on Friday
        (D(2029, 11, 12), False),  # Veterans Day on Sunday: Fed closed Monday
        (D(2020, 6, 19), True),  # no Juneteenth before 2022
        (D(2026, 4, 3), False),  # Good Friday: NYSE closed
        (D(2025, 1, 9), True),  # NYSE closed (day of mourning), DTC settled
        (D(2018, 12, 5), True),  # the same for George H. W. Bush
        (D(2026, 3, 7), False),  # Saturday
    ],
    ids=str,
)
def test_is_settlement_day(d: date, settles: bool) -> None:
    assert is_settlement_day(d) is settles


def test_columbus_and_veterans_day_are_trading_days() -> None:
    assert is_trading_day(D(2025, 10, 13)) and is_trading_day(D(2025, 11, 11))


@pytest.mark.parametrize(
    ("traded", "settles"),
    [
        (D(2025, 10, 10), D(2025, 10, 14)),  # Fri, over Columbus Day
        (D(2026, 11, 10), D(2026, 11, 12)),  # over Veterans Day
        (D(2025, 10, 13), D(2025, 10, 14)),  # traded on Columbus Day
        (D(2026, 7, 2), D(2026, 7, 6)),
        (D(2025, 1, 8), D(2025, 1, 9)),  # settled on the day of mourning
        (D(2025, 1, 10), D(2025, 1, 13)),
        (D(2018, 12, 4), D(2018, 12, 6)),  # T+2: Dec 5 counts, NYSE closed or not
        (D(2018, 12, 3), D(2018, 12, 5)),
        # T+1 from 2024-05-28; T+2 before: both trades below settle 2024-05-29.
        (D(2024, 5, 28), D(2024, 5, 29)),
        (D(2024, 5, 24), D(2024, 5, 29)),  # T+2 over Memorial Day
        (D(2024, 5, 23), D(2024, 5, 28)),
        (D(2023, 10, 6), D(2023, 10, 11)),  # T+2 over Columbus Day
        # T+2 from 2017-09-05, T+3 before.
        (D(2017, 9, 5), D(2017, 9, 7)),
        (D(2017, 9, 1), D(2017, 9, 7)),  # T+3 over Labor Day
        (D(2017, 8, 30), D(2017, 9, 5)),
        (D(2016, 11, 9), D(2016, 11, 15)),  # T+3 over Veterans Day
        # Not a trading day: rolled to the next trading day first.
        (D(2025, 10, 11), D(2025, 10, 14)),
    ],
    ids=str,
)
def test_settlement_date(traded: date, settles: date) -> None:
    assert settlement_date(traded) == settles


# ---------------------------------------------------------------- sessions


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # Winter (EST, UTC-5): 09:30 ET = 14:30 UTC.
        (utc(2026, 3, 6, 14, 29), Session.PRE),
        (utc(2026, 3, 6, 14, 30), Session.REGULAR),
        (utc(2026, 3, 6, 20, 59), Session.REGULAR),
        (utc(2026, 3, 6, 21, 0), Session.POST),
        (utc(2026, 3, 7, 0, 59), Session.POST),
        (utc(2026, 3, 7, 1, 0), Session.CLOSED),
        # DST starts Sunday 2026-03-08 (EDT, UTC-4): 09:30 ET = 13:30 UTC.
        (utc(2026, 3, 8, 14, 30), Session.CLOSED),
        (utc(2026, 3, 9, 10, 59), Session.CLOSED),
        (utc(2026, 3, 9, 11, 0), Session.PRE),
        (utc(2026, 3, 9, 13, 29), Session.PRE),
        (utc(2026, 3, 9, 13, 30), Session.REGULAR),
        (utc(2026, 3, 9, 20, 0), Session.POST),
        (utc(2026, 3, 10, 0, 0), Session.CLOSED),
        # DST ends Sunday 2026-11-01: back to 14:30 UTC.
        (utc(2026, 10, 30, 13, 30), Session.REGULAR),
        (utc(2026, 11, 2, 13, 30), Session.PRE),
        (utc(2026, 11, 2, 14, 30), Session.REGULAR),
        (utc(2027, 3, 15, 13, 30), Session.REGULAR),  # DST 2027 from Mar 14
        (utc(2027, 11, 8, 13, 30), Session.PRE),  # ... to Nov 7
        # Early closes: REGULAR to 13:00, POST 13:00-17:00.
        (ny(2026, 11, 27, 12, 59, 59), Session.REGULAR),
        (ny(2026, 11, 27, 13), Session.POST),
        (ny(2026, 11, 27, 16, 59), Session.POST),
        (ny(2026, 11, 27, 17), Session.CLOSED),
        (ny(2025, 7, 3, 13), Session.POST),
        (ny(2026, 12, 24, 12), Session.REGULAR),
        (ny(2026, 12, 24, 18), Session.CLOSED),
        # Normal day edges.
        (ny(2026, 3, 10, 6, 59, 59), Session.CLOSED),
        (ny(2026, 3, 10, 7), Session.PRE),
        (ny(2026, 3, 10, 9, 30), Session.REGULAR),
        (ny(2026, 3, 10, 16), Session.POST),
        (ny(2026, 3, 10, 19, 59, 59), Session.POST),
        (ny(2026, 3, 10, 20), Session.CLOSED),
        # Weekends and holidays.
        (ny(2026, 3, 7, 10), Session.CLOSED),
        (ny(2026, 3, 8, 21), Session.CLOSED),
        (ny(2025, 1, 9, 10), Session.CLOSED),
        (ny(2026, 4, 3, 10), Session.CLOSED),
        (ny(2026, 7, 3, 10), Session.CLOSED),
        # Other zones are converted: 15:00 London (GMT) = 10:00 ET.
        (datetime(2026, 1, 13, 15, 0, tzinfo=ZoneInfo("Europe/London")), Session.REGULAR),
        (datetime(2026, 1, 14, 0, 0, tzinfo=ZoneInfo("Asia/Tokyo")), Session.REGULAR),
    ],
    ids=lambda v: v.isoformat() if isinstance(v, datetime) else str(v),
)
def test_session_at(when: datetime, expected: Session) -> None:
    assert session_at(when) is expected


def test_session_values() -> None:
    assert [s.value for s in Session] == ["pre", "regular", "post", "closed"]
    assert Session.REGULAR == "regular"


@pytest.mark.parametrize("func", [session_at, next_session_change, trade_date])
def test_naive_datetime_rejected(func: Callable[[datetime], object]) -> None:
    with pytest.raises(ValueError, match="naive"):
        func(datetime(2026, 3, 10, 10, 0))


@pytest.mark.parametrize(
    ("when", "session", "begins"),
    [
        (ny(2026, 3, 10, 8), Session.REGULAR, ny(2026, 3, 10, 9, 30)),
        (ny(2026, 3, 10, 0), Session.PRE, ny(2026, 3, 10, 7)),
        (ny(2026, 3, 10, 9, 30), Session.POST, ny(2026, 3, 10, 16)),
        (ny(2026, 3, 10, 16, 30), Session.CLOSED, ny(2026, 3, 10, 20)),
        # Over a weekend that starts DST: Friday evening -> Monday 07:00 EDT.
        (ny(2026, 3, 6, 20), Session.PRE, ny(2026, 3, 9, 7)),
        (utc(2026, 3, 7, 12), Session.PRE, ny(2026, 3, 9, 7)),
        (ny(2026, 3, 8, 23, 59), Session.PRE, ny(2026, 3, 9, 7)),
        # Around the Thanksgiving early close.
        (ny(2026, 11, 25, 21), Session.PRE, ny(2026, 11, 27, 7)),
        (ny(2026, 11, 27, 12), Session.POST, ny(2026, 11, 27, 13)),
        (ny(2026, 11, 27, 13), Session.CLOSED, ny(2026, 11, 27, 17)),
        (ny(2026, 11, 27, 17), Session.PRE, ny(2026, 11, 30, 7)),
        # Early close before a holiday weekend: 2025-12-24 -> 2025-12-26.
        (ny(2025, 12, 24, 16, 59), Session.CLOSED, ny(2025, 12, 24, 17)),
        (ny(2025, 12, 24, 17), Session.PRE, ny(2025, 12, 26, 7)),
        # Over Good Friday and the 2026-07-03 closure.
        (ny(2026, 4, 2, 20), Session.PRE, ny(2026, 4, 6, 7)),
        (ny(2026, 7, 2, 19), Session.CLOSED, ny(2026, 7, 2, 20)),
        (ny(2026, 7, 2, 20), Session.PRE, ny(2026, 7, 6, 7)),
    ],
    ids=str,
)
def test_next_session_change(when: datetime, session: Session, begins: datetime) -> None:
    got_session, got_begins = next_session_change(when)
    assert (got_session, got_begins) == (session, begins)
    assert got_begins.tzinfo is NEW_YORK
    assert got_begins.utcoffset() == begins.utcoffset()


def test_next_session_change_over_dst_weekend_in_utc() -> None:
    _, begins = next_session_change(utc(2026, 3, 7, 1, 30))  # Friday 20:30 EST
    assert begins.astimezone(UTC) == utc(2026, 3, 9, 11, 0)  # Monday 07:00 EDT


@pytest.mark.parametrize(
    ("start", "end"),
    [(ny(2026, 3, 4), ny(2026, 3, 11)), (ny(2026, 11, 23), ny(2026, 12, 2))],
)
def test_next_session_change_agrees_with_session_at(start: datetime, end: datetime) -> None:
    step = timedelta(minutes=10)
    tick = timedelta(seconds=1)
    when = start
    while when < end:
        session, begins = next_session_change(when)
        assert begins > when
        assert session_at(begins) is session
        assert session_at(begins - tick) is not session
        assert session_at(begins - tick) is session_at(when)
        when += step


# -------------------------------------------------------------- trade dates


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (ny(2026, 3, 10, 21), D(2026, 3, 11)),  # 21:00 ET (already next day in UTC)
        (utc(2026, 3, 11, 1), D(2026, 3, 11)),  # ... the same instant in UTC
        (ny(2026, 1, 13, 23, 30), D(2026, 1, 14)),  # 23:30 ET = 04:30 UTC next day
        (ny(2026, 3, 10, 20), D(2026, 3, 11)),  # 20:00 sharp starts the next day
        (ny(2026, 3, 10, 19, 59, 59), D(2026, 3, 10)),
        (ny(2026, 3, 10, 0, 30), D(2026, 3, 10)),  # overnight, same ET date
        (utc(2026, 3, 10, 3, 0), D(2026, 3, 10)),  # 23:00 ET Monday -> Tuesday
        (ny(2026, 3, 6, 21), D(2026, 3, 9)),  # Friday night -> Monday
        (ny(2026, 3, 6, 23, 30), D(2026, 3, 9)),  # Friday 23:30 ET, Saturday in UTC
        (ny(2026, 1, 16, 21), D(2026, 1, 20)),  # Friday -> Tuesday after MLK Day
        (ny(2026, 3, 7, 10), D(2026, 3, 9)),  # Saturday -> Monday
        (ny(2026, 3, 8, 20, 30), D(2026, 3, 9)),  # Sunday night 24-hour market
        (ny(2025, 1, 9, 11), D(2025, 1, 10)),  # holiday -> next trading day
        (ny(2026, 4, 2, 21), D(2026, 4, 6)),  # Thursday night over Good Friday
        (ny(2026, 11, 27, 15), D(2026, 11, 27)),  # early-close day after-hours
        (ny(2026, 12, 31, 21), D(2027, 1, 4)),  # over New Year's Day
    ],
    ids=lambda v: v.isoformat(),
)
def test_trade_date(when: datetime, expected: date) -> None:
    assert trade_date(when) == expected


# ------------------------------------------------------------------ purity


def test_import_is_light_and_lazy() -> None:
    code = (
        "import sys, app.calendar, app._holidays as h;"
        "assert h.year_calendar.cache_info().currsize == 0;"
        "heavy = {'pandas', 'numpy', 'exchange_calendars'} & set(sys.modules);"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_the_hourly_trade_date_cache_agrees_with_the_exact_rule() -> None:
    """trade_date is cached by UTC hour; walk a DST change, evenings and Thanksgiving."""
    from app.calendar import _trade_date_exact

    for start in (datetime(2026, 3, 6, 12, tzinfo=UTC), datetime(2026, 10, 30, tzinfo=UTC)):
        when = start
        while when < start + timedelta(days=31):
            assert trade_date(when) == _trade_date_exact(when), when
            when += timedelta(minutes=7, seconds=13)
    evening = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 20:30 New York on the 24th
    assert trade_date(evening) == date(2026, 11, 25)
