"""Candlestick item: wicks and bodies of the visible bars, grouped by colour.

Up and down candles are drawn in two batches each (wicks as one ``drawLines``,
bodies as one ``drawRects``). Past the level-of-detail threshold every bin (at
least one pixel column) becomes a single bar from its lowest low to its highest
high, coloured by the bin's first open versus last close.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PySide6.QtGui import QBrush, QColor, QPen

from app.ui.chart.colors import ChartColors
from app.ui.chart.display_list import NO_PEN, DisplayList
from app.ui.chart.series import BarSeries
from app.ui.chart.visible import VisibleRangeItem

BODY_WIDTH = 0.7


def _pen(color: str) -> QPen:
    pen = QPen(QColor(color))
    pen.setCosmetic(True)
    pen.setWidth(1)
    return pen


class CandleItem(VisibleRangeItem):
    """Candles of a :class:`BarSeries`; x is the bar index."""

    def __init__(self, series: BarSeries, colors: ChartColors) -> None:
        super().__init__()
        self.series = series
        self._up_pen = _pen(colors.up)
        self._down_pen = _pen(colors.down)
        self._up_brush = QBrush(QColor(colors.up))
        self._down_brush = QBrush(QColor(colors.down))

    def length(self) -> int:
        return len(self.series)

    def data_bounds(self) -> tuple[float, float]:
        return float(np.min(self.series.l)), float(np.max(self.series.h))

    def y_range(self, a: int, b: int) -> tuple[float, float]:
        """Lowest low and highest high of bars [a, b)."""
        s = self.series
        if b <= a:
            return float("nan"), float("nan")
        return float(np.min(s.l[a:b])), float(np.max(s.h[a:b]))

    def draw_range(self, dl: DisplayList, a: int, b: int) -> None:
        s = self.series
        o, h, low, c = s.o[a:b], s.h[a:b], s.l[a:b], s.c[a:b]
        x = np.arange(a, b, dtype=np.float64)
        up = c >= o
        half = BODY_WIDTH / 2
        for mask, pen, brush in (
            (up, self._up_pen, self._up_brush),
            (~up, self._down_pen, self._down_brush),
        ):
            if not mask.any():
                continue
            xs = x[mask]
            dl.pen(pen)
            dl.lines(xs, low[mask], xs, h[mask])
            dl.pen(NO_PEN)
            dl.brush(brush)
            top = np.minimum(o[mask], c[mask])
            height = np.abs(c[mask] - o[mask])
            dl.rects(xs - half, top, BODY_WIDTH, height)
            # Doji (open == close): a hairline so the body does not vanish.
            flat = height == 0
            if flat.any():
                dl.pen(pen)
                xf = xs[flat]
                dl.lines(xf - half, top[flat], xf + half, top[flat])

    def draw_lod(self, dl: DisplayList, starts: NDArray[np.intp], b: int, size: int) -> None:
        s = self.series
        a = int(starts[0])
        local = starts - a
        lows = np.minimum.reduceat(s.l[a:b], local)
        highs = np.maximum.reduceat(s.h[a:b], local)
        first_open = s.o[starts]
        ends = np.empty_like(starts)
        ends[:-1] = starts[1:] - 1
        ends[-1] = b - 1
        last_close = s.c[ends]
        x = starts - 0.5
        up = last_close >= first_open
        # Bin-wide rects (>= 1 px): filled as spans, cheaper than 1-px cosmetic lines.
        dl.pen(NO_PEN)
        for mask, brush in ((up, self._up_brush), (~up, self._down_brush)):
            if mask.any():
                dl.brush(brush)
                dl.rects(x[mask], lows[mask], float(size), highs[mask] - lows[mask])
