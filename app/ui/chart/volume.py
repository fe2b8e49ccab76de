"""Vertical bars from zero (volume, MACD histogram), and volume's own overlay ViewBox.

``BarsItem`` draws bars [0, value] of the visible range in two colour groups;
past the level-of-detail threshold each bin becomes one line to its extreme.
``VolumeOverlay`` puts volume on a ViewBox stacked over the price ViewBox (same
x, own y scale) so volume fills the bottom fifth of the price pane.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtGui import QBrush

from app.ui.chart.colors import blend
from app.ui.chart.display_list import NO_PEN, DisplayList
from app.ui.chart.series import BarSeries
from app.ui.chart.visible import VisibleRangeItem

BAR_WIDTH = 0.7

ValuesFn = Callable[[], NDArray[np.float64]]
UpFn = Callable[[int, int], NDArray[np.bool_]]


class BarsItem(VisibleRangeItem):
    """Bars from 0 to ``values()[i]``; ``up(a, b)`` picks the colour of bars [a, b)."""

    def __init__(
        self,
        values: ValuesFn,
        up: UpFn,
        up_color: str,
        down_color: str,
        alpha: int,
        background: str | None = None,
    ) -> None:
        super().__init__()
        self._values = values
        self._up = up
        self._colors = (
            blend(up_color, alpha, background),
            blend(down_color, alpha, background),
        )

    def length(self) -> int:
        return len(self._values())

    def data_bounds(self) -> tuple[float, float]:
        return self.y_range(0, self.length())

    def y_range(self, a: int, b: int) -> tuple[float, float]:
        v = self._values()[a:b]
        if len(v) == 0 or np.isnan(v).all():
            return 0.0, 1.0
        return min(0.0, float(np.nanmin(v))), max(0.0, float(np.nanmax(v)))

    def draw_range(self, dl: DisplayList, a: int, b: int) -> None:
        v = np.nan_to_num(self._values()[a:b])
        x = np.arange(a, b, dtype=np.float64) - BAR_WIDTH / 2
        up = self._up(a, b)
        dl.pen(NO_PEN)
        for mask, color in ((up, self._colors[0]), (~up, self._colors[1])):
            if mask.any():
                dl.brush(QBrush(color))
                vm = v[mask]
                dl.rects(x[mask], np.minimum(vm, 0.0), BAR_WIDTH, np.abs(vm))

    def draw_lod(self, dl: DisplayList, starts: NDArray[np.intp], b: int, size: int) -> None:
        """One filled rect per bin and colour: cosmetic lines would rasterise pixel by
        pixel, axis-aligned rects fill whole spans (polygons are slower still)."""
        a = int(starts[0])
        v = np.nan_to_num(self._values()[a:b])
        local = starts - a
        highs = np.maximum.reduceat(v, local).clip(min=0.0)
        lows = np.minimum.reduceat(v, local).clip(max=0.0)
        ends = np.append(starts[1:], b).astype(np.float64)
        x0 = starts.astype(np.float64) - 0.5
        dl.pen(NO_PEN)
        if (lows < 0).any():  # signed values (histogram): positive and negative extremes
            parts = ((self._colors[0], highs), (self._colors[1], lows))
        else:  # volume: the mean of each bin (the max saturates), coloured by its last bar
            counts = np.diff(np.append(local, b - a))
            mean = np.add.reduceat(v, local) / counts
            last_up = self._up(a, b)[ends.astype(np.intp) - 1 - a]
            parts = (
                (self._colors[0], np.where(last_up, mean, 0.0)),
                (self._colors[1], np.where(last_up, 0.0, mean)),
            )
        for color, top in parts:
            keep = top != 0
            if keep.any():
                dl.brush(QBrush(color))
                t = top[keep]
                dl.rects(x0[keep], np.minimum(t, 0.0), float(size), np.abs(t))


def volume_item(
    series: BarSeries, up_color: str, down_color: str, alpha: int, background: str
) -> BarsItem:
    """Volume bars coloured like their candle (close >= open is up), dimmed into the background."""
    return BarsItem(
        lambda: series.v,
        lambda a, b: series.c[a:b] >= series.o[a:b],
        up_color,
        down_color,
        alpha,
        background,
    )


class VolumeOverlay:
    """A ViewBox over the price ViewBox, x-linked, scaled so volume fills the bottom ``share``."""

    def __init__(self, price_plot: pg.PlotItem, item: BarsItem, share: float = 0.2) -> None:
        self.item = item
        self.share = share
        self.view = pg.ViewBox(enableMouse=False)
        self.view.setMenuEnabled(False)
        self.view.enableAutoRange(enable=False)
        price_plot.scene().addItem(self.view)
        self.view.setXLink(price_plot.vb)
        self.view.setZValue(-10)
        self.view.addItem(item)
        self._price_vb = price_plot.vb
        price_plot.vb.sigResized.connect(self._sync_geometry)
        self._sync_geometry()

    def _sync_geometry(self) -> None:
        self.view.setGeometry(self._price_vb.sceneBoundingRect())

    def fit(self, a: int, b: int) -> None:
        """Scale y to the tallest visible bar."""
        _, top = self.item.y_range(a, b)
        if not np.isfinite(top) or top <= 0:
            top = 1.0
        self.view.setYRange(0.0, top / self.share, padding=0.0)
