"""Working orders on the price pane: a line at each limit price, a label and a cancel handle.

The chart shows the open orders with a limit price of the symbol on screen as
horizontal lines in the side's colour, labelled like ``BUY 3 @ 49.50`` at the
left edge of the pane, with a small "×" after the label that asks to cancel the
order (the chart only reports the click: the controller sends the command, and
the line goes away when the order's cancelled event arrives). Orders of every
symbol are kept by id, so switching symbols shows the right lines at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt

from app.core.models import Order, Side
from app.ui.chart.colors import ChartColors

LEFT_PAD_PX = 6.0
GAP_PX = 3.0
Z_LINE = 18
Z_LABEL = 26  # above the fill markers and the average-cost label


def order_text(order: Order) -> str:
    """``BUY 3 @ 49.50`` (remaining shares) or ``SELL $25.00 @ 49.50`` for a dollar order."""
    request = order.request
    remaining = order.remaining_quantity
    if remaining is not None:
        amount = f"{remaining.normalize():f}"
    elif request.notional is not None:
        amount = f"${request.notional:,.2f}"
    else:
        amount = "?"
    limit = request.limit_price if request.limit_price is not None else Decimal(0)
    return f"{request.side.value.upper()} {amount} @ {limit:,.2f}"


def is_drawn(order: Order) -> bool:
    """An order gets a line while it is working and has a limit price."""
    return order.status.is_open and order.request.limit_price is not None


class CancelHandle(pg.TextItem):
    """The clickable "×" of one order line."""

    def __init__(self, on_click: Callable[[], None], color: str, background: str) -> None:
        super().__init__(
            "×", color=color, anchor=(0.0, 0.5), fill=pg.mkBrush(background),
            border=pg.mkPen(color),
        )  # fmt: skip
        self._on_click = on_click
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Cancel this order")

    def mouseClickEvent(self, ev: Any) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._on_click()


@dataclass
class OrderLine:
    """The drawn items of one working order."""

    order: Order
    line: pg.InfiniteLine
    label: pg.TextItem
    handle: CancelHandle


class OrderLines:
    """Keeps the working orders by id and draws those of ``symbol`` on ``plot``."""

    def __init__(
        self, plot: pg.PlotItem, colors: ChartColors, on_cancel: Callable[[str], None]
    ) -> None:
        self.plot = plot
        self.colors = colors
        self._on_cancel = on_cancel
        self.symbol = ""
        self.orders: dict[str, Order] = {}  # every working order with a limit price
        self.lines: dict[str, OrderLine] = {}  # those drawn (the chart's symbol)
        plot.vb.sigRangeChanged.connect(self.reposition)
        plot.vb.sigResized.connect(self.reposition)

    # --- state ---
    def set_symbol(self, symbol: str) -> None:
        self.symbol = symbol
        self._sync()

    def replace(self, orders: list[Order]) -> None:
        """Show exactly the working ones among ``orders`` (e.g. the execution's open orders)."""
        self.orders = {o.client_order_id: o for o in orders if is_drawn(o)}
        self._sync()

    def upsert(self, order: Order) -> None:
        """An order changed: draw, relabel or remove its line."""
        if is_drawn(order):
            self.orders[order.client_order_id] = order
        else:
            self.orders.pop(order.client_order_id, None)
        self._sync()

    def prices(self) -> list[float]:
        """The limit prices drawn."""
        return sorted(float(d.line.value()) for d in self.lines.values())

    def texts(self) -> list[str]:
        """The labels drawn, top price first (what a user reads)."""
        drawn = sorted(self.lines.values(), key=lambda d: -float(d.line.value()))
        return [d.label.toPlainText() for d in drawn]

    # --- drawing ---
    def _sync(self) -> None:
        wanted = {k: o for k, o in self.orders.items() if o.symbol == self.symbol}
        for key in [k for k in self.lines if k not in wanted]:
            self._remove(self.lines.pop(key))
        for key, order in wanted.items():
            drawn = self.lines.get(key)
            if drawn is None:
                self.lines[key] = self._add(order)
            else:
                drawn.order = order
                drawn.line.setPos(float(order.request.limit_price or 0))
                drawn.label.setText(order_text(order))
        self.reposition()

    def _add(self, order: Order) -> OrderLine:
        c = self.colors
        color = c.buy_order if order.side is Side.BUY else c.sell_order
        key = order.client_order_id
        line = pg.InfiniteLine(
            pos=float(order.request.limit_price or 0), angle=0, movable=False,
            pen=pg.mkPen(color, width=1),
        )  # fmt: skip
        line.setZValue(Z_LINE)
        label = pg.TextItem(
            order_text(order), color=color, anchor=(0.0, 0.5), fill=pg.mkBrush(c.background),
            border=pg.mkPen(color),
        )  # fmt: skip
        handle = CancelHandle(lambda: self._on_cancel(key), color, c.background)
        for item in (label, handle):
            item.setZValue(Z_LABEL)
        for item in (line, label, handle):
            self.plot.addItem(item, ignoreBounds=True)
        return OrderLine(order, line, label, handle)

    def _remove(self, drawn: OrderLine) -> None:
        for item in (drawn.line, drawn.label, drawn.handle):
            self.plot.removeItem(item)

    def reposition(self, *args: object) -> None:
        """Keep each label at the pane's left edge and its handle right after it."""
        if not self.lines:
            return
        (x0, _x1), _ = self.plot.vb.viewRange()
        px_w, _ = self.plot.vb.viewPixelSize()
        for drawn in self.lines.values():
            y = float(drawn.line.value())
            drawn.label.setPos(x0 + LEFT_PAD_PX * px_w, y)
            width = drawn.label.boundingRect().width()
            drawn.handle.setPos(x0 + (LEFT_PAD_PX + width + GAP_PX) * px_w, y)
