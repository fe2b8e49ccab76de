"""RSI and MACD arrays for the chart, kept in step with a :class:`BarSeries`.

A full reload recomputes everything with the batch functions of
:mod:`app.indicators`. Live bars use the streaming classes: a state fed with
every *closed* close, copied and advanced by the forming close on each update,
so updating the forming candle is O(1) and never disturbs the closed state.
The streaming state is built lazily (first live update) from at most
``warmup`` closes: far more than Wilder/EMA smoothing needs to converge to
float precision, and bounded whatever the history length.
"""

from __future__ import annotations

import copy
import math

import numpy as np
from numpy.typing import NDArray

from app import indicators
from app.ui.chart.series import BarSeries

_RSI, _MACD, _SIGNAL, _HIST = range(4)


class IndicatorData:
    """RSI(period) and MACD(fast, slow, signal) of the series' closes."""

    def __init__(
        self,
        series: BarSeries,
        rsi_period: int = 14,
        macd_params: tuple[int, int, int] = (12, 26, 9),
    ) -> None:
        self.series = series
        self.rsi_period = rsi_period
        self.macd_params = macd_params
        self._buf = np.full((4, 16), np.nan)
        self._n = 0
        self._rsi_state: indicators.StreamingRSI | None = None
        self._macd_state: indicators.StreamingMACD | None = None
        self._fed = 0  # closes fed into the streaming states

    @property
    def warmup(self) -> int:
        return max(1000, 40 * max(self.rsi_period, *self.macd_params))

    # Views ------------------------------------------------------------------
    @property
    def rsi(self) -> NDArray[np.float64]:
        return self._buf[_RSI, : self._n]

    @property
    def macd(self) -> NDArray[np.float64]:
        return self._buf[_MACD, : self._n]

    @property
    def signal(self) -> NDArray[np.float64]:
        return self._buf[_SIGNAL, : self._n]

    @property
    def histogram(self) -> NDArray[np.float64]:
        return self._buf[_HIST, : self._n]

    # Updates ------------------------------------------------------------------
    def set_params(self, rsi_period: int, macd_params: tuple[int, int, int]) -> None:
        self.rsi_period = rsi_period
        self.macd_params = macd_params
        self.recompute()

    def recompute(self) -> None:
        """Batch recompute over the whole series (a reload or new parameters)."""
        closes = self.series.c
        n = len(closes)
        buf = np.full((4, max(16, int(n * 1.25) + 64)), np.nan)
        if n:
            buf[_RSI, :n] = indicators.rsi(closes, self.rsi_period)
            fast, slow, sig = self.macd_params
            line, signal, hist = indicators.macd(closes, fast, slow, sig)
            buf[_MACD, :n] = line
            buf[_SIGNAL, :n] = signal
            buf[_HIST, :n] = hist
        self._buf = buf
        self._n = n
        self._rsi_state = None
        self._macd_state = None
        self._fed = 0

    def update_last(self) -> None:
        """The series' last bar changed or was appended: recompute its values only."""
        n = len(self.series)
        if n == 0:
            return
        if n > self._buf.shape[1]:
            grown = np.full((4, n * 2), np.nan)
            grown[:, : self._n] = self._buf[:, : self._n]
            self._buf = grown
        self._n = n
        self._advance_closed(n - 1)
        assert self._rsi_state is not None and self._macd_state is not None
        last_close = float(self.series.c[n - 1])
        rsi_state = copy.deepcopy(self._rsi_state)
        macd_state = copy.deepcopy(self._macd_state)
        rsi_value = rsi_state.update(last_close)
        macd_value = macd_state.update(last_close)
        self._buf[_RSI, n - 1] = rsi_value
        self._buf[_MACD, n - 1] = macd_value.macd
        self._buf[_SIGNAL, n - 1] = macd_value.signal
        self._buf[_HIST, n - 1] = macd_value.histogram

    def _advance_closed(self, closed: int) -> None:
        """Make the streaming states cover exactly closes[0:closed]."""
        closes = self.series.c
        if (
            self._rsi_state is None
            or self._macd_state is None
            or closed < self._fed
            or (closed - self._fed > 64)
        ):
            start = max(0, closed - self.warmup)
            history = closes[start:closed]
            fast, slow, sig = self.macd_params
            self._rsi_state = indicators.StreamingRSI.from_history(history, self.rsi_period)
            self._macd_state = indicators.StreamingMACD.from_history(history, fast, slow, sig)
            self._fed = closed
            return
        for i in range(self._fed, closed):
            self._rsi_state.update(float(closes[i]))
            self._macd_state.update(float(closes[i]))
        self._fed = closed

    def values_at(self, i: int) -> tuple[float, float, float, float]:
        """(rsi, macd, signal, histogram) at bar ``i`` (NaN outside or during warm-up)."""
        if not 0 <= i < self._n:
            return (math.nan, math.nan, math.nan, math.nan)
        col = self._buf[:, i]
        return float(col[0]), float(col[1]), float(col[2]), float(col[3])
