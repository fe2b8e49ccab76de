"""Bars built from quotes: exact OHLCV, New York alignment, folding into larger intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.calendar import NEW_YORK
from app.core.models import Interval
from app.marketdata.bars import BarBuilder, aggregate, bar_end, bar_start

D = Decimal
T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 New York


def _feed(builder: BarBuilder, ticks: list[tuple[float, str, int]]) -> list:
    closed = []
    for seconds, price, volume in ticks:
        bar = builder.add((T0 + timedelta(seconds=seconds)).timestamp(), D(price), volume)
        if bar is not None:
            closed.append(bar)
    return closed


def test_known_quote_sequence_gives_exact_ohlcv() -> None:
    builder = BarBuilder("TQQQ", Interval.M1)
    ticks = [
        (0, "50.00", 100), (10, "50.10", 50), (20, "49.90", 25), (59.999, "50.05", 5),
        (60, "50.20", 10), (90, "50.30", 1), (125, "50.00", 7),
    ]  # fmt: skip
    closed = _feed(builder, ticks)
    assert [(b.start, b.open, b.high, b.low, b.close, b.volume) for b in closed] == [
        (T0, D("50.00"), D("50.10"), D("49.90"), D("50.05"), 180),
        (T0 + timedelta(minutes=1), D("50.20"), D("50.30"), D("50.20"), D("50.30"), 11),
    ]
    forming = builder.to_bar()
    assert forming is not None and forming.start == T0 + timedelta(minutes=2)
    assert (forming.open, forming.close, forming.volume) == (D("50.00"), D("50.00"), 7)


def test_a_quiet_market_closes_the_bar_when_the_clock_passes_its_end() -> None:
    builder = BarBuilder("TQQQ", Interval.M5)
    _feed(builder, [(3, "50.00", 1), (100, "50.50", 2)])
    assert builder.close_due((T0 + timedelta(minutes=4, seconds=59)).timestamp()) is None
    bar = builder.close_due((T0 + timedelta(minutes=5)).timestamp())
    assert bar is not None and (bar.open, bar.high, bar.close, bar.volume) == (
        D("50.00"), D("50.50"), D("50.50"), 3,
    )  # fmt: skip
    assert builder.to_bar() is None


def test_late_quotes_for_a_closed_bar_are_ignored() -> None:
    builder = BarBuilder("TQQQ", Interval.M1)
    _feed(builder, [(0, "50", 1), (61, "51", 1)])
    assert builder.add(T0.timestamp() + 30, D("99"), 1) is None
    forming = builder.to_bar()
    assert forming is not None and forming.high == D("51")


def test_intervals_align_to_new_york_time() -> None:
    when = datetime(2026, 11, 24, 10, 47, 13, tzinfo=NEW_YORK)
    assert bar_start(Interval.M5, when) == datetime(2026, 11, 24, 10, 45, tzinfo=NEW_YORK)
    assert bar_start(Interval.M15, when) == datetime(2026, 11, 24, 10, 45, tzinfo=NEW_YORK)
    assert bar_start(Interval.H1, when) == datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK)
    day = bar_start(Interval.D1, datetime(2026, 11, 24, 23, 30, tzinfo=NEW_YORK))
    assert day == datetime(2026, 11, 24, 0, 0, tzinfo=NEW_YORK)  # not the UTC date (25th)


def test_daily_bar_on_a_dst_change_lasts_25_hours() -> None:
    start = bar_start(Interval.D1, datetime(2026, 11, 1, 12, 0, tzinfo=NEW_YORK))
    assert bar_end(Interval.D1, start) - start == timedelta(hours=25)


def test_aggregate_folds_five_minute_bars_into_an_hour() -> None:
    builder = BarBuilder("TQQQ", Interval.M5)
    ticks = [(i * 300.0, f"{50 + (i % 4) * 0.1:.2f}", 10) for i in range(13)]
    five = [*_feed(builder, ticks)]
    hourly = aggregate(five, Interval.H1, complete_before=(T0 + timedelta(hours=1)).timestamp())
    assert len(hourly) == 1
    h = hourly[0]
    assert (h.start, h.open, h.high, h.low, h.close, h.volume) == (
        T0, D("50.00"), D("50.30"), D("50.00"), D("50.30"), 120,
    )  # fmt: skip


def test_a_late_trade_never_reopens_a_bar_the_timer_closed() -> None:
    """A lagging feed must not produce a second, partial bar with the same start."""
    builder = BarBuilder("TQQQ", Interval.M1)
    t0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC).timestamp()
    builder.add(t0 + 1, Decimal("50.00"), 100)
    builder.add(t0 + 30, Decimal("50.40"), 100)
    closed = builder.close_due(t0 + 61)  # the timer closes the quiet bar
    assert closed is not None and closed.volume == 200
    assert builder.add(t0 + 59, Decimal("49.00"), 5000) is None  # late for the closed bar
    assert builder.late == 1
    assert builder.to_bar() is None, "no bar reopened for the closed minute"
    builder.add(t0 + 62, Decimal("50.10"), 10)
    forming = builder.to_bar()
    assert forming is not None and forming.start.timestamp() == t0 + 60
