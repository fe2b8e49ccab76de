"""Columnar bar storage for the chart: float64 arrays with amortised append.

``BarSeries`` keeps time (epoch seconds), open, high, low, close and volume in
pre-allocated numpy arrays that grow by doubling, so a live append is O(1)
amortised and the forming (last) bar is updated in place. The public arrays are
views of the filled part; never keep them across an append.
"""

from __future__ import annotations

from enum import Enum

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

_FIELDS = ("t", "o", "h", "l", "c", "v")


class Upsert(Enum):
    """What :meth:`BarSeries.upsert` did with a bar."""

    UPDATED = "updated"
    APPENDED = "appended"
    IGNORED = "ignored"  # older than the last bar


class BarSeries:
    """OHLCV columns; index ``i`` is the i-th bar (the chart's x coordinate)."""

    def __init__(self, capacity: int = 1024) -> None:
        self._n = 0
        self._buf = np.zeros((len(_FIELDS), max(capacity, 16)), dtype=np.float64)
        self.generation = 0  # bumped on every full reload

    def __len__(self) -> int:
        return self._n

    # Views of the filled part -------------------------------------------------
    @property
    def t(self) -> FloatArray:
        return self._buf[0, : self._n]

    @property
    def o(self) -> FloatArray:
        return self._buf[1, : self._n]

    @property
    def h(self) -> FloatArray:
        return self._buf[2, : self._n]

    @property
    def l(self) -> FloatArray:  # noqa: E743 - OHLC naming
        return self._buf[3, : self._n]

    @property
    def c(self) -> FloatArray:
        return self._buf[4, : self._n]

    @property
    def v(self) -> FloatArray:
        return self._buf[5, : self._n]

    # Mutation -------------------------------------------------------------------
    def set(
        self,
        t: ArrayLike,
        o: ArrayLike,
        h: ArrayLike,
        low: ArrayLike,
        c: ArrayLike,
        v: ArrayLike,
    ) -> None:
        """Replace everything (all columns must have the same length, times ascending)."""
        cols = [np.asarray(x, dtype=np.float64) for x in (t, o, h, low, c, v)]
        n = len(cols[0])
        if any(len(x) != n for x in cols):
            raise ValueError("all bar columns must have the same length")
        cap = max(16, int(n * 1.25) + 64)
        buf = np.empty((len(_FIELDS), cap), dtype=np.float64)
        for row, col in enumerate(cols):
            buf[row, :n] = col
        self._buf = buf
        self._n = n
        self.generation += 1

    def clear(self) -> None:
        self.set([], [], [], [], [], [])

    def upsert(self, t: float, o: float, h: float, low: float, c: float, v: float) -> Upsert:
        """Update the last bar if ``t`` is its start, append if later, ignore if older."""
        n = self._n
        if n and t < self._buf[0, n - 1]:
            return Upsert.IGNORED
        if n and t == self._buf[0, n - 1]:
            self._buf[:, n - 1] = (t, o, h, low, c, v)
            return Upsert.UPDATED
        if n == self._buf.shape[1]:
            grown = np.empty((len(_FIELDS), n * 2), dtype=np.float64)
            grown[:, :n] = self._buf[:, :n]
            self._buf = grown
        self._buf[:, n] = (t, o, h, low, c, v)
        self._n = n + 1
        return Upsert.APPENDED

    def index_at_time(self, epoch: float) -> int:
        """Index of the bar containing ``epoch`` (the last bar starting at or before it), or -1."""
        return int(np.searchsorted(self.t, epoch, side="right")) - 1
