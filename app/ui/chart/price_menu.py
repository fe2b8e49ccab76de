"""Right-click on the price pane: "Buy limit at P" / "Sell limit at P".

The price under the pointer is rounded to the tick (cents at or above $1) and
offered as a limit price. Choosing an entry only reports ``(side, price)``:
the order ticket is filled with it and applies its own checks and
confirmation, so the chart adds no trading rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QWidget

from app.core.models import Side
from app.core.money import round_price

Choice = Callable[[Side, Decimal], None]


def tick_price(y: float) -> Decimal | None:
    """``y`` rounded to the tick, or None where no order can go (not a positive price)."""
    if not math.isfinite(y) or y <= 0:
        return None
    price = round_price(Decimal(repr(y)))
    return price if price > 0 else None


class PriceMenu:
    """Opens the limit-order menu on a right click inside ``plot``'s view box."""

    def __init__(
        self,
        plot: pg.PlotItem,
        parent: QWidget,
        on_choice: Choice,
        enabled: Callable[[], bool],
    ) -> None:
        self.plot = plot
        self.parent = parent
        self._on_choice = on_choice
        self._enabled = enabled
        self.menu: QMenu | None = None  # the last menu opened (tests pick an entry from it)
        plot.scene().sigMouseClicked.connect(self._on_click)

    def _on_click(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.RightButton or ev.isAccepted() or not self._enabled():
            return
        pos = ev.scenePos()
        vb = self.plot.vb
        if not vb.sceneBoundingRect().contains(pos):
            return
        menu = self.menu_at(vb.mapSceneToView(pos).y())
        if menu is not None:
            ev.accept()
            menu.popup(ev.screenPos().toPoint())

    def menu_at(self, y: float) -> QMenu | None:
        """The menu for a click at price ``y`` (None where no price can be offered)."""
        price = tick_price(y)
        if price is None:
            return None
        if self.menu is not None:
            self.menu.deleteLater()
        menu = QMenu(self.parent)
        menu.setObjectName("chartPriceMenu")
        for side, text in ((Side.BUY, "Buy"), (Side.SELL, "Sell")):
            action = menu.addAction(f"{text} limit at {price:,}")
            action.setData(side.value)
            action.triggered.connect(lambda _=False, s=side: self._on_choice(s, price))
        self.menu = menu
        return menu
