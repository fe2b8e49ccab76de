"""Table views for the bottom docks, with their context actions.

Positions: close position. Orders: cancel (open orders only). Log: a level
filter. The actions emit signals; the main window sends the commands.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.models import Order
from app.ui.tables.base import KeyedTableModel
from app.ui.tables.models import LevelFilter, LogRow

MIN_ROWS = 5  # a bottom pane always shows this many rows


def make_table(model: QAbstractItemModel, parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent)
    _configure(view, model)
    return view


def _row_at(view: QTableView, point: QPoint) -> Any:
    index = view.indexAt(point)
    if not index.isValid():
        return None
    return view.model().data(index, Qt.ItemDataRole.UserRole)


class PositionsView(QTableView):
    closeRequested = Signal(str)  # symbol

    def __init__(self, model: KeyedTableModel[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _configure(self, model)
        self.customContextMenuRequested.connect(self._menu)

    def _menu(self, point: QPoint) -> None:
        row = _row_at(self, point)
        if row is None:
            return
        menu = QMenu(self)
        action = QAction(f"Close position {row.symbol}", menu)
        action.triggered.connect(lambda: self.closeRequested.emit(row.symbol))
        menu.addAction(action)
        menu.popup(self.viewport().mapToGlobal(point))


class OrdersView(QTableView):
    cancelRequested = Signal(str)  # client order id

    def __init__(self, model: KeyedTableModel[Order], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _configure(self, model)
        self.customContextMenuRequested.connect(self._menu)

    def _menu(self, point: QPoint) -> None:
        order = _row_at(self, point)
        if order is None:
            return
        menu = QMenu(self)
        action = QAction("Cancel order", menu)
        action.setEnabled(order.status.is_open)
        action.triggered.connect(lambda: self.cancelRequested.emit(order.client_order_id))
        menu.addAction(action)
        menu.popup(self.viewport().mapToGlobal(point))


def _configure(view: QTableView, model: QAbstractItemModel) -> None:
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    header.setDefaultSectionSize(88)
    for index, column in enumerate(getattr(model, "columns", ())):
        if column.width is not None:
            header.resizeSection(index, column.width)
    # at least five rows under the header, with room for the horizontal scroll bar
    rows = view.verticalHeader().defaultSectionSize() * MIN_ROWS
    view.setMinimumHeight(header.sizeHint().height() + rows + 16)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class LogPane(QWidget):
    """The log table with a minimum-level filter."""

    def __init__(
        self,
        model: KeyedTableModel[LogRow],
        handler: logging.Handler | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.handler = handler
        self.proxy = LevelFilter(logging.INFO)
        self.proxy.setSourceModel(model)
        self.level = QComboBox()
        self.level.addItems(LEVELS)
        self.level.setCurrentText("INFO")
        self.level.currentTextChanged.connect(self.set_level)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 2)
        top.addWidget(QLabel("Level"))
        top.addWidget(self.level)
        top.addStretch(1)
        self.table = make_table(self.proxy, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.table)

    def set_level(self, name: str) -> None:
        """Show rows at or above ``name``; the handler records down to it from now on."""
        level = logging.getLevelNamesMapping()[name]
        self.proxy.set_level(level)
        if self.handler is not None:
            self.handler.setLevel(min(level, logging.INFO))
