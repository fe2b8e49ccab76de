"""Base graphics item that paints only the visible bar-index range.

``VisibleRangeItem`` keeps a :class:`DisplayList` (the picture) of the *closed* bars in the visible
index range plus an overscan (half the visible span on each side), so panning
and repeated frames replay the picture; the last (forming) bar is painted live
on every frame, so a live update never rebuilds the picture (the vn.py idea:
invalidate only the bar that changed). Past :data:`LOD_THRESHOLD` visible bars
it switches to level of detail: bars are grouped into bins of a power-of-two
width of at least two pixel columns, aligned to absolute indices so that
panning at one zoom level reuses the picture (the finplot idea).

Subclasses record into a :class:`DisplayList`, whose batches hand numpy-backed
primitive arrays straight to ``QPainter`` (no Python object per bar).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter

from app.ui.chart.display_list import DisplayList

log = logging.getLogger(__name__)

LOD_THRESHOLD = 2000
"""Past this many visible bars, items draw a per-pixel-column envelope."""

LOD_COLUMN_PX = 2
"""Width of a level-of-detail column in pixels (at least): 2 px halves the number of
primitives against 1 px and still reads as a continuous envelope."""


def bin_edges(a: int, b: int, size: int) -> NDArray[np.intp]:
    """Start indices of the bins of ``size`` (aligned to multiples of it) covering [a, b)."""
    first = (a // size) * size
    starts = np.arange(first, b, size, dtype=np.intp)
    starts[0] = a
    return starts


class VisibleRangeItem(pg.GraphicsObject):
    """A GraphicsObject over a bar-indexed dataset, drawn for the visible range only."""

    def __init__(self) -> None:
        super().__init__()
        self._x_range = (0.0, 1.0)
        self._px_width = 1000
        self._picture: DisplayList | None = None
        self._pic_key: tuple[bool, int] = (False, 1)
        self._pic_span = (0, 0)
        self._bounds = QRectF(0.0, 0.0, 1.0, 1.0)
        self.builds = 0
        self._paint_failed = False  # picture rebuilds (tests and bench look at it)

    # Hooks for subclasses -------------------------------------------------------
    def length(self) -> int:
        raise NotImplementedError

    def draw_range(self, dl: DisplayList, a: int, b: int) -> None:
        """Draw bars [a, b) one by one."""
        raise NotImplementedError

    def draw_lod(self, dl: DisplayList, starts: NDArray[np.intp], b: int, size: int) -> None:
        """Draw the bins beginning at ``starts`` (the last one ends at ``b``)."""
        raise NotImplementedError

    def draw_live(self, dl: DisplayList, i: int) -> None:
        """Draw the last (forming) bar ``i``; default: like any other bar."""
        self.draw_range(dl, i, i + 1)

    def data_bounds(self) -> tuple[float, float]:
        """(min, max) of y over all the data (for the bounding rect)."""
        raise NotImplementedError

    def y_range(self, a: int, b: int) -> tuple[float, float]:
        """(min, max) of y over bars [a, b), NaN when there is nothing to show."""
        raise NotImplementedError

    # Control from the widget ---------------------------------------------------
    def set_view(self, x0: float, x1: float, px_width: int) -> None:
        self._x_range = (x0, x1)
        self._px_width = max(1, px_width)
        self.update()

    def invalidate(self) -> None:
        """The data changed as a whole: rebuild the picture and the bounds."""
        self._picture = None
        self.prepareGeometryChange()
        n = self.length()
        lo, hi = self.data_bounds() if n else (0.0, 1.0)
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
            lo, hi = (lo - 1.0, lo + 1.0) if math.isfinite(lo) else (0.0, 1.0)
        self._bounds = QRectF(-1.0, lo, n + 2.0, hi - lo)
        self.update()

    def extend_bounds(self, lo: float, hi: float) -> None:
        """Grow the bounding rect cheaply for a live bar (no full scan)."""
        r = self._bounds
        n = self.length()
        top = min(r.top(), lo) if math.isfinite(lo) else r.top()
        bottom = max(r.bottom(), hi) if math.isfinite(hi) else r.bottom()
        if n + 2.0 > r.width() or top < r.top() or bottom > r.bottom():
            self.prepareGeometryChange()
            self._bounds = QRectF(-1.0, top, max(r.width(), n + 2.0), bottom - top)

    def boundingRect(self) -> QRectF:
        return self._bounds

    # Painting -------------------------------------------------------------------
    def visible_span(self) -> tuple[int, int]:
        n = self.length()
        x0, x1 = self._x_range
        a = max(0, math.floor(x0) - 1)
        b = min(n, math.ceil(x1) + 2)
        return a, max(a, b)

    def paint(self, p: QPainter, *args: Any) -> None:
        # An exception escaping a Qt paint callback can take the process down.
        try:
            self._paint(p)
        except Exception:
            if not self._paint_failed:
                log.exception("chart item %s failed to paint", type(self).__name__)
            self._paint_failed = True

    def _paint(self, p: QPainter) -> None:
        n = self.length()
        if n == 0:
            return
        a, b = self.visible_span()
        frozen_b = min(b, n - 1)
        if frozen_b > a:
            self._ensure_picture(a, frozen_b, n - 1)
            if self._picture is not None:
                self._picture.replay(p)
        if b == n:
            live = DisplayList()
            self.draw_live(live, n - 1)
            live.replay(p)

    def _lod_size(self, a: int, b: int) -> int:
        count = b - a
        if count <= LOD_THRESHOLD:
            return 0
        per_column = LOD_COLUMN_PX * count / self._px_width
        return 1 << max(0, math.ceil(math.log2(max(per_column, 1.0))))

    def _ensure_picture(self, a: int, b: int, frozen_end: int) -> None:
        size = self._lod_size(a, b)
        key = (size > 0, size)
        pa, pb = self._pic_span
        if self._picture is not None and key == self._pic_key and pa <= a and b <= pb:
            return
        span = b - a
        ra = max(0, a - span // 2)
        rb = min(frozen_end, b + span // 2)
        pic = DisplayList()
        if size:
            ra = (ra // size) * size
            self.draw_lod(pic, bin_edges(ra, rb, size), rb, size)
        else:
            self.draw_range(pic, ra, rb)
        self._picture = pic
        self._pic_key = key
        self._pic_span = (ra, rb)
        self.builds += 1
