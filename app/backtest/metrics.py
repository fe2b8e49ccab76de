"""What a trader compares backtests by: P&L, return, drawdown, Sharpe, win rate, and the rest.

Everything here is computed from a run's own record (its bars, fills, the
portfolio's realized P&L per sale, its day trades and denials), so the printed
summary, the ``--report`` files and the optimizer's table agree by construction.

* The **equity curve** is cash plus shares at each bar's close, from the
  starting cash and the fills: a fill counts from the bar whose end is after
  its time (a fill at the next bar's open belongs to that next bar); each
  fill moves the cash by its amount rounded to the cent, as the broker books it.
* **Max drawdown**: the largest fall of that curve from a previous peak, in
  dollars and as a percentage of the peak.
* **Sharpe**: mean over standard deviation of the per-bar returns of the
  curve, annualised by the bars in a year (252 sessions of 6.5 hours, or 252
  daily bars), risk-free rate 0; 0 when the curve never moves.
* **Win rate** and **profit factor** count round trips: every sale with the
  P&L the portfolio realized on it (average cost). Profit factor is gross
  gains over gross losses (None without a loss).
* **Exposure**: the share of bars that ended holding a position.
* **Most day trades in a window**: the largest number of day trades in any
  window of ``window`` trading sessions (the day-trade rule's rolling window),
  which is what the limit is compared with, not the count left at the end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from app.calendar import trading_days_back
from app.core.models import Bar, Fill, Interval, Side

TRADING_DAYS_A_YEAR = 252
SESSION_SECONDS = 6.5 * 3600
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """The account at one bar's close: ``time`` is the bar's end."""

    time: datetime
    equity: float
    position: float  # shares held


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One sale and the P&L the portfolio realized on it."""

    time: datetime
    quantity: Decimal
    price: Decimal
    realized_pnl: Decimal


@dataclass(frozen=True)
class Metrics:
    """One run's figures; ``as_row`` flattens them for a table or a CSV."""

    net_pnl: Decimal
    return_pct: float
    max_drawdown: Decimal  # dollars, >= 0
    max_drawdown_pct: float  # of the peak, >= 0
    sharpe: float
    win_rate_pct: float | None  # None without a round trip
    profit_factor: float | None  # None without a losing round trip
    exposure_pct: float
    trades: int  # round trips (sales)
    fills: int
    day_trades: int
    most_day_trades_in_window: int
    denials: dict[str, int] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        """Scalars only, money as text to the cent, ratios rounded for reading."""
        row = asdict(self)
        row.pop("denials")
        row["net_pnl"] = str(self.net_pnl)
        row["max_drawdown"] = str(self.max_drawdown)
        for name in ("return_pct", "max_drawdown_pct", "sharpe", "exposure_pct"):
            row[name] = round(row[name], 4)
        for name in ("win_rate_pct", "profit_factor"):
            row[name] = None if row[name] is None else round(row[name], 4)
        row["denials"] = sum(self.denials.values())
        return row


# Metric name -> whether a larger value is better (the optimizer ranks by one of these).
RANKABLE: dict[str, bool] = {
    "net_pnl": True,
    "return_pct": True,
    "sharpe": True,
    "max_drawdown_pct": False,
    "win_rate_pct": True,
    "profit_factor": True,
    "exposure_pct": True,
    "trades": True,
}


def bars_a_year(interval: Interval) -> float:
    if interval is Interval.D1:
        return float(TRADING_DAYS_A_YEAR)
    return TRADING_DAYS_A_YEAR * SESSION_SECONDS / interval.seconds


def equity_curve(
    bars: Sequence[Bar], ends: Sequence[float], fills: Sequence[Fill], starting_cash: Decimal
) -> list[EquityPoint]:
    """Cash plus shares at each bar's close; ``ends`` are the bars' end times (epoch s)."""
    count = len(bars)
    cash_delta = np.zeros(count + 1)
    share_delta = np.zeros(count + 1)
    end_array = np.asarray(ends, dtype=np.float64)
    for fill in fills:
        at = int(np.searchsorted(end_array, fill.time.timestamp(), side="right"))
        sign = 1.0 if fill.side is Side.BUY else -1.0
        amount = (fill.quantity * fill.price + fill.fee * fill.side.sign).quantize(
            CENT, ROUND_HALF_UP
        )  # what a buy costs (price plus fee) or a sale brings in (price less fee)
        cash_delta[at] -= sign * float(amount)
        share_delta[at] += sign * float(fill.quantity)
    cash = float(starting_cash) + np.cumsum(cash_delta[:count])
    shares = np.cumsum(share_delta[:count])
    closes = np.array([float(b.close) for b in bars], dtype=np.float64)
    equity = cash + shares * closes
    times = [datetime.fromtimestamp(e, bars[0].start.tzinfo) for e in ends]
    return [
        EquityPoint(t, float(e), float(s))
        for t, e, s in zip(times, equity.tolist(), shares.tolist(), strict=True)
    ]


def drawdowns(equity: Sequence[float]) -> np.ndarray:
    """Dollars below the running peak at each point (>= 0)."""
    values = np.asarray(equity, dtype=np.float64)
    return np.maximum.accumulate(values) - values if len(values) else values


def max_drawdown(equity: Sequence[float]) -> tuple[float, float]:
    """The largest fall from a peak: (dollars, percent of that peak)."""
    values = np.asarray(equity, dtype=np.float64)
    if len(values) == 0:
        return 0.0, 0.0
    peaks = np.maximum.accumulate(values)
    falls = peaks - values
    worst = int(np.argmax(falls))
    dollars = float(falls[worst])
    return dollars, (100.0 * dollars / float(peaks[worst]) if peaks[worst] > 0 else 0.0)


def sharpe(equity: Sequence[float], interval: Interval) -> float:
    values = np.asarray(equity, dtype=np.float64)
    if len(values) < 3:
        return 0.0
    returns = np.diff(values) / values[:-1]
    spread = float(np.std(returns, ddof=1))
    if spread <= 1e-15:
        return 0.0
    return float(np.mean(returns)) / spread * math.sqrt(bars_a_year(interval))


def most_in_window(trade_dates: Sequence[date], window: int) -> int:
    """The most day trades in any ``window`` consecutive trading sessions."""
    if not trade_dates or window <= 0:
        return 0
    most = 0
    for last in set(trade_dates):
        sessions = set(trading_days_back(last, window))
        most = max(most, sum(1 for d in trade_dates if d in sessions))
    return most


def compute(
    *,
    equity: Sequence[EquityPoint],
    interval: Interval,
    starting_cash: Decimal,
    net_pnl: Decimal,
    round_trips: Sequence[RoundTrip],
    fills: int,
    day_trade_dates: Sequence[date],
    window: int,
    denials: dict[str, int],
) -> Metrics:
    values = [p.equity for p in equity]
    dd, dd_pct = max_drawdown(values)
    gains = [t.realized_pnl for t in round_trips if t.realized_pnl > 0]
    losses = [-t.realized_pnl for t in round_trips if t.realized_pnl < 0]
    win_rate = 100.0 * len(gains) / len(round_trips) if round_trips else None
    profit_factor = float(sum(gains)) / float(sum(losses)) if losses else None
    holding = sum(1 for p in equity if p.position > 1e-12)
    return Metrics(
        net_pnl=net_pnl.quantize(CENT),
        return_pct=100.0 * float(net_pnl) / float(starting_cash) if starting_cash else 0.0,
        max_drawdown=Decimal(str(dd)).quantize(CENT),
        max_drawdown_pct=dd_pct,
        sharpe=sharpe(values, interval),
        win_rate_pct=win_rate,
        profit_factor=profit_factor,
        exposure_pct=100.0 * holding / len(equity) if equity else 0.0,
        trades=len(round_trips),
        fills=fills,
        day_trades=len(day_trade_dates),
        most_day_trades_in_window=most_in_window(day_trade_dates, window),
        denials=dict(denials),
    )
