"""The watchlist dock: an add box, a message line and the table with a sparkline per row.

The pane shows what it is given (:class:`~app.ui.watchlist_model.WatchlistModel`)
and emits what the user asks: add a symbol, remove one, look at one (a click or
the arrow keys on a row). Rows are dragged to reorder (the model moves them).
The sparkline column is painted by :class:`SparklineDelegate`: one polyline per
visible row, no widget per row. Whether a symbol exists is for market data to
say (see :mod:`app.ui.watchlist_link`); the pane only shows the answer.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPoint,
    QPointF,
    QSize,
    Qt,
)
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QAction, QColor, QKeyEvent, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui import theme
from app.ui.watchlist_model import COLUMNS, SPARK_COLUMN, SparkRole, WatchlistModel, WatchRow

ROW_HEIGHT = 24
# Symbol, Last, Chg, Chg %, Bid, Ask, Volume, Today: narrow, so the dock stays narrow
WIDTHS = (58, 62, 54, 58, 58, 58, 56, 74)
SPARK_PAD = 3
PIXELS_PER_POINT = 3
SESSION_POINTS = 78  # 6.5 hours of 5-minute points: a day under way fills from the left


class SparklineDelegate(QStyledItemDelegate):
    """Paints a row's intraday prices as a polyline, green above the previous close, red
    below, with the previous close as a dotted line."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | Any
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:  # background and selection as the other cells
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        row = index.data(SparkRole)
        if isinstance(row, WatchRow) and len(row.spark) >= 2:
            self._draw(painter, opt.rect, row)

    @staticmethod
    def _draw(painter: QPainter, rect: Any, row: WatchRow) -> None:
        values = row.spark
        base = float(row.prev_close) if row.prev_close is not None else None
        low = min(values) if base is None else min(min(values), base)
        high = max(values) if base is None else max(max(values), base)
        span = high - low or 1.0
        left = rect.left() + SPARK_PAD
        width = rect.width() - 2 * SPARK_PAD
        top = rect.top() + SPARK_PAD
        height = rect.height() - 2 * SPARK_PAD
        # a regular session of 5-minute points spans the cell; a longer day is squeezed in
        step = width / max(len(values) - 1, SESSION_POINTS)
        # a point every few pixels draws the same small line as all of them, for less
        k = max(1, math.ceil(len(values) / max(width / PIXELS_PER_POINT, 1)))
        shown = list(range(0, len(values), k))
        if shown[-1] != len(values) - 1:
            shown.append(len(values) - 1)

        def y(value: float) -> float:
            return top + height * (high - value) / span

        colors = theme.colors()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if base is not None:
            pen = QPen(QColor(colors.muted))
            pen.setStyle(Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.drawLine(QPointF(left, y(base)), QPointF(left + width, y(base)))
        up = base is None or values[-1] >= base
        pen = QPen(QColor(colors.gain if up else colors.loss))
        pen.setWidthF(1.2)
        painter.setPen(pen)
        line = QPolygonF([QPointF(left + i * step, y(values[i])) for i in shown])
        painter.drawPolyline(line)
        painter.restore()


class WatchlistTable(QTableView):
    """The rows; Delete removes the selected one."""

    removeRequested = QtSignal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            symbol = self.current_symbol()
            if symbol:
                self.removeRequested.emit(symbol)
                return
        super().keyPressEvent(event)

    def current_symbol(self) -> str | None:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        if not rows:
            return None
        row = rows[0].data(Qt.ItemDataRole.UserRole)
        return row.symbol if isinstance(row, WatchRow) else None


class WatchlistPane(QWidget):
    """See the module docstring."""

    addRequested = QtSignal(str)  # the text typed (market data decides if it is a symbol)
    removeRequested = QtSignal(str)
    symbolSelected = QtSignal(str)  # the user chose a row: point the terminal at it

    def __init__(self, model: WatchlistModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("watchlist")
        self.model = model
        self._shown: str | None = None  # the symbol the terminal looks at
        self.input = QLineEdit()
        self.input.setObjectName("watchlistAdd")
        self.input.setPlaceholderText("Add symbol…")
        self.input.setClearButtonEnabled(True)
        self.input.returnPressed.connect(self._add)
        self.input.textEdited.connect(lambda _t: self.show_error(""))
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self._add)
        self.message = QLabel()
        self.message.setObjectName("watchlistMessage")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.hide()
        self.table = WatchlistTable()
        self._configure(self.table)
        self.table.removeRequested.connect(self.removeRequested)
        top = QHBoxLayout()
        top.setContentsMargins(4, 4, 4, 0)
        top.addWidget(self.input, 1)
        top.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

    def _configure(self, view: QTableView) -> None:
        view.setModel(self.model)
        view.setItemDelegateForColumn(SPARK_COLUMN, SparklineDelegate(view))
        view.setAlternatingRowColors(True)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        view.setDefaultDropAction(Qt.DropAction.MoveAction)
        view.setDragDropOverwriteMode(False)
        view.setDropIndicatorShown(True)
        view.verticalHeader().setVisible(False)
        view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(36)
        for column in range(len(WIDTHS)):
            view.setColumnWidth(column, self._column_width(column))
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._menu)
        view.selectionModel().selectionChanged.connect(self._selection_changed)

    def preferred_width(self) -> int:
        """The width that shows every column without a scroll bar."""
        scroll = self.table.verticalScrollBar().sizeHint().width()
        columns = sum(self._column_width(c) for c in range(len(WIDTHS)))
        return columns + self.table.frameWidth() * 2 + scroll + 2

    def _column_width(self, column: int) -> int:
        """The column's width: its share of the pane, or what the theme's header needs."""
        return max(WIDTHS[column], self.table.horizontalHeader().sectionSizeHint(column))

    def sizeHint(self) -> QSize:
        """Wide enough for every column: the dock opens at this width."""
        return QSize(self.preferred_width(), super().sizeHint().height())

    # --- what the user does ---
    def _add(self) -> None:
        text = self.input.text().strip()
        if text:
            self.addRequested.emit(text)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        symbol = self.table.current_symbol()
        if symbol is not None and symbol != self._shown:
            self._shown = symbol
            self.symbolSelected.emit(symbol)

    def _menu(self, point: QPoint) -> None:
        index = self.table.indexAt(point)
        if not index.isValid():
            return
        row = index.row()
        symbol = self.model.rows[row].symbol
        menu = QMenu(self)
        actions = [
            (f"Remove {symbol}", True, lambda: self.removeRequested.emit(symbol)),
            ("Move up", row > 0, lambda: self.model.move(row, row - 1)),
            ("Move down", row < len(self.model.rows) - 1, lambda: self.model.move(row, row + 1)),
        ]
        for text, enabled, slot in actions:
            action = QAction(text, menu)
            action.setEnabled(enabled)
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(point))

    # --- what the pane is told ---
    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def added(self, symbol: str) -> None:
        """``symbol`` is in the list now: clear the box and the message."""
        self.input.clear()
        self.show_error("")

    def select(self, symbol: str) -> None:
        """Show ``symbol``'s row as the current one (the terminal already looks at it)."""
        self._shown = symbol
        position = self.model.row_of(symbol)
        selection = self.table.selectionModel()
        if position is None:
            selection.clearSelection()
            return
        self.table.selectRow(position)
        self.table.scrollTo(self.model.index(position, 0))


__all__ = ["COLUMNS", "SparklineDelegate", "WatchlistPane", "WatchlistTable"]
