"""Buy/sell fill markers on the price pane (the average-cost line is position_line.py).

Fills are kept by time and mapped to bar indices on every reload, so markers
stay on their bars across interval changes; buys are up-triangles at the
fill price, sells down-triangles (both centred on the fill price).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
import pyqtgraph as pg

from app.ui.chart.colors import ChartColors
from app.ui.chart.series import BarSeries


@dataclass(frozen=True, slots=True)
class FillMarker:
    epoch: float
    side: str  # "buy" or "sell"
    price: float


class Markers:
    """Owns the scatter of fills of one price plot."""

    def __init__(self, plot: pg.PlotItem, series: BarSeries, colors: ChartColors) -> None:
        self.series = series
        self.colors = colors
        self.fills: list[FillMarker] = []
        self.scatter = pg.ScatterPlotItem(pxMode=True, size=11)
        self.scatter.setZValue(20)
        plot.addItem(self.scatter, ignoreBounds=True)

    def add_fill(self, time: datetime, side: str, price: Decimal) -> None:
        side = str(side).lower()
        if side not in ("buy", "sell"):
            raise ValueError(f"side must be 'buy' or 'sell', got {side!r}")
        self.fills.append(FillMarker(time.timestamp(), side, float(price)))
        self.refresh()

    def clear(self) -> None:
        self.fills.clear()
        self.refresh()

    def positions(self) -> list[tuple[int, str, float]]:
        """(bar index, side, price) of the fills inside the loaded bars."""
        out = []
        n = len(self.series)
        for fill in self.fills:
            i = self.series.index_at_time(fill.epoch)
            if 0 <= i < n:
                out.append((i, fill.side, fill.price))
        return out

    def refresh(self) -> None:
        placed = self.positions()
        if not placed:
            self.scatter.setData([], [])
            self.scatter.hide()  # an empty scatter still costs ~0.5 ms a frame
            return
        self.scatter.show()
        x = np.array([i for i, _, _ in placed], dtype=np.float64)
        y = np.array([p for _, _, p in placed], dtype=np.float64)
        buys = [side == "buy" for _, side, _ in placed]
        c = self.colors
        self.scatter.setData(
            x=x,
            y=y,
            symbol=["t1" if b else "t" for b in buys],
            brush=[pg.mkBrush(c.buy_marker if b else c.sell_marker) for b in buys],
            pen=[pg.mkPen("#000000", width=0.5) for _ in buys],
        )
