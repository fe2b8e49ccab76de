"""Trading-time shape of the simulated market: which instants trade, and how volatile they are.

Around the clock (the paper default) every instant trades; following NYSE,
only the pre-market, regular and after-hours sessions of trading days do.
Volatility follows the intraday U shape of a leveraged ETF: highest just
after the 09:30 open, high again into the close, calm outside the regular
session. ``profile`` values are normalised so that one trading day carries
the daily volatility the caller asks for.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from app import calendar
from app.calendar import NEW_YORK

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

OPEN_S = 9.5 * 3600
CLOSE_S = 16.0 * 3600
PRE_S = 7.0 * 3600
POST_END_S = 20.0 * 3600
OFF_HOURS = 0.35  # volatility multiplier outside the regular session
DECAY_S = 1200.0  # the open and close bursts fade over ~20 minutes


def shape(seconds_of_day: FloatArray) -> FloatArray:
    """Un-normalised volatility multiplier by New York seconds of the day."""
    s = seconds_of_day
    regular = (s >= OPEN_S) & (s < CLOSE_S)
    burst = 1.0 + 2.0 * np.exp(-(s - OPEN_S) / DECAY_S) + 1.0 * np.exp(-(CLOSE_S - s) / DECAY_S)
    return np.where(regular, burst, OFF_HOURS)


@lru_cache(maxsize=4)
def mean_square(follow_nyse: bool) -> float:
    """Mean of shape² over the trading seconds of a normal day (for normalisation)."""
    grid = np.arange(0.0, 86400.0, 30.0)
    m = shape(grid)
    if follow_nyse:
        m = m[(grid >= PRE_S) & (grid < POST_END_S)]
    return float(np.mean(m * m))


def trading_seconds_per_day(follow_nyse: bool) -> float:
    return (POST_END_S - PRE_S) if follow_nyse else 86400.0


@lru_cache(maxsize=4096)
def _day_hours(d: date) -> tuple[float, float, float, float] | None:
    """(pre start, regular open, regular close, post end) in seconds of day, or None."""
    if not calendar.is_trading_day(d):
        return None
    close = calendar.close_time(d)
    assert close is not None
    close_s = close.hour * 3600 + close.minute * 60
    post_end = 17.0 * 3600 if calendar.is_early_close(d) else POST_END_S
    return PRE_S, OPEN_S, float(close_s), post_end


def _offset(ts: float) -> float:
    off = datetime.fromtimestamp(ts, UTC).astimezone(NEW_YORK).utcoffset()
    return off.total_seconds() if off is not None else 0.0


def _ny_seconds_and_days(times: FloatArray) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """New York seconds-of-day and day ordinal numbers for epoch ``times`` (handles DST)."""
    first = datetime.fromtimestamp(float(times[0]), UTC).astimezone(NEW_YORK)
    last = datetime.fromtimestamp(float(times[-1]), UTC).astimezone(NEW_YORK)
    if first.utcoffset() == last.utcoffset():
        off = first.utcoffset()
        assert off is not None
        local = times + off.total_seconds()
    else:
        local = times + np.array([_offset(float(t)) for t in times])
    days = np.floor(local / 86400.0).astype(np.int64)
    return local - days * 86400.0, days


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def profile(times: FloatArray, follow_nyse: bool) -> tuple[FloatArray, BoolArray]:
    """Normalised volatility multiplier and trading mask for epoch ``times``."""
    sod, days = _ny_seconds_and_days(times)
    m = shape(sod) / np.sqrt(mean_square(follow_nyse))
    if not follow_nyse:
        return m, np.ones(times.shape, dtype=bool)
    active = np.zeros(times.shape, dtype=bool)
    for day in np.unique(days):
        hours = _day_hours(date.fromordinal(int(day) + _EPOCH_ORDINAL))
        if hours is None:
            continue
        pre, _open, _close, post_end = hours
        sel = days == day
        active[sel] = (sod[sel] >= pre) & (sod[sel] < post_end)
    return np.where(active, m, 0.0), active


def trades_at(when: datetime, follow_nyse: bool) -> bool:
    """Whether the simulated market quotes at ``when``."""
    return (not follow_nyse) or calendar.session_at(when) is not calendar.Session.CLOSED
