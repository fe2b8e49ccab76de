"""The RSI and MACD panes: items placed on their PlotItems.

RSI: the RSI line on a fixed 0-100 scale with dashed oversold/overbought lines
and a faint band between them. MACD: MACD and signal lines, the histogram as
bars coloured by sign, and a zero line; y fits the visible bars. Values come
from :class:`IndicatorData` (batch on reload, streaming for the live bar).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from app.ui.chart.colors import ChartColors
from app.ui.chart.indicator_data import IndicatorData
from app.ui.chart.lines import LineItem
from app.ui.chart.visible import VisibleRangeItem
from app.ui.chart.volume import BarsItem


class RsiPane:
    """RSI line plus oversold/overbought levels on ``plot``."""

    def __init__(
        self,
        plot: pg.PlotItem,
        data: IndicatorData,
        colors: ChartColors,
        levels: tuple[float, float],
    ) -> None:
        self.plot = plot
        self.line = LineItem(lambda: data.rsi, colors.rsi, 1, colors.background, band_alpha=90)
        self.items: list[VisibleRangeItem] = [self.line]
        level_pen = pg.mkPen(colors.rsi_levels, width=1, style=Qt.PenStyle.DashLine)
        self.oversold = pg.InfiniteLine(angle=0, movable=False, pen=level_pen)
        self.overbought = pg.InfiniteLine(angle=0, movable=False, pen=level_pen)
        band = pg.mkColor(colors.rsi_band)
        band.setAlpha(28)
        self.band = pg.LinearRegionItem(
            orientation="horizontal", movable=False, brush=band, pen=pg.mkPen(None)
        )
        self.band.setZValue(-5)
        for item in (self.band, self.oversold, self.overbought):
            plot.addItem(item, ignoreBounds=True)
        plot.addItem(self.line)
        plot.setYRange(0.0, 100.0, padding=0.02)
        self.set_levels(levels)

    def set_levels(self, levels: tuple[float, float]) -> None:
        low, high = levels
        self.levels = (float(low), float(high))
        self.oversold.setPos(low)
        self.overbought.setPos(high)
        self.band.setRegion((low, high))

    def fit(self, a: int, b: int) -> None:
        """RSI keeps its fixed 0-100 scale."""


class MacdPane:
    """MACD line, signal line and histogram on ``plot``."""

    def __init__(self, plot: pg.PlotItem, data: IndicatorData, colors: ChartColors) -> None:
        self.plot = plot
        self.histogram = BarsItem(
            lambda: data.histogram,
            lambda a, b: ~(data.histogram[a:b] < 0),
            colors.up,
            colors.down,
            170,
            colors.background,
        )
        self.macd_line = LineItem(lambda: data.macd, colors.macd, 1, colors.background)
        self.signal_line = LineItem(lambda: data.signal, colors.macd_signal, 1, colors.background)
        self.items: list[VisibleRangeItem] = [self.histogram, self.macd_line, self.signal_line]
        zero = pg.InfiniteLine(
            pos=0.0, angle=0, movable=False, pen=pg.mkPen(colors.rsi_levels, width=1)
        )
        plot.addItem(zero, ignoreBounds=True)
        for item in self.items:
            plot.addItem(item)

    def y_range(self, a: int, b: int) -> tuple[float, float]:
        lows, highs = [], []
        for item in self.items:
            lo, hi = item.y_range(a, b)
            lows.append(lo)
            highs.append(hi)
        lo, hi = float(np.nanmin([*lows, np.inf])), float(np.nanmax([*highs, -np.inf]))
        return lo, hi

    def fit(self, a: int, b: int) -> None:
        lo, hi = self.y_range(a, b)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            lo, hi = -1.0, 1.0
        if hi - lo < 1e-12:
            lo, hi = lo - 1.0, hi + 1.0
        self.plot.setYRange(lo, hi, padding=0.08)
