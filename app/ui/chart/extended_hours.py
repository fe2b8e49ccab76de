"""Shading behind the bars outside the regular session (pre-market, after-hours, overnight).

A trader reads a pre-market spike differently from one at 11:00, so intraday
bars that start outside the NYSE regular session (:mod:`app.calendar`: open and
close of each trading day, early closes included) get a tinted background:
pre-market before 09:30 and after-hours from the close to 20:00 New York, and
anything else outside the regular session (weekends, holidays, the overnight
market of a feed that trades around the clock). Daily bars are never shaded.

The columns live in the volume overlay's view box, under the volume bars (the
price pane's view box is drawn over that one: shading there hid the volume).
The mask is computed once per reload with one calendar look-up per New York
day spanned (a binary search then places every bar), and per appended bar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QPainter

from app import calendar
from app.calendar import NEW_YORK
from app.ui.chart.display_list import NO_PEN, DisplayList
from app.ui.chart.series import BarSeries

BoolArray = NDArray[np.bool_]


def _ny_date(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, UTC).astimezone(NEW_YORK).date()


def regular_sessions(first: date, last: date) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Epoch (opens, closes) of the regular sessions of the trading days first..last."""
    opens: list[float] = []
    closes: list[float] = []
    day = first
    while day <= last:
        start, end = calendar.open_time(day), calendar.close_time(day)
        if start is not None and end is not None:
            opens.append(datetime.combine(day, start, tzinfo=NEW_YORK).timestamp())
            closes.append(datetime.combine(day, end, tzinfo=NEW_YORK).timestamp())
        day += timedelta(days=1)
    return np.array(opens, dtype=np.float64), np.array(closes, dtype=np.float64)


def outside_regular(t: NDArray[np.float64]) -> BoolArray:
    """True for each bar start (epoch seconds, ascending) outside the regular session."""
    if len(t) == 0:
        return np.zeros(0, dtype=np.bool_)
    opens, closes = regular_sessions(_ny_date(float(t[0])), _ny_date(float(t[-1])))
    if len(opens) == 0:
        return np.ones(len(t), dtype=np.bool_)
    k = np.searchsorted(opens, t, side="right") - 1
    inside = (k >= 0) & (t < closes[np.maximum(k, 0)])
    return ~inside


def runs(mask: BoolArray, a: int, b: int) -> list[tuple[int, int]]:
    """[start, stop) index runs of True in ``mask[a:b]`` (absolute indices)."""
    part = mask[a:b].astype(np.int8)
    if len(part) == 0:
        return []
    edges = np.diff(np.concatenate(([0], part, [0])))
    starts = np.flatnonzero(edges == 1) + a
    stops = np.flatnonzero(edges == -1) + a
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


class ExtendedHoursItem(pg.GraphicsObject):
    """Full-height tinted columns behind the bars outside the regular session."""

    def __init__(self, view: pg.ViewBox, series: BarSeries, color: str) -> None:
        super().__init__()
        self._view = view  # x-linked to the price pane; its y range is its own
        self._series = series
        self._brush = QBrush(QColor(color))
        self.mask: BoolArray = np.zeros(0, dtype=np.bool_)
        self.enabled = True  # False for daily bars
        self.setZValue(-50)  # below the volume bars of the same view box
        view.sigRangeChanged.connect(self._changed)
        view.sigResized.connect(self._changed)

    def reload(self, daily: bool) -> None:
        """Recompute the mask for the whole series (after a full reload)."""
        self.enabled = not daily
        self.mask = outside_regular(self._series.t) if self.enabled else np.zeros(0, np.bool_)
        self._changed()

    def appended(self) -> None:
        """The series grew by one bar: classify it."""
        if not self.enabled:
            return
        n = len(self._series)
        if len(self.mask) < n:
            fresh = outside_regular(self._series.t[len(self.mask) : n])
            self.mask = np.concatenate((self.mask, fresh))
            self._changed()

    def shaded_runs(self) -> list[tuple[int, int]]:
        """[start, stop) bar-index runs shaded in the visible range."""
        if not self.enabled or len(self.mask) == 0:
            return []
        (x0, x1), _ = self._view.viewRange()
        a = max(0, int(np.floor(x0)))
        b = min(len(self.mask), int(np.ceil(x1)) + 1)
        return runs(self.mask, a, b) if b > a else []

    def _changed(self, *args: object) -> None:
        self.prepareGeometryChange()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._view.viewRect()

    def paint(self, p: QPainter, *args: Any) -> None:
        spans = self.shaded_runs()
        if not spans:
            return
        _, (y0, y1) = self._view.viewRange()
        starts = np.array([s for s, _ in spans], dtype=np.float64) - 0.5
        widths = np.array([e - s for s, e in spans], dtype=np.float64)
        dl = DisplayList()
        dl.pen(NO_PEN)
        dl.brush(self._brush)
        dl.rects(starts, y0, widths, y1 - y0)
        dl.replay(p)
