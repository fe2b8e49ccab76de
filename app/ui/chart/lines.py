"""Line item over a bar-indexed array (RSI, MACD, signal) drawn for the visible range only.

Below the level-of-detail threshold it draws the visible points as one path
(NaN warm-up values break the line; drawn as polylines, which
rasterise much faster than a stroked path); above it, the min-max band of every bin
filled plus the line through each bin's last value, so spikes survive the
decimation (like ``autoDownsample`` with ``clipToView``, but sharing the
chart's picture cache and live-bar painting).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from PySide6.QtGui import QBrush, QColor, QPen

from app.ui.chart.colors import blend
from app.ui.chart.display_list import NO_PEN, DisplayList
from app.ui.chart.visible import VisibleRangeItem

ValuesFn = Callable[[], NDArray[np.float64]]


class LineItem(VisibleRangeItem):
    """A polyline through ``(i, values()[i])``."""

    def __init__(
        self,
        values: ValuesFn,
        color: str,
        width: float = 1.0,
        background: str | None = None,
        band_alpha: int = 0,
    ) -> None:
        super().__init__()
        self._values = values
        self._band = QBrush(blend(color, band_alpha, background)) if band_alpha else None
        pen = QPen(QColor(color))
        pen.setCosmetic(True)
        pen.setWidthF(width)
        self._pen = pen

    def length(self) -> int:
        return len(self._values())

    def data_bounds(self) -> tuple[float, float]:
        v = self._values()
        if np.isnan(v).all():
            return 0.0, 1.0
        return float(np.nanmin(v)), float(np.nanmax(v))

    def y_range(self, a: int, b: int) -> tuple[float, float]:
        v = self._values()[a:b]
        if len(v) == 0 or np.isnan(v).all():
            return float("nan"), float("nan")
        return float(np.nanmin(v)), float(np.nanmax(v))

    def draw_range(self, dl: DisplayList, a: int, b: int) -> None:
        v = self._values()
        # Include the next (closed) point so the segment to it is drawn too;
        # never the last point, which is live and painted by draw_live.
        end = min(b + 1, len(v) - 1)
        if end - a < 2:
            return
        self._polylines(dl, np.arange(a, end, dtype=np.float64), v[a:end])

    def draw_lod(self, dl: DisplayList, starts: NDArray[np.intp], b: int, size: int) -> None:
        """The line through each bin's last value, over the bin's min-max band as filled
        rects when ``band_alpha`` is set (a min/max zig-zag polyline would rasterise its
        long vertical strokes pixel by pixel)."""
        a = int(starts[0])
        v = self._values()[a:b]
        local = starts - a
        with np.errstate(invalid="ignore"):
            lo = np.fmin.reduceat(v, local)
            hi = np.fmax.reduceat(v, local)
        ends = np.append(starts[1:], b)
        centres = (starts + ends - 1) / 2.0
        last = v[ends - 1 - a]
        finite = np.isfinite(lo)
        if self._band is not None and finite.any():
            dl.pen(NO_PEN)
            dl.brush(self._band)
            x0 = starts[finite] - 0.5
            dl.rects(x0, lo[finite], float(size), hi[finite] - lo[finite])
        self._polylines(dl, centres, last)

    def _polylines(self, dl: DisplayList, x: NDArray[np.float64], y: NDArray[np.float64]) -> None:
        """One drawPolyline per run of finite values (a path stroke is 5-10x slower)."""
        finite = np.isfinite(y)
        edges = np.flatnonzero(np.diff(finite.astype(np.int8))) + 1
        bounds = np.concatenate(([0], edges, [len(y)]))
        dl.pen(self._pen)
        for start, stop in itertools.pairwise(bounds):
            if stop - start < 2 or not finite[start]:
                continue
            dl.polyline(x[start:stop], y[start:stop])

    def draw_live(self, dl: DisplayList, i: int) -> None:
        if i < 1:
            return
        v = self._values()
        y0, y1 = float(v[i - 1]), float(v[i])
        if np.isfinite(y0) and np.isfinite(y1):
            dl.pen(self._pen)
            dl.lines(i - 1.0, y0, float(i), y1)
