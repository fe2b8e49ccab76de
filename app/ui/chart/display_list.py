"""A recorded list of batched drawing calls, replayed with one native call per batch.

Used instead of ``QPicture`` as the cache of the visible bars: ``QPicture``
records ``drawRects``/``drawLines`` batches one primitive at a time and replays
them ~10x slower than drawing them directly. Here each batch keeps its numpy-backed
native array (pyqtgraph's ``PrimitiveArray``, or a ``QPolygonF``), so a replay is
exactly as cheap as drawing, without recomputing anything.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from pyqtgraph.Qt import internals
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPen

NO_PEN = QPen(Qt.PenStyle.NoPen)

_PEN, _BRUSH, _LINES, _RECTS, _POLYLINE = range(5)


class DisplayList:
    """Pens, brushes and batches of lines, rects and polylines, in drawing order."""

    __slots__ = ("ops",)

    def __init__(self) -> None:
        self.ops: list[tuple[int, Any]] = []

    def __len__(self) -> int:
        return len(self.ops)

    def pen(self, pen: QPen) -> None:
        self.ops.append((_PEN, pen))

    def brush(self, brush: QBrush) -> None:
        self.ops.append((_BRUSH, brush))

    def lines(self, x0: Any, y0: Any, x1: Any, y1: Any) -> None:
        """Segments (x0, y0)-(x1, y1); arguments are arrays (or scalars) of one length."""
        n = np.broadcast(x0, y0, x1, y1).size
        if n == 0:
            return
        arr = internals.PrimitiveArray(QLineF, 4)
        arr.resize(n)
        mem = arr.ndarray()
        mem[:, 0] = x0
        mem[:, 1] = y0
        mem[:, 2] = x1
        mem[:, 3] = y1
        self.ops.append((_LINES, arr))

    def rects(self, x: Any, y: Any, w: Any, h: Any) -> None:
        n = np.broadcast(x, y, w, h).size
        if n == 0:
            return
        arr = internals.PrimitiveArray(QRectF, 4)
        arr.resize(n)
        mem = arr.ndarray()
        mem[:, 0] = x
        mem[:, 1] = y
        mem[:, 2] = w
        mem[:, 3] = h
        self.ops.append((_RECTS, arr))

    def polyline(self, x: NDArray[Any], y: NDArray[Any]) -> None:
        if len(x) < 2:
            return
        poly = pg.functions.create_qpolygonf(len(x))
        mem = pg.functions.ndarray_from_qpolygonf(poly)
        mem[:, 0] = x
        mem[:, 1] = y
        self.ops.append((_POLYLINE, poly))

    def replay(self, p: QPainter) -> None:
        for kind, obj in self.ops:
            if kind == _PEN:
                p.setPen(obj)
            elif kind == _BRUSH:
                p.setBrush(obj)
            elif kind == _LINES:
                p.drawLines(*obj.drawargs())
            elif kind == _RECTS:
                p.drawRects(*obj.drawargs())
            else:
                p.drawPolyline(obj)
