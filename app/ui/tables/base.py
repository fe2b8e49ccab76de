"""A declarative table model keyed by id: rows are inserted, updated in place or removed.

Columns are :class:`Column` (header, text getter, optional colour and
alignment). ``upsert`` changes one row and emits ``dataChanged`` for that row
only; ``replace_all`` keeps rows whose keys survive, so views keep selection.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.ui import theme

T = TypeVar("T")
NEW_YORK = ZoneInfo("America/New_York")
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    text: Callable[[T], str]
    color: Callable[[T], str | None] | None = None
    numeric: bool = False
    width: int | None = None  # pixels, for a column narrower than the table's default


class KeyedTableModel(QAbstractTableModel, Generic[T]):
    """Rows of ``T`` keyed by ``key(row)``; newest first when ``newest_first``."""

    def __init__(
        self,
        columns: list[Column[T]],
        key: Callable[[T], Hashable],
        *,
        newest_first: bool = False,
        max_rows: int | None = None,
    ) -> None:
        super().__init__()
        self.columns = columns
        self.key = key
        self.newest_first = newest_first
        self.max_rows = max_rows
        self.rows: list[T] = []
        # key -> insertion number; a row's position follows from it in O(1), because
        # rows are only added at one end and trimmed at the other (else reindexed)
        self._seq: dict[Hashable, int] = {}
        self._first = 0  # insertion number of the oldest row
        self._next = 0

    # --- Qt ---
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ForegroundRole and column.color is not None:
            name = column.color(row)
            return QColor(name) if name else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    # --- updates ---
    def row_of(self, key: Hashable) -> int | None:
        seq = self._seq.get(key)
        if seq is None:
            return None
        offset = seq - self._first
        return len(self.rows) - 1 - offset if self.newest_first else offset

    def item(self, key: Hashable) -> T | None:
        position = self.row_of(key)
        return None if position is None else self.rows[position]

    def upsert(self, item: T) -> None:
        key = self.key(item)
        position = self.row_of(key)
        if position is not None:
            self.rows[position] = item
            self.dataChanged.emit(
                self.index(position, 0), self.index(position, len(self.columns) - 1)
            )
            return
        at = 0 if self.newest_first else len(self.rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self.rows.insert(at, item)
        self._seq[key] = self._next
        self._next += 1
        self.endInsertRows()
        if self.max_rows is not None and len(self.rows) > self.max_rows:
            oldest = len(self.rows) - 1 if self.newest_first else 0
            self.beginRemoveRows(QModelIndex(), oldest, oldest)
            self._seq.pop(self.key(self.rows[oldest]), None)
            del self.rows[oldest]
            self._first += 1
            self.endRemoveRows()

    def remove(self, key: Hashable) -> None:
        position = self.row_of(key)
        if position is None:
            return
        self.beginRemoveRows(QModelIndex(), position, position)
        del self.rows[position]
        self.endRemoveRows()
        self._reindex()

    def replace_all(self, items: Iterable[T]) -> None:
        """Make the table hold exactly ``items``: update, insert, remove as needed."""
        wanted = list(items)
        keys = {self.key(item) for item in wanted}
        for key in [k for k in self._seq if k not in keys]:
            self.remove(key)
        for item in wanted:
            self.upsert(item)

    def clear(self) -> None:
        self.beginResetModel()
        self.rows.clear()
        self._seq.clear()
        self._first = self._next = 0
        self.endResetModel()

    def _reindex(self) -> None:
        ordered = reversed(self.rows) if self.newest_first else iter(self.rows)
        self._seq = {self.key(row): i for i, row in enumerate(ordered)}
        self._first, self._next = 0, len(self.rows)


# --- formatting ---------------------------------------------------------------------------


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def signed_money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "") + money(value)


def pct(value: Decimal | float | None) -> str:
    if value is None:
        return ""
    return f"{Decimal(str(value)):+.2f}%"


def qty(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value.normalize():f}"


def price(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def clock_time(when: datetime | None) -> str:
    return "" if when is None else when.astimezone(NEW_YORK).strftime("%H:%M:%S")


def pnl_color(value: Decimal | None) -> str | None:
    if value is None or value == 0:
        return None
    return theme.colors().gain if value > 0 else theme.colors().loss
