"""Backtest metrics on series worked out by hand: drawdown, Sharpe, wins, day-trade windows."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.backtest.metrics import (
    EquityPoint,
    RoundTrip,
    compute,
    equity_curve,
    max_drawdown,
    most_in_window,
    sharpe,
)
from app.core.models import Bar, Fill, Interval, Side

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_max_drawdown_is_the_largest_fall_from_a_previous_peak() -> None:
    # peaks 100 -> 120; falls: 10 (100->90) and 30 (120->90): the second is the largest.
    assert max_drawdown([100, 90, 120, 100, 90, 130]) == (30.0, 25.0)
    assert max_drawdown([100, 101, 102]) == (0.0, 0.0)


def test_sharpe_is_zero_on_a_flat_curve_and_signed_by_the_drift() -> None:
    assert sharpe([100.0] * 50, Interval.M5) == 0.0
    rising = [100 * 1.001**i + (0.01 if i % 2 else 0) for i in range(50)]
    falling = list(reversed(rising))
    assert sharpe(rising, Interval.M5) > 0 > sharpe(falling, Interval.M5)
    # Annualised by bars a year: a daily curve's figure is sqrt(78) smaller than 5-minute bars'.
    assert sharpe(rising, Interval.M5) / sharpe(rising, Interval.D1) == pytest.approx(math.sqrt(78))


def test_most_day_trades_in_any_window_counts_trading_sessions() -> None:
    # Thursday 2025-01-09 was closed (national day of mourning): the 5 sessions ending
    # Friday 01-10 are 01-03, 01-06, 01-07, 01-08, 01-10.
    dates = [date(2025, 1, 3), date(2025, 1, 3), date(2025, 1, 10), date(2025, 1, 13)]
    assert most_in_window(dates, 5) == 3
    assert most_in_window(dates, 1) == 2
    assert most_in_window([], 5) == 0


def _bar(i: int, close: str) -> Bar:
    price = Decimal(close)
    return Bar("TQQQ", Interval.M5, T0 + timedelta(minutes=5 * i), price, price, price, price, 0)


def _fill(i: int, side: Side, quantity: str, price: str) -> Fill:
    when = T0 + timedelta(minutes=5 * i)  # at bar i's start: the next bar's open rule
    return Fill(f"x{i}", f"c{i}", "TQQQ", side, Decimal(quantity), Decimal(price), when)


def test_equity_curve_marks_cash_and_shares_at_each_close() -> None:
    bars = [_bar(i, c) for i, c in enumerate(["10", "11", "12", "9", "10"])]
    ends = [(b.start + timedelta(minutes=5)).timestamp() for b in bars]
    fills = [_fill(1, Side.BUY, "2", "10.5"), _fill(3, Side.SELL, "2", "9.5")]
    curve = equity_curve(bars, ends, fills, Decimal("100"))
    # bar 0: 100; bar 1: 100 - 21 + 2*11 = 101; bar 2: 79 + 24 = 103; bar 3: sold at 9.5 ->
    # 79 + 19 = 98; bar 4: 98.
    assert [p.equity for p in curve] == [100, 101, 103, 98, 98]
    assert [p.position for p in curve] == [0, 2, 2, 0, 0]
    assert curve[0].time == T0 + timedelta(minutes=5)


def test_compute_wins_profit_factor_and_exposure() -> None:
    points = [EquityPoint(T0 + timedelta(minutes=i), 100.0 + i, 1.0 if i < 2 else 0.0)
              for i in range(4)]  # fmt: skip
    trips = [RoundTrip(T0, Decimal(1), Decimal(1), Decimal(p)) for p in ("3", "-1", "1", "-0.5")]
    m = compute(
        equity=points, interval=Interval.M1, starting_cash=Decimal(100), net_pnl=Decimal("2.5"),
        round_trips=trips, fills=8, day_trade_dates=[], window=5, denials={"risk: x": 2},
    )  # fmt: skip
    assert m.win_rate_pct == 50.0
    assert m.profit_factor == pytest.approx(4 / 1.5)
    assert m.exposure_pct == 50.0
    assert m.return_pct == pytest.approx(2.5)
    assert m.trades == 4 and m.fills == 8
    assert m.as_row()["denials"] == 2 and m.as_row()["net_pnl"] == "2.50"
    no_loss = compute(
        equity=points, interval=Interval.M1, starting_cash=Decimal(100), net_pnl=Decimal(0),
        round_trips=trips[:1], fills=2, day_trade_dates=[], window=5, denials={},
    )  # fmt: skip
    assert no_loss.profit_factor is None and no_loss.win_rate_pct == 100.0
