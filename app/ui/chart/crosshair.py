"""Crosshair across the three panes and the read-out of the hovered bar.

Mouse moves over the scene put a vertical line on the hovered bar index in
every pane and a horizontal line at the pointer in the hovered pane; the
read-out (a QLabel above the panes) shows the bar's New York time, O H L C V,
RSI and MACD / signal / histogram.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QLabel

from app.ui.chart.axis import new_york
from app.ui.chart.colors import ChartColors
from app.ui.chart.indicator_data import IndicatorData
from app.ui.chart.series import BarSeries


def _num(value: float, digits: int = 2) -> str:
    return "—" if not math.isfinite(value) else f"{value:,.{digits}f}"


def _volume(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"{value / size:.2f}{suffix}"
    return f"{value:.0f}"


def _item(color: str, text: str) -> str:
    """One read-out item in ``color``; it never breaks inside (see :func:`readout_text`)."""
    return f"<span style='color:{color}'>{text.replace(' ', '&nbsp;')}</span>"


def readout_text(series: BarSeries, data: IndicatorData, i: int, colors: ChartColors) -> str:
    """Rich-text read-out of bar ``i`` (empty outside the data). On a narrow chart the label
    wraps between the groups (time, prices, RSI, MACD), never inside one."""
    if not 0 <= i < len(series):
        return ""
    o, h, low, c, v = (float(a[i]) for a in (series.o, series.h, series.l, series.c, series.v))
    rsi, macd, signal, hist = data.values_at(i)
    tone = colors.up if c >= o else colors.down
    when = new_york(float(series.t[i])).strftime("%Y-%m-%d %H:%M ET")
    fast, slow, sig = data.macd_params
    groups = [
        _item(colors.foreground, when),
        _item(tone, f"O {_num(o)}  H {_num(h)}  L {_num(low)}  C {_num(c)}  V {_volume(v)}"),
        _item(colors.rsi, f"RSI({data.rsi_period}) {_num(rsi)}"),
        "&nbsp;".join((
            _item(colors.macd, f"MACD({fast},{slow},{sig}) {_num(macd, 3)}"),
            _item(colors.macd_signal, f"sig {_num(signal, 3)}"),
            _item(colors.foreground, f"hist {_num(hist, 3)}"),
        )),
    ]  # fmt: skip
    return "&nbsp; ".join(groups)


class Crosshair:
    """Lines over ``plots`` and the read-out label; ``on_index`` is told the hovered bar."""

    def __init__(
        self,
        plots: Sequence[pg.PlotItem],
        label: QLabel,
        colors: ChartColors,
        text_for: Callable[[int], str],
        length: Callable[[], int],
    ) -> None:
        self.plots = list(plots)
        self.label = label
        self._text_for = text_for
        self._length = length
        self.index = -1
        pen = pg.mkPen(colors.crosshair, width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
        self.vlines = [pg.InfiniteLine(angle=90, movable=False, pen=pen) for _ in self.plots]
        self.hlines = [pg.InfiniteLine(angle=0, movable=False, pen=pen) for _ in self.plots]
        for plot, vline, hline in zip(self.plots, self.vlines, self.hlines, strict=True):
            for line in (vline, hline):
                line.setZValue(50)
                line.hide()
                plot.addItem(line, ignoreBounds=True)
        self.plots[0].scene().sigMouseMoved.connect(self.on_mouse_moved)

    def on_mouse_moved(self, pos: QPointF) -> None:
        for k, plot in enumerate(self.plots):
            if plot.vb.sceneBoundingRect().contains(pos):
                point = plot.vb.mapSceneToView(pos)
                self.show_at(round(point.x()), k, point.y())
                return

    def show_at(self, index: int, pane: int = 0, y: float | None = None) -> None:
        """Put the crosshair on bar ``index`` (clamped) and refresh the read-out."""
        n = self._length()
        if n == 0:
            return
        index = min(max(index, 0), n - 1)
        for k, (vline, hline) in enumerate(zip(self.vlines, self.hlines, strict=True)):
            vline.setPos(index)
            vline.show()
            if k == pane and y is not None:
                hline.setPos(y)
                hline.show()
            else:
                hline.hide()
        self.index = index
        self.label.setText(self._text_for(index))

    def hide(self) -> None:
        """The pointer left the chart: no lines; the read-out shows the last bar again."""
        for line in (*self.vlines, *self.hlines):
            line.hide()
        self.index = -1
        self.refresh()

    def refresh(self) -> None:
        """Re-read the hovered bar (it may be the live one), or show the last bar."""
        n = self._length()
        index = self.index if 0 <= self.index < n else n - 1
        self.label.setText(self._text_for(index) if n else "")
