"""A cheap background grid at the axes' major ticks.

pyqtgraph's axis grid (``showGrid``) costs ~7 ms a frame per axis here; this
item draws the same lines as opaque one-pixel rects in one ``drawRects`` call per
direction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QPainter

from app.ui.chart.display_list import NO_PEN, DisplayList


def _major(axis: pg.AxisItem, lo: float, hi: float, size: float) -> list[float]:
    levels = axis.tickValues(lo, hi, size)
    values: list[float] = []
    for _spacing, ticks in levels[:2]:
        values.extend(float(v) for v in ticks)
    return values


class GridItem(pg.GraphicsObject):
    """Vertical lines at the bottom axis' ticks and horizontal lines at the right axis' ticks."""

    def __init__(self, plot: pg.PlotItem, color: str) -> None:
        super().__init__()
        self._plot = plot
        self._brush = QBrush(QColor(color))
        self._cache_key: tuple[float, ...] = ()
        self._ticks: tuple[np.ndarray, np.ndarray] = (np.empty(0), np.empty(0))
        self.setZValue(-100)
        plot.vb.sigRangeChanged.connect(self._changed)
        plot.vb.sigResized.connect(self._changed)

    def _changed(self, *args: object) -> None:
        self.prepareGeometryChange()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._plot.vb.viewRect()

    def paint(self, p: QPainter, *args: Any) -> None:
        vb = self._plot.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        key = (x0, x1, y0, y1, vb.width(), vb.height())
        if key != self._cache_key:
            self._ticks = (
                np.array(_major(self._plot.getAxis("bottom"), x0, x1, vb.width())),
                np.array(_major(self._plot.getAxis("right"), y0, y1, vb.height())),
            )
            self._cache_key = key
        xs, ys = self._ticks
        # One-pixel rects, not cosmetic lines: Qt rasterises a cosmetic line pixel
        # by pixel, an axis-aligned rect as whole spans (several times faster).
        px_w, px_h = vb.viewPixelSize()
        dl = DisplayList()
        dl.pen(NO_PEN)
        dl.brush(self._brush)
        dl.rects(xs - px_w / 2, y0, px_w, y1 - y0)
        dl.rects(x0, ys - px_h / 2, x1 - x0, px_h)
        dl.replay(p)
