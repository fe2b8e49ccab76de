"""Deterministic bar history of the simulated market before its anchor, walked backwards.

The newest history bar closes at the start price; each older bar's close is
the next bar's open. Bar returns are normal with the volatility of the bar's
time of day (see :mod:`app.marketdata.feeds.sessions`); high and low stretch a little
past open and close; volume follows the volatility. Bars are generated in a
fixed order from a generator seeded by (seed, symbol, interval), so asking for
500 or for 1000 bars gives the same newest 500.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

from app import calendar
from app.calendar import NEW_YORK, Session
from app.core.models import Bar, Interval
from app.marketdata.bars import bounds_ts
from app.marketdata.feeds import sessions
from app.marketdata.feeds.simpath import PathParams, symbol_key

_INTERVAL_INDEX = {interval: i for i, interval in enumerate(Interval)}
MAX_BARS = 20_000

SlotFilter = Callable[[float, Interval], bool]


def around_the_clock(start_ts: float, interval: Interval) -> bool:
    return True


def nyse_sessions(start_ts: float, interval: Interval) -> bool:
    """Slots that overlap pre-market, regular or after-hours trading."""
    when = datetime.fromtimestamp(start_ts, UTC)
    if interval is Interval.D1:
        return calendar.is_trading_day(when.astimezone(NEW_YORK).date())
    return calendar.session_at(when) is not Session.CLOSED


def regular_session(start_ts: float, interval: Interval) -> bool:
    """Slots inside the regular session only (the sample data set)."""
    when = datetime.fromtimestamp(start_ts, UTC)
    if interval is Interval.D1:
        return calendar.is_trading_day(when.astimezone(NEW_YORK).date())
    return calendar.session_at(when) is Session.REGULAR


def _previous_slot(interval: Interval, start_ts: float) -> float:
    if interval is Interval.D1:
        day: date = datetime.fromtimestamp(start_ts, UTC).astimezone(NEW_YORK).date()
        prev = day - timedelta(days=1)
        return datetime(prev.year, prev.month, prev.day, tzinfo=NEW_YORK).timestamp()
    return start_ts - interval.seconds


def _cents(value: float) -> Decimal:
    return Decimal(max(1, round(value * 100))).scaleb(-2)


class BackwardHistory:
    """Bars of one symbol and interval older than ``before_ts``, newest first, generated lazily."""

    def __init__(
        self,
        seed: int,
        symbol: str,
        interval: Interval,
        close_price: Decimal,
        before_ts: float,
        follow_nyse: bool,
        slot_ok: SlotFilter,
        params: PathParams | None = None,
    ) -> None:
        self.symbol = symbol
        self.interval = interval
        self.slot_ok = slot_ok
        self.follow_nyse = follow_nyse
        p = params or PathParams()
        per_day = sessions.trading_seconds_per_day(follow_nyse)
        self._sigma_sec = p.annual_vol / math.sqrt(252.0) / math.sqrt(per_day)
        self._vol_per_sec = p.shares_per_day / per_day
        self._rng = np.random.default_rng(
            [seed & 0xFFFFFFFF, symbol_key(symbol), _INTERVAL_INDEX[interval], 99]
        )
        self._slot = bounds_ts(interval, before_ts)[0]
        self._log_close = math.log(float(close_price))
        self.bars: list[Bar] = []  # newest first

    def _bar_scale(self, start_ts: float) -> tuple[float, float]:
        """(return sd, mean volume) of a bar starting at ``start_ts``."""
        if self.interval is Interval.D1:
            return self._sigma_sec * math.sqrt(
                sessions.trading_seconds_per_day(self.follow_nyse)
            ), self._vol_per_sec * sessions.trading_seconds_per_day(self.follow_nyse)
        length = self.interval.seconds
        mid = np.array([start_ts + length / 2.0])
        m = float(sessions.shape(sessions._ny_seconds_and_days(mid)[0])[0])
        m /= math.sqrt(sessions.mean_square(self.follow_nyse))
        return self._sigma_sec * m * math.sqrt(length), self._vol_per_sec * length * m * m

    def extend(self, n: int) -> None:
        """Make sure at least ``n`` bars (capped at MAX_BARS) are generated."""
        n = min(n, MAX_BARS)
        while len(self.bars) < n:
            self._slot = _previous_slot(self.interval, self._slot)
            if not self.slot_ok(self._slot, self.interval):
                continue
            sd, mean_volume = self._bar_scale(self._slot)
            z, zh, zl, zv = self._rng.standard_normal(4)
            close = math.exp(self._log_close)
            log_open = self._log_close - sd * z
            opened = math.exp(log_open)
            o, c = _cents(opened), _cents(close)
            h = max(_cents(max(opened, close) * math.exp(abs(zh) * sd * 0.4)), o, c)
            lo = min(_cents(min(opened, close) * math.exp(-abs(zl) * sd * 0.4)), o, c)
            volume = max(0, round(mean_volume * math.exp(0.5 * zv - 0.125)))
            start = datetime.fromtimestamp(self._slot, UTC)
            self.bars.append(Bar(self.symbol, self.interval, start, o, h, lo, c, volume))
            self._log_close = log_open

    def ending_by(self, end_ts: float, count: int) -> list[Bar]:
        """Up to ``count`` bars whose end is at or before ``end_ts``, oldest first."""
        if count <= 0:
            return []
        newest_first: list[Bar] = []
        i = 0
        while len(newest_first) < count:
            if i >= len(self.bars):
                if len(self.bars) >= MAX_BARS:
                    break
                self.extend(len(self.bars) + max(count, 64))
                if i >= len(self.bars):
                    break
            bar = self.bars[i]
            i += 1
            if bounds_ts(self.interval, bar.start.timestamp())[1] <= end_ts:
                newest_first.append(bar)
        newest_first.reverse()
        return newest_first
