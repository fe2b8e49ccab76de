"""The pure day-trade counter against every row of compliance.md, plus dates and windows."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from app.calendar import NEW_YORK, trading_days_back
from app.compliance.day_trades import (
    count_day_trades,
    count_direction_changes,
    drop_off_date,
)
from app.core.models import Fill, Side

D = Decimal
_ids = itertools.count(1)


def ny(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK).astimezone(UTC)


def fill(
    side: str, qty: float | int, when: datetime, symbol: str = "TQQQ", price: str = "50"
) -> Fill:
    n = next(_ids)
    return Fill(f"x{n}", f"o{n}", symbol, Side.BUY if side == "B" else Side.SELL,
                D(str(qty)), D(price), when)  # fmt: skip


TUESDAY = date(2026, 11, 24)


def day_fills(*steps: tuple[str, float | int] | tuple[str, float | int, str]) -> list[Fill]:
    """Fills one minute apart from 10:00 ET on a Tuesday."""
    out = []
    for minute, step in enumerate(steps):
        symbol = step[2] if len(step) == 3 else "TQQQ"  # type: ignore[misc]
        out.append(fill(step[0], step[1], ny(TUESDAY, 10, minute), symbol))
    return out


# Every row of the table in docs/compliance.md (overnight holdings never appear as fills).
TABLE = [
    ("buy 250, buy 250, sell 500", [("B", 250), ("B", 250), ("S", 500)], 1),
    ("buy, sell, buy, sell", [("B", 1), ("S", 1), ("B", 1), ("S", 1)], 2),
    ("buy 500, then three sells", [("B", 500), ("S", 100), ("S", 200), ("S", 200)], 1),
    ("buy, buy, buy, sell, sell", [("B", 1), ("B", 1), ("B", 1), ("S", 2), ("S", 1)], 1),
    ("buy, buy, sell, buy, sell, sell",
     [("B", 1), ("B", 1), ("S", 2), ("B", 1), ("S", 1), ("S", 1)], 2),
    ("one round trip in each of two symbols",
     [("B", 1, "TQQQ"), ("B", 1, "SPY"), ("S", 1, "TQQQ"), ("S", 1, "SPY")], 2),
    ("held 10 overnight: sell 10, buy 5, sell 5", [("S", 10), ("B", 5), ("S", 5)], 1),
    ("held 10 overnight: buy 1, sell 10", [("B", 1), ("S", 10)], 1),
    ("held 50 overnight: buy 25, sell 25 (no FIFO)", [("B", 25), ("S", 25)], 1),
]  # fmt: skip


@pytest.mark.parametrize(("case", "steps", "expected"), TABLE, ids=[t[0] for t in TABLE])
def test_counting_table(case: str, steps: list[tuple[str, int]], expected: int) -> None:
    trades = count_day_trades(day_fills(*steps))
    assert len(trades) == expected
    assert all(t.trade_date == TUESDAY for t in trades)


def test_overnight_sell_alone_is_not_a_day_trade() -> None:
    assert count_day_trades(day_fills(("S", 10))) == []
    assert count_day_trades(day_fills(("S", 5), ("B", 5))) == []  # sell then buy: not a day trade


def test_day_trade_details_quantity_prices_and_pnl() -> None:
    fills = [
        fill("B", 1, ny(TUESDAY, 10), price="100"),
        fill("S", 10, ny(TUESDAY, 11), price="101"),
    ]
    [trade] = count_day_trades(fills)
    assert trade.quantity == D(1)  # the smaller side: 9 of the shares sold were held overnight
    assert (trade.buy_price, trade.sell_price, trade.pnl) == (D(100), D(101), D(1))
    assert trade.closing_execution_id == fills[1].execution_id


def test_partial_fills_interleaved_with_opposite_fills() -> None:
    # A 10-share buy fills in parts while a sell of the first shares fills in between.
    steps = [("B", 3), ("S", 1), ("B", 4), ("S", 2), ("B", 3), ("S", 7)]
    trades = count_day_trades(day_fills(*steps))
    assert [t.sequence for t in trades] == [1, 2, 3]
    assert [t.quantity for t in trades] == [D(1), D(2), D(3)]


def test_out_of_order_arrival_is_sorted_by_time() -> None:
    fills = day_fills(("B", 1), ("S", 1), ("B", 1), ("S", 1))
    assert len(count_day_trades(list(reversed(fills)))) == 2


def test_pre_market_and_after_hours_fills_make_a_day_trade() -> None:
    fills = [fill("B", 1, ny(TUESDAY, 7, 30)), fill("S", 1, ny(TUESDAY, 19, 59))]
    [trade] = count_day_trades(fills)
    assert trade.trade_date == TUESDAY


def test_fill_at_21_00_et_belongs_to_the_next_trade_date() -> None:
    evening = fill("B", 1, ny(TUESDAY, 21))  # 02:00 UTC Wednesday
    assert count_day_trades([fill("B", 1, ny(TUESDAY, 10)), evening]) == []
    wednesday = date(2026, 11, 25)
    [trade] = count_day_trades([evening, fill("S", 1, ny(wednesday, 9, 31))])
    assert trade.trade_date == wednesday


def test_fill_at_23_30_et_is_next_day_in_utc_and_next_trade_date() -> None:
    monday = date(2026, 11, 23)
    late = fill("B", 1, ny(monday, 23, 30))
    assert late.time.date() == TUESDAY  # already Tuesday in UTC ...
    [trade] = count_day_trades([late, fill("S", 1, ny(TUESDAY, 9, 45))])
    assert trade.trade_date == TUESDAY  # ... and Tuesday's trade date (not because of UTC)
    # A buy at 15:00 and a sell at 21:00 the same evening are two trade dates: no day trade.
    assert count_day_trades([fill("B", 1, ny(monday, 15)), fill("S", 1, ny(monday, 21))]) == []


def test_weekend_and_dst_weekend_fills_belong_to_monday() -> None:
    # DST began Sunday 2026-03-08: Friday 20:30 EST and Monday 09:45 EDT are one trade date.
    friday, sunday, monday = date(2026, 3, 6), date(2026, 3, 8), date(2026, 3, 9)
    [trade] = count_day_trades([fill("B", 1, ny(friday, 20, 30)), fill("S", 1, ny(monday, 9, 45))])
    assert trade.trade_date == monday
    [trade] = count_day_trades([fill("B", 1, ny(sunday, 21)), fill("S", 1, ny(monday, 10))])
    assert trade.trade_date == monday
    # DST ended Sunday 2026-11-01: 09:30 ET is 14:30 UTC again.
    nov2 = date(2026, 11, 2)
    assert ny(nov2, 9, 30).hour == 14
    [trade] = count_day_trades([fill("B", 1, ny(nov2, 9, 30)), fill("S", 1, ny(nov2, 19, 30))])
    assert trade.trade_date == nov2


def test_early_close_day_after_hours_still_same_trade_date() -> None:
    friday = date(2026, 11, 27)  # 13:00 close, after-hours to 17:00
    [trade] = count_day_trades([fill("B", 1, ny(friday, 12)), fill("S", 1, ny(friday, 16, 30))])
    assert trade.trade_date == friday


def test_direction_changes_helper() -> None:
    B, S = Side.BUY, Side.SELL
    assert count_direction_changes([B, B, S, B, S, S]) == 2
    assert count_direction_changes([S, B, S]) == 1
    assert count_direction_changes([]) == 0


@pytest.mark.parametrize(
    ("today", "window", "first_trade", "drops_off"),
    [
        # 2025-01-09 (national day of mourning) closed: the window skips it.
        (date(2025, 1, 10), [date(2025, 1, d) for d in (3, 6, 7, 8, 10)],
         date(2025, 1, 3), date(2025, 1, 13)),
        # 2026-07-03 closed (Independence Day observed).
        (date(2026, 7, 7), [date(2026, 6, 30), *(date(2026, 7, d) for d in (1, 2, 6, 7))],
         date(2026, 6, 30), date(2026, 7, 8)),
        # 2027-12-24 closed (Christmas observed).
        (date(2027, 12, 29), [date(2027, 12, d) for d in (22, 23, 27, 28, 29)],
         date(2027, 12, 22), date(2027, 12, 30)),
    ],
)  # fmt: skip
def test_windows_across_holidays(
    today: date, window: list[date], first_trade: date, drops_off: date
) -> None:
    assert trading_days_back(today, 5) == window
    assert drop_off_date(first_trade, 5) == drops_off
    assert drops_off not in window and first_trade in window


def test_drop_off_over_thanksgiving() -> None:
    # Day trade on Mon 2026-11-23: windows through Mon 11-30 contain it (11-26 closed).
    assert drop_off_date(date(2026, 11, 23), 5) == date(2026, 12, 1)
    assert date(2026, 11, 23) in trading_days_back(date(2026, 11, 30), 5)
    assert date(2026, 11, 23) not in trading_days_back(date(2026, 12, 1), 5)
