"""``ChartWidget``: toolbar plus price/volume, RSI and MACD panes on one bar-index x axis.

The price pane also shades the bars outside the regular session, draws the
working orders as lines (with a cancel handle) and the position's average cost
with its unrealized P&L, and offers a buy or sell limit at the price under a
right click. Orders and cancels leave the widget as signals
(``limitOrderRequested``, ``cancelOrderRequested``); the controller turns them
into commands through the order ticket and the execution service.

The widget only renders state: ``set_bars``/``set_arrays`` reload, ``update_bar``
and ``close_bar`` change the forming candle (cheap: they mark state dirty and a
single-shot QTimer repaints at most ~30 times a second), ``flush`` repaints now.
x is the bar index (no gaps over nights and weekends), linked across panes;
zoom and pan act on x only and y fits the visible bars. New bars scroll the view
only while it shows the right edge.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.core.models import Bar, Order, Side
from app.ui.chart.axis import TimeAxis
from app.ui.chart.candles import CandleItem
from app.ui.chart.colors import ChartColors
from app.ui.chart.crosshair import Crosshair, readout_text
from app.ui.chart.extended_hours import ExtendedHoursItem
from app.ui.chart.grid import GridItem
from app.ui.chart.indicator_data import IndicatorData
from app.ui.chart.indicator_panes import MacdPane, RsiPane
from app.ui.chart.markers import Markers
from app.ui.chart.order_lines import OrderLines
from app.ui.chart.position_line import PositionLine
from app.ui.chart.price_menu import PriceMenu
from app.ui.chart.series import BarSeries, Upsert
from app.ui.chart.toolbar import ChartToolbar
from app.ui.chart.visible import VisibleRangeItem
from app.ui.chart.volume import VolumeOverlay, volume_item

log = logging.getLogger(__name__)

DEFAULT_VISIBLE = 200
MIN_BAR_PX = 5  # a reload shows fewer bars on a narrow chart, so candles stay readable
MIN_VISIBLE = 60
RIGHT_MARGIN = 3.0  # empty bars right of the last one
REPAINT_INTERVAL_MS = 34  # <= 30 Hz
AXIS_WIDTH = 70


class ChartWidget(QWidget):
    """Candles + volume, RSI and MACD panes, crosshair, fills, orders and average cost."""

    symbolRequested = Signal(str)
    intervalRequested = Signal(str)
    limitOrderRequested = Signal(object, object)  # Side, Decimal (a price on the tick)
    cancelOrderRequested = Signal(str)  # client order id

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        colors: ChartColors | None = None,
        rsi_levels: tuple[float, float] = (30.0, 70.0),
        macd_params: tuple[int, int, int] = (12, 26, 9),
        rsi_period: int = 14,
    ) -> None:
        super().__init__(parent)
        self.colors = colors or ChartColors()
        self.series = BarSeries()
        self.indicators = IndicatorData(self.series, rsi_period, _triple(macd_params))
        self._symbol = ""
        self._interval = "1m"
        self._fit_pending = False
        self._live_pending = False

        self.toolbar = ChartToolbar(self.colors, self)
        self.toolbar.symbolRequested.connect(self.symbolRequested)
        self.toolbar.intervalRequested.connect(self.intervalRequested)
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setBackground(self.colors.background)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.graphics, 1)

        self.axes = [TimeAxis(lambda: self.series.t) for _ in range(3)]
        self.price_plot = self._add_plot(0, self.axes[0], show_time=False)
        self.rsi_plot = self._add_plot(1, self.axes[1], show_time=False)
        self.macd_plot = self._add_plot(2, self.axes[2], show_time=True)
        self.plots = [self.price_plot, self.rsi_plot, self.macd_plot]
        grid = self.graphics.ci.layout
        for row, stretch in enumerate((3, 1, 1)):
            grid.setRowStretchFactor(row, stretch)
        grid.setVerticalSpacing(2)
        for plot in self.plots[1:]:
            plot.setXLink(self.price_plot)

        c = self.colors
        self.candles = CandleItem(self.series, c)
        self.price_plot.addItem(self.candles)
        self.volume = VolumeOverlay(
            self.price_plot, volume_item(self.series, c.up, c.down, c.volume_alpha, c.background)
        )
        self.rsi_pane = RsiPane(self.rsi_plot, self.indicators, c, rsi_levels)
        self.macd_pane = MacdPane(self.macd_plot, self.indicators, c)
        self.items: list[VisibleRangeItem] = [
            self.candles,
            self.volume.item,
            *self.rsi_pane.items,
            *self.macd_pane.items,
        ]
        self.markers = Markers(self.price_plot, self.series, c)
        self.extended_hours = ExtendedHoursItem(self.volume.view, self.series, c.extended_hours)
        self.volume.view.addItem(self.extended_hours, ignoreBounds=True)
        self.order_lines = OrderLines(self.price_plot, c, self.cancelOrderRequested.emit)
        self.position_line = PositionLine(self.price_plot, c)
        self.price_menu = PriceMenu(
            self.price_plot, self, self._limit_chosen, lambda: bool(self._symbol)
        )
        self.crosshair = Crosshair(
            self.plots,
            self.toolbar.readout,
            c,
            lambda i: readout_text(self.series, self.indicators, i, c),
            lambda: len(self.series),
        )

        self.graphics.viewport().installEventFilter(self)  # the pointer leaving hides the crosshair

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REPAINT_INTERVAL_MS)
        self._timer.timeout.connect(self.flush)
        self.price_plot.vb.sigXRangeChanged.connect(self._on_x_range_changed)
        self.price_plot.vb.sigResized.connect(self._on_x_range_changed)

    def _add_plot(self, row: int, axis: TimeAxis, *, show_time: bool) -> pg.PlotItem:
        c = self.colors
        plot = self.graphics.addPlot(row=row, col=0, axisItems={"bottom": axis})
        plot.hideAxis("left")
        plot.showAxis("right")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.addItem(GridItem(plot, c.grid), ignoreBounds=True)
        plot.vb.setMouseEnabled(x=True, y=False)
        plot.vb.enableAutoRange(enable=False)
        plot.vb.setLimits(minXRange=10)
        for name in ("right", "bottom"):
            ax = plot.getAxis(name)
            ax.setPen(pg.mkPen(c.grid))
            ax.setTextPen(pg.mkPen(c.foreground))
        plot.getAxis("right").setWidth(AXIS_WIDTH)
        if not show_time:
            # Hidden: the MACD pane's axis labels all panes; the grid still uses its ticks.
            plot.hideAxis("bottom")
        return plot

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave and watched is self.graphics.viewport():
            self.crosshair.hide()
        return super().eventFilter(watched, event)

    # Properties -----------------------------------------------------------------
    @property
    def symbol(self) -> str:
        return self._symbol

    @property
    def interval(self) -> str:
        return self._interval

    def set_symbol_error(self, message: str) -> None:
        """Show ``message`` on the symbol box (e.g. "unknown symbol" from market data); the
        interval box goes back to the interval of the bars shown."""
        self.toolbar.show_error(message)
        self.toolbar.show_interval(self._interval)

    # Loading ----------------------------------------------------------------------
    def set_bars(self, symbol: str, interval: str, bars: Sequence[Bar]) -> None:
        """Full reload from Bar objects."""
        cols = np.array(
            [(b.start.timestamp(), b.open, b.high, b.low, b.close, b.volume) for b in bars],
            dtype=np.float64,
        ).reshape(-1, 6)
        self.set_arrays(symbol, interval, *cols.T)

    def set_arrays(
        self,
        symbol: str,
        interval: str,
        t: ArrayLike,
        o: ArrayLike,
        h: ArrayLike,
        low: ArrayLike,
        c: ArrayLike,
        v: ArrayLike,
    ) -> None:
        """Full reload from columns (epoch seconds, then OHLCV)."""
        self._symbol = symbol
        self._interval = str(interval)
        self.series.set(t, o, h, low, c, v)
        self.indicators.recompute()
        for axis in self.axes:
            axis.daily = self._interval == "1d"
            axis.picture = None
        self.toolbar.show_current(symbol, self._interval)
        for item in self.items:
            item.invalidate()
        self.extended_hours.reload(daily=self._interval == "1d")
        self.order_lines.set_symbol(symbol)
        self.markers.refresh()
        self.crosshair.index = -1
        self.show_last(self.default_visible())
        self._fit_pending = True  # the x range may not have moved (same bar count): fit y anyway
        self.flush()

    def default_visible(self) -> int:
        """Bars a reload shows: :data:`DEFAULT_VISIBLE`, fewer when the pane is narrow."""
        width = int(self.price_plot.vb.width())
        if width <= 0:  # not laid out yet
            return DEFAULT_VISIBLE
        return max(MIN_VISIBLE, min(DEFAULT_VISIBLE, width // MIN_BAR_PX))

    def show_last(self, count: int) -> None:
        """Show the last ``count`` bars with a small empty margin on the right."""
        n = len(self.series)
        self.price_plot.vb.setXRange(n - count - 0.5, n - 1 + RIGHT_MARGIN, padding=0.0)

    # Live bars -----------------------------------------------------------------
    def update_bar(self, bar: Bar) -> None:
        """The forming candle changed (same start: in place; later start: append)."""
        if self._symbol and bar.symbol != self._symbol:
            log.debug("ignoring a %s bar on the %s chart", bar.symbol, self._symbol)
            return
        if str(bar.interval) != self._interval:
            return
        self.update_values(
            bar.start.timestamp(), bar.open, bar.high, bar.low, bar.close, bar.volume
        )

    def close_bar(self, bar: Bar) -> None:
        """A bar closed: same as update_bar (the next update starts a new bar)."""
        self.update_bar(bar)

    def update_values(
        self,
        t: float,
        o: float | Decimal,
        h: float | Decimal,
        low: float | Decimal,
        c: float | Decimal,
        v: float | Decimal,
    ) -> None:
        """update_bar without a Bar object (the bench and feeds of raw numbers use it)."""
        follow = self.at_right_edge()
        result = self.series.upsert(t, float(o), float(h), float(low), float(c), float(v))
        if result is Upsert.IGNORED:
            return
        self.indicators.update_last()
        n = len(self.series)
        self.candles.extend_bounds(float(low), float(h))
        self.volume.item.extend_bounds(0.0, float(v))
        rsi, macd, signal, hist = self.indicators.values_at(n - 1)
        self.rsi_pane.line.extend_bounds(rsi, rsi)
        for item in self.macd_pane.items:
            item.extend_bounds(min(macd, signal, hist, 0.0), max(macd, signal, hist, 0.0))
        if result is Upsert.APPENDED:
            self.extended_hours.appended()
            if self.markers.fills:
                self.markers.refresh()
            if follow:
                x0, x1 = self.price_plot.vb.viewRange()[0]
                self.price_plot.vb.setXRange(x0 + 1, x1 + 1, padding=0.0)
        self._live_pending = True
        self._schedule()

    # Markers ---------------------------------------------------------------------
    def add_fill_marker(self, time: datetime, side: str, price: Decimal) -> None:
        self.markers.add_fill(time, side, price)

    def set_position(
        self,
        average_cost: Decimal | None,
        quantity: Decimal | None = None,
        unrealized_pnl: Decimal | None = None,
    ) -> None:
        """The position of the chart's symbol (None: no position, the line goes)."""
        moved = average_cost != self.position_line.average_cost
        self.position_line.set_position(average_cost, quantity, unrealized_pnl)
        if moved:
            self._levels_changed()

    def clear_markers(self) -> None:
        self.markers.clear()
        self.position_line.set_position(None)

    # Orders ----------------------------------------------------------------------
    def set_working_orders(self, orders: Sequence[Order]) -> None:
        """Draw the working limit orders among ``orders`` (those of the chart's symbol)."""
        self.order_lines.replace(list(orders))
        self._levels_changed()

    def upsert_order(self, order: Order) -> None:
        """An order changed (submitted, accepted, filled, cancelled ...): redraw its line."""
        before = self.order_lines.prices()
        self.order_lines.upsert(order)
        if self.order_lines.prices() != before:
            self._levels_changed()

    def levels(self) -> list[float]:
        """Prices of the lines drawn over the candles: working orders and the average cost."""
        cost = self.position_line.average_cost
        return self.order_lines.prices() + ([float(cost)] if cost is not None else [])

    def _levels_changed(self) -> None:
        self._fit_pending = True  # a line just off screen comes into view
        self._schedule()

    def _limit_chosen(self, side: Side, price: Decimal) -> None:
        self.limitOrderRequested.emit(side, price)

    def show_loading(self, interval: str) -> None:
        """An interval was asked for: say so until its bars arrive (the old bars stay)."""
        self.toolbar.show_loading(interval)

    def set_indicator_params(
        self,
        rsi_period: int,
        rsi_levels: tuple[float, float],
        macd_params: tuple[int, int, int],
    ) -> None:
        self.indicators.set_params(rsi_period, _triple(macd_params))
        self.rsi_pane.set_levels(rsi_levels)
        for item in self.items[2:]:
            item.invalidate()
        self._fit_pending = True
        self.flush()

    # View ------------------------------------------------------------------------
    def visible_range(self) -> tuple[int, int]:
        """(first, last) bar index in view, inclusive; (0, -1) without bars."""
        n = len(self.series)
        x0, x1 = self.price_plot.vb.viewRange()[0]
        first = max(0, math.ceil(x0 - 0.5))
        last = min(n - 1, math.floor(x1 + 0.5))
        return (first, last) if n else (0, -1)

    def at_right_edge(self) -> bool:
        """True when the last bar is in view (then new bars scroll the view)."""
        n = len(self.series)
        if n == 0:
            return True
        return self.price_plot.vb.viewRange()[0][1] >= n - 1 + 0.5

    def _on_x_range_changed(self, *args: object) -> None:
        x0, x1 = self.price_plot.vb.viewRange()[0]
        px = int(self.price_plot.vb.width()) or 1
        for item in self.items:
            item.set_view(x0, x1, px)
        self._fit_pending = True
        self._schedule()

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Apply pending changes now (y fit, live bar, read-out); at most ~30 Hz via the timer."""
        self._timer.stop()
        if self._fit_pending:
            self._fit_y()
        elif self._live_pending:
            self._fit_live()
        if self._live_pending:
            for item in self.items:
                item.update()
            self.crosshair.refresh()
        self._fit_pending = self._live_pending = False

    def _fit_y(self) -> None:
        n = len(self.series)
        if n == 0:
            return
        first, last = self.visible_range()
        a, b = first, last + 1
        lo, hi = self.candles.y_range(a, b)
        if math.isfinite(lo) and math.isfinite(hi):
            lo, hi = with_levels(lo, hi, self.levels())
            pad = max((hi - lo) * 0.06, abs(hi) * 1e-4)
            # Leave the bottom fifth to volume.
            self.price_plot.vb.setYRange(lo - (hi - lo) * 0.25 - pad, hi + pad, padding=0.0)
        self.volume.fit(a, b)
        self.macd_pane.fit(a, b)
        self.crosshair.refresh()

    def _fit_live(self) -> None:
        """Refit only if the live bar left the current y ranges."""
        n = len(self.series)
        first, last = self.visible_range()
        if not first <= n - 1 <= last:
            return
        (_, _), (y0, y1) = self.price_plot.vb.viewRange()
        _, (m0, m1) = self.macd_plot.vb.viewRange()
        _, (_v0, v1) = self.volume.view.viewRange()
        _, macd, signal, hist = self.indicators.values_at(n - 1)
        live = [x for x in (macd, signal, hist) if math.isfinite(x)]
        if (
            self.series.h[-1] > y1
            or self.series.l[-1] < y0
            or self.series.v[-1] > v1 * self.volume.share
            or (live and (max(live) > m1 or min(live) < m0))
        ):
            self._fit_y()


def with_levels(lo: float, hi: float, levels: Sequence[float]) -> tuple[float, float]:
    """The candles' range ``lo..hi`` grown to take the order and cost lines near it (within
    one range's height), so they show; a far-away line does not squash the candles."""
    span = hi - lo
    near = [y for y in levels if lo - span <= y <= hi + span]
    return min([lo, *near]), max([hi, *near])


def _triple(params: Sequence[int]) -> tuple[int, int, int]:
    fast, slow, signal = (int(p) for p in params)
    return fast, slow, signal
