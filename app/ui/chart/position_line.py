"""The position's average cost as a dashed line, labelled with its unrealized P&L.

The label sits on the line at the left edge of the price pane (the newest
candles at the right stay uncovered), e.g. ``AVG 49.50 · 3 sh · +$1.20``, the
P&L coloured as a gain or a loss. The
numbers come from the portfolio (the controller passes its position view);
the chart computes nothing.
"""

from __future__ import annotations

from decimal import Decimal

import pyqtgraph as pg

from app.ui.chart.colors import ChartColors

LEFT_PAD_PX = 6.0
Z_LINE = 15
Z_LABEL = 25  # above the fill markers


def signed_dollars(value: Decimal) -> str:
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def position_text(
    average_cost: Decimal, quantity: Decimal | None, unrealized_pnl: Decimal | None
) -> str:
    """The label as plain text (the widget shows it with the P&L coloured)."""
    parts = [f"AVG {average_cost:,.2f}"]
    if quantity is not None:
        parts.append(f"{quantity.normalize():f} sh")
    if unrealized_pnl is not None:
        parts.append(signed_dollars(unrealized_pnl))
    return " · ".join(parts)


class PositionLine:
    """The average-cost line and its label on one price plot (hidden without a position)."""

    def __init__(self, plot: pg.PlotItem, colors: ChartColors) -> None:
        self.plot = plot
        self.colors = colors
        pen = pg.mkPen(colors.average_cost, width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
        self.line = pg.InfiniteLine(angle=0, movable=False, pen=pen)
        self.line.setZValue(Z_LINE)
        self.label = pg.TextItem(
            "", anchor=(0.0, 0.5), fill=pg.mkBrush(colors.background),
            border=pg.mkPen(colors.average_cost),
        )  # fmt: skip
        self.label.setZValue(Z_LABEL)
        for item in (self.line, self.label):
            item.hide()
            plot.addItem(item, ignoreBounds=True)
        self.average_cost: Decimal | None = None
        self.text = ""
        plot.vb.sigRangeChanged.connect(self.reposition)
        plot.vb.sigResized.connect(self.reposition)

    def set_position(
        self,
        average_cost: Decimal | None,
        quantity: Decimal | None = None,
        unrealized_pnl: Decimal | None = None,
    ) -> None:
        """Show the line at ``average_cost`` (None hides it)."""
        self.average_cost = average_cost
        if average_cost is None:
            self.text = ""
            self.line.hide()
            self.label.hide()
            return
        text = position_text(average_cost, quantity, unrealized_pnl)
        if text == self.text and self.line.isVisible():
            return  # called on every quote tick: only a change re-lays the label out
        self.text = text
        c = self.colors
        html = f"<span style='color:{c.average_cost}'>{position_text(average_cost, quantity, None)}"
        if unrealized_pnl is not None:
            tone = c.up if unrealized_pnl >= 0 else c.down
            html += f" · </span><span style='color:{tone}'>{signed_dollars(unrealized_pnl)}"
        self.label.setHtml(html + "</span>")
        self.line.setPos(float(average_cost))
        self.line.show()
        self.label.show()
        self.reposition()

    def reposition(self, *args: object) -> None:
        if self.average_cost is None:
            return
        (x0, _x1), _ = self.plot.vb.viewRange()
        px_w, _ = self.plot.vb.viewPixelSize()
        self.label.setPos(x0 + LEFT_PAD_PX * px_w, float(self.average_cost))
