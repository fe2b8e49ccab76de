"""PNG pictures of backtest results: an equity curve over its drawdown, and an optimizer heatmap.

Drawn with pyqtgraph (already a dependency, no plotting library added) on
widgets that are never shown: they work without a display (Qt's offscreen
platform is chosen when there is none) and save what they render with
``QWidget.grab``. Times on the axes are New York times.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.backtest.metrics import EquityPoint, drawdowns

BACKGROUND = "#101418"
FOREGROUND = "#d0d6dc"
EQUITY = "#4fc3f7"
DRAWDOWN = "#ef5350"


def qt_app() -> Any:
    """The running QApplication, or a new one (offscreen when there is no display)."""
    no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and no_display:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _save(widget: Any, path: Path, width: int, height: int) -> Path:
    app = qt_app()
    widget.resize(width, height)
    app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def equity_png(
    points: Sequence[EquityPoint], path: str | Path, title: str, width: int = 1200,
    height: int = 700,
) -> Path:  # fmt: skip
    """The equity curve (top) and the drawdown below its running peak (bottom)."""
    qt_app()
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background=BACKGROUND, foreground=FOREGROUND)
    layout = pg.GraphicsLayoutWidget()
    times = [p.time.timestamp() for p in points]
    values = [p.equity for p in points]
    offset = _ny_offset(points)
    top = layout.addPlot(
        row=0, col=0, title=title, axisItems={"bottom": pg.DateAxisItem(utcOffset=offset)}
    )
    top.setLabel("left", "equity ($)")
    top.getAxis("left").enableAutoSIPrefix(False)
    top.showGrid(x=True, y=True, alpha=0.2)
    top.plot(times, values, pen=pg.mkPen(EQUITY, width=2))
    bottom = layout.addPlot(row=1, col=0, axisItems={"bottom": pg.DateAxisItem(utcOffset=offset)})
    bottom.setLabel("left", "drawdown ($)")
    bottom.getAxis("left").enableAutoSIPrefix(False)
    bottom.showGrid(x=True, y=True, alpha=0.2)
    below = [-d for d in drawdowns(values).tolist()]
    bottom.plot(times, below, pen=pg.mkPen(DRAWDOWN, width=1), fillLevel=0, brush=(239, 83, 80, 90))
    bottom.setXLink(top)
    layout.ci.layout.setRowStretchFactor(0, 3)
    layout.ci.layout.setRowStretchFactor(1, 1)
    return _save(layout, Path(path), width, height)


def _ny_offset(points: Sequence[EquityPoint]) -> int:
    """Seconds *west* of UTC of New York at the first point (DateAxisItem's convention)."""
    from zoneinfo import ZoneInfo

    if not points:
        return 0
    offset = points[0].time.astimezone(ZoneInfo("America/New_York")).utcoffset()
    return -int(offset.total_seconds()) if offset is not None else 0


def heatmap_png(
    values: Sequence[Sequence[float | None]],
    xs: Sequence[float],
    ys: Sequence[float],
    path: str | Path,
    *,
    x_name: str,
    y_name: str,
    metric: str,
    width: int = 900,
    height: int = 700,
) -> Path:
    """``values[i][j]`` is the metric at ``xs[i]``, ``ys[j]`` (None: not run), one labelled cell
    each, coloured from red (worst) to green (best)."""
    qt_app()
    import numpy as np
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background=BACKGROUND, foreground=FOREGROUND)
    layout = pg.GraphicsLayoutWidget()
    plot = layout.addPlot(title=f"{metric} by {x_name} and {y_name}")
    grid = np.array(
        [[math.nan if v is None else float(v) for v in row] for row in values], dtype=float
    )
    finite = grid[np.isfinite(grid)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    colormap = pg.ColorMap([0.0, 0.5, 1.0], ["#c62828", "#fdd835", "#2e7d32"])
    image = pg.ImageItem(np.nan_to_num(grid, nan=low))
    image.setLookupTable(colormap.getLookupTable(nPts=256))
    image.setLevels((low, high))
    plot.addItem(image)
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            text = "" if math.isnan(grid[i, j]) else f"{grid[i, j]:.3g}"
            label = pg.TextItem(text, color="#000000", anchor=(0.5, 0.5))
            font = label.textItem.font()
            font.setPointSize(11 if len(xs) * len(ys) <= 100 else 7)
            label.setFont(font)
            label.setPos(i + 0.5, j + 0.5)
            plot.addItem(label)
    plot.getAxis("bottom").setTicks([[(i + 0.5, f"{x:g}") for i, x in enumerate(xs)]])
    plot.getAxis("left").setTicks([[(j + 0.5, f"{y:g}") for j, y in enumerate(ys)]])
    plot.setLabel("bottom", x_name)
    plot.setLabel("left", y_name)
    plot.setMouseEnabled(x=False, y=False)
    plot.setRange(xRange=(0, len(xs)), yRange=(0, len(ys)), padding=0)
    bar = pg.ColorBarItem(values=(low, high), colorMap=colormap, interactive=False, label=metric)
    layout.addItem(bar)
    return _save(layout, Path(path), width, height)
