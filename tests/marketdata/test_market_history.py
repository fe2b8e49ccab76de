"""ClosedBars: bounded, ordered memory of closed bars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.core.models import Bar, Interval
from app.marketdata.history import ClosedBars

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def bar(minute: int, close: int = 50) -> Bar:
    c = Decimal(close)
    return Bar("TQQQ", Interval.M1, T0 + timedelta(minutes=minute), c, c, c, c, 1)


def minutes(bars: list[Bar]) -> list[int]:
    return [int((b.start - T0).total_seconds() // 60) for b in bars]


def test_memory_is_bounded_and_keeps_the_newest_bars() -> None:
    store = ClosedBars(keep=10, slack=5)
    for m in range(100):
        store.add(bar(m))
        assert len(store) <= 15
    assert minutes(store.newest(10)) == list(range(90, 100))
    assert minutes(store.newest(3)) == [97, 98, 99]
    assert store.newest(0) == []


def test_a_late_bar_is_inserted_in_place_and_a_repeated_start_replaces() -> None:
    store = ClosedBars()
    for m in (0, 2, 4):
        store.add(bar(m))
    store.add(bar(3))
    store.add(bar(2, close=60))
    store.add(bar(5))
    held = store.all()
    assert minutes(held) == [0, 2, 3, 4, 5]
    assert held[1].close == 60


def test_replace_keeps_the_newest_and_appending_continues_after_them() -> None:
    store = ClosedBars(keep=4, slack=2)
    store.replace(bar(m) for m in range(10))
    assert minutes(store.all()) == [6, 7, 8, 9]
    store.add(bar(8, close=70))
    store.add(bar(10))
    assert minutes(store.all()) == [6, 7, 8, 9, 10]
    assert store.all()[2].close == 70
