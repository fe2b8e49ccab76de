"""The watchlist's table: one row per symbol, updated in place from quotes, repainted at 10 Hz.

A row keeps the symbol's latest quote, the previous close (change and % change
are against it), the volume traded today and today's price every five
minutes (the sparkline). :meth:`WatchlistModel.on_quote` is O(1) and only marks
the row; a 10 Hz timer emits one ``dataChanged`` over the rows that changed,
so 50 symbols quoting 10 times a second cost ten small repaints a second, never a
reset. Rows are reordered by dragging (the model moves the row) or by
:meth:`WatchlistModel.move`. The model renders state: it decides nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor

from app.calendar import NEW_YORK
from app.core.models import Bar, Quote
from app.ui import theme
from app.ui.tables.base import pct, price

Index = QModelIndex | QPersistentModelIndex

REPAINT_MS = 100  # at most ten repaints a second, whatever the quote rate
SPARK_SECONDS = 300  # one sparkline point per five minutes of the day
COLUMNS = ("Symbol", "Last", "Chg", "Chg %", "Bid", "Ask", "Volume", "Today")
SPARK_COLUMN = COLUMNS.index("Today")
SparkRole = Qt.ItemDataRole.UserRole + 1  # the row, for the sparkline delegate
# Roles and flags as plain ints: a table asks for them thousands of times a second
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ROW_ROLES = (int(Qt.ItemDataRole.UserRole.value), int(SparkRole))
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_CELL_FLAGS = (
    Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
)  # fmt: skip
MIME = "application/x-sherwood-watchlist-symbol"


def _ny_date(when: datetime) -> date:
    return when.astimezone(NEW_YORK).date()


def volume_text(volume: int) -> str:
    """1234 -> 1,234; 1234567 -> 1.23M: a volume fits a narrow column."""
    if volume >= 1_000_000_000:
        return f"{volume / 1e9:.2f}B"
    if volume >= 1_000_000:
        return f"{volume / 1e6:.2f}M"
    if volume >= 10_000:
        return f"{volume / 1e3:.1f}K"
    return f"{volume:,}"


@dataclass(slots=True)
class WatchRow:
    """What the watchlist shows for one symbol."""

    symbol: str
    quote: Quote | None = None
    prev_close: Decimal | None = None
    day: date | None = None  # the New York date ``volume`` and ``spark`` are of
    volume: int = 0
    spark: list[float] = field(default_factory=list)  # a price per 5 minutes, today
    spark_slot: float = -math.inf  # start (epoch) of the newest point's 5 minutes

    @property
    def change(self) -> Decimal | None:
        if self.quote is None or self.prev_close is None:
            return None
        return self.quote.last - self.prev_close

    @property
    def change_pct(self) -> Decimal | None:
        change = self.change
        if change is None or not self.prev_close:
            return None
        return change / self.prev_close * 100

    def apply(self, quote: Quote) -> bool:
        """Take a quote; True when it opened a new day (the baseline wants reloading)."""
        day = _ny_date(quote.time)
        new_day = self.day is not None and day != self.day
        if new_day:
            last = self.quote.last if self.quote is not None else None
            self.prev_close = last if last is not None else self.prev_close
            self.volume = 0
            self.spark = []
            self.spark_slot = -math.inf
        self.day = day
        self.quote = quote
        self.volume += quote.volume
        self._add_point(quote.time.timestamp(), float(quote.last))
        return new_day

    def _add_point(self, ts: float, value: float) -> None:
        slot = ts - ts % SPARK_SECONDS
        if slot == self.spark_slot and self.spark:
            self.spark[-1] = value
        elif slot > self.spark_slot:
            self.spark.append(value)
            self.spark_slot = slot

    def set_baseline(self, prev_close: Decimal | None, today: Sequence[Bar], day: date) -> None:
        """The previous close and today's bars so far (from history); live quotes follow."""
        self.prev_close = prev_close
        self.day = day
        self.volume = sum(bar.volume for bar in today)
        self.spark = []
        self.spark_slot = -math.inf
        for bar in today:
            self._add_point(bar.start.timestamp(), float(bar.close))
        if self.quote is not None and _ny_date(self.quote.time) == day:
            self._add_point(self.quote.time.timestamp(), float(self.quote.last))


def _color(value: Decimal | None) -> str | None:
    if value is None or value == 0:
        return None
    colors = theme.colors()
    return colors.gain if value > 0 else colors.loss


class WatchlistModel(QAbstractTableModel):
    """The rows in the user's order; see the module docstring."""

    orderChanged = Signal()  # rows added, removed or moved: the list to save

    def __init__(self, symbols: Iterable[str] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[WatchRow] = [WatchRow(s) for s in dict.fromkeys(symbols)]
        self._dirty: set[str] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(REPAINT_MS)
        self.timer.timeout.connect(self.flush)
        self.timer.start()

    # --- the list ---
    def symbols(self) -> list[str]:
        return [row.symbol for row in self.rows]

    def row_of(self, symbol: str) -> int | None:
        for position, row in enumerate(self.rows):  # a watchlist holds tens of rows
            if row.symbol == symbol:
                return position
        return None

    def row(self, symbol: str) -> WatchRow | None:
        position = self.row_of(symbol)
        return None if position is None else self.rows[position]

    def add(self, symbol: str) -> bool:
        """Append ``symbol``; False when it is already listed."""
        if self.row_of(symbol) is not None:
            return False
        end = len(self.rows)
        self.beginInsertRows(QModelIndex(), end, end)
        self.rows.append(WatchRow(symbol))
        self.endInsertRows()
        self.orderChanged.emit()
        return True

    def remove(self, symbol: str) -> bool:
        position = self.row_of(symbol)
        if position is None:
            return False
        self.beginRemoveRows(QModelIndex(), position, position)
        del self.rows[position]
        self.endRemoveRows()
        self._dirty.discard(symbol)
        self.orderChanged.emit()
        return True

    def move(self, source: int, target: int) -> bool:
        """Move row ``source`` so that it ends up at position ``target``."""
        count = len(self.rows)
        if not (0 <= source < count and 0 <= target < count) or source == target:
            return False
        # Qt's destination is the row the moved one goes before (in the old numbering)
        before = target + 1 if target > source else target
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), before)
        self.rows.insert(target, self.rows.pop(source))
        self.endMoveRows()
        self.orderChanged.emit()
        return True

    # --- quotes ---
    def on_quote(self, quote: Quote) -> bool:
        """Update the symbol's row (repainted at the next tick); True when a new day began."""
        row = self.row(quote.symbol)
        if row is None:
            return False
        self._dirty.add(quote.symbol)
        return row.apply(quote)

    def set_baseline(
        self, symbol: str, prev_close: Decimal | None, today: Sequence[Bar], day: date
    ) -> None:
        row = self.row(symbol)
        if row is not None:
            row.set_baseline(prev_close, today, day)
            self._dirty.add(symbol)

    def flush(self) -> None:
        """Repaint the rows that changed since the last tick (one signal for them all)."""
        dirty, self._dirty = self._dirty, set()
        positions = [p for p, row in enumerate(self.rows) if row.symbol in dirty]
        if positions:
            top, bottom = self.index(min(positions), 1), self.index(max(positions), SPARK_COLUMN)
            self.dataChanged.emit(top, bottom)

    # --- Qt ---
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and 0 < section < SPARK_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        role = int(role)
        if role == _DISPLAY:
            return self._text(row, column)
        if role == _FOREGROUND and column in (1, 2, 3):
            if column == 1 and row.quote is not None and row.quote.halted:
                return None  # "halted" in the text colour: it is no price move
            name = _color(row.change)
            return QColor(name) if name else None
        if role == _ALIGN and 0 < column < SPARK_COLUMN:
            return _RIGHT
        if role == _TOOLTIP and column == 0 and row.quote is not None:
            state = " (stale)" if row.quote.stale else ""
            if row.quote.halted:
                state = f" (trading halted; last {price(row.quote.last)})"
            close = f" · previous close {price(row.prev_close)}" if row.prev_close else ""
            return f"{row.symbol}{state}{close}"
        if role in _ROW_ROLES:
            return row
        return None

    @staticmethod
    def _text(row: WatchRow, column: int) -> str:
        quote = row.quote
        if column == 0:
            return row.symbol
        if quote is None:
            return "…" if column == 1 else ""
        if column == 1:
            return "halted" if quote.halted else price(quote.last)
        if column == 2:
            change = row.change
            return "" if change is None else f"{change:+,.2f}"
        if column == 3:
            return pct(row.change_pct)
        if column == 4:
            return price(quote.bid)
        if column == 5:
            return price(quote.ask)
        if column == 6:
            return volume_text(row.volume)
        return ""

    # --- drag to reorder ---
    def flags(self, index: Index) -> Qt.ItemFlag:
        return _CELL_FLAGS if index.isValid() else Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        if indexes:
            data.setData(MIME, QByteArray(self.rows[indexes[0].row()].symbol.encode()))
        return data

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        """A dragged row dropped between rows (``row``) or on one (``parent``): moved there.

        The view then asks to remove the dragged rows (a move); this model has no
        ``removeRows``, so that request changes nothing: the row was moved here.
        """
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME):
            return False
        source = self.row_of(bytes(data.data(MIME).data()).decode())
        if source is None:
            return False
        if row < 0 and parent.isValid():
            target = parent.row()  # dropped on a row: it takes that row's place
        else:
            gap = len(self.rows) if row < 0 else row  # dropped before row ``gap``
            target = gap - 1 if gap > source else gap  # the gap counts the dragged row itself
        self.move(source, min(max(target, 0), len(self.rows) - 1))
        return True
