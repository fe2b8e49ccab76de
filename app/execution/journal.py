"""The order journal: OrderRow / FillRow persistence, the write-ahead log of every order.

Every new order's row (NEW, with its client order id) is committed here before
the broker sees the order; SQLite is the only write-ahead log. Every fill is
inserted (unique ``execution_id``) together with its order's new state in one
transaction. Rows convert to and from domain objects here and nowhere else.

The journal is handed the database it works on; every query runs on it
(``query.execute(db)``), never on a process-wide binding. Its writes, on the
path of every order, are plain SQL statements run with ``db.execute_sql``
(Peewee's query builder costs several times what SQLite does for them); the
values are the text the Peewee fields store (:mod:`app.storage.fields`), so
Peewee reads the rows back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from peewee import Database, IntegrityError

from app.calendar import settlement_date, trade_date
from app.core.models import (
    TERMINAL_STATUSES,
    Fill,
    Order,
    OrderRequest,
    OrderSource,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from app.core.money import ZERO
from app.storage.fields import decimal_text, utc_text
from app.storage.rows import fill_from_row
from app.storage.tables import FillRow, OrderRow

_TERMINAL = [s.value for s in TERMINAL_STATUSES]

_ORDER_COLUMNS = (
    "client_order_id", "broker_order_id", "symbol", "side", "order_type", "quantity", "notional",
    "limit_price", "time_in_force", "extended_hours", "source", "status", "filled_quantity",
    "average_fill_price", "reason", "created_at", "updated_at",
)  # fmt: skip
# What can change on a journaled order (the request itself never changes).
_PROGRESS = ("broker_order_id", "quantity", "status", "filled_quantity", "average_fill_price",
             "reason", "updated_at")  # fmt: skip
_ORDER_UPSERT = (
    f"INSERT INTO order_row ({', '.join(_ORDER_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _ORDER_COLUMNS)}) ON CONFLICT (client_order_id) "
    f"DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _PROGRESS)}"
)
_FILL_INSERT = (
    "INSERT INTO fill_row (execution_id, client_order_id, symbol, side, quantity, price, fee, "
    "time, trade_date, settlement_date, applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
)
_MARK_APPLIED = "UPDATE fill_row SET applied = 1 WHERE execution_id = ?"


def _order_values(order: Order) -> tuple[Any, ...]:
    request = order.request
    return (
        order.client_order_id,
        order.broker_order_id,
        request.symbol,
        request.side.value,
        request.order_type.value,
        decimal_text(order.quantity),
        decimal_text(request.notional),
        decimal_text(request.limit_price),
        request.time_in_force.value,
        1 if request.extended_hours else 0,
        request.source.value,
        order.status.value,
        decimal_text(order.filled_quantity),
        decimal_text(order.average_fill_price),
        order.reason,
        utc_text(order.created_at),
        utc_text(order.updated_at or order.created_at),
    )


def row_to_order(row: OrderRow, fill_ids: Iterable[str] = ()) -> Order:
    """Rebuild an :class:`Order` from its journal row (and its known fill ids)."""
    notional: Decimal | None = row.notional
    quantity: Decimal | None = row.quantity
    request = OrderRequest(
        symbol=row.symbol,
        side=Side(row.side),
        quantity=None if notional is not None else quantity,
        notional=notional,
        order_type=OrderType(row.order_type),
        limit_price=row.limit_price,
        time_in_force=TimeInForce(row.time_in_force),
        extended_hours=bool(row.extended_hours),
        source=OrderSource(row.source),
    )
    return Order(
        client_order_id=row.client_order_id,
        request=request,
        created_at=row.created_at,
        status=OrderStatus(row.status),
        updated_at=row.updated_at,
        broker_order_id=row.broker_order_id,
        quantity=quantity,
        filled_quantity=row.filled_quantity or ZERO,
        average_fill_price=row.average_fill_price,
        reason=row.reason or "",
        fill_ids=list(fill_ids),
    )


class Journal:
    """Reads and writes the order journal in ``db``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- orders ------------------------------------------------------------------------------

    def write_order(self, order: Order) -> None:
        """Insert or update the order's row (one statement: committed when this returns,
        unless the caller holds a transaction)."""
        self.db.execute_sql(_ORDER_UPSERT, _order_values(order))

    def load_order(self, client_order_id: str) -> Order | None:
        row = OrderRow.select().where(OrderRow.client_order_id == client_order_id).first(self.db)
        if row is None:
            return None
        return row_to_order(row, self.fill_ids(client_order_id))

    def open_orders(self) -> list[Order]:
        """Orders not in a terminal state, oldest first."""
        query = OrderRow.select().where(OrderRow.status.not_in(_TERMINAL)).order_by(OrderRow.id)
        return self._with_fills(query)

    def recent_orders(self, limit: int = 200) -> list[Order]:
        """Newest first."""
        return self._with_fills(OrderRow.select().order_by(OrderRow.id.desc()).limit(limit))

    def _with_fills(self, query: Any) -> list[Order]:
        """The orders ``query`` selects, each with its fill ids (two queries in all)."""
        rows = list(query.execute(self.db))
        chosen = query.select(OrderRow.client_order_id)  # the same orders, as a subquery
        fills = (
            FillRow.select(FillRow.client_order_id, FillRow.execution_id)
            .where(FillRow.client_order_id.in_(chosen))
            .order_by(FillRow.id)
        )
        ids: dict[str, list[str]] = {}
        for fill in fills.execute(self.db):
            ids.setdefault(fill.client_order_id, []).append(fill.execution_id)
        return [row_to_order(row, ids.get(row.client_order_id, ())) for row in rows]

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in OrderRow.select(OrderRow.status).execute(self.db):
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    def first_open_order_time(self) -> datetime | None:
        query = OrderRow.select().where(OrderRow.status.not_in(_TERMINAL))
        row = query.order_by(OrderRow.created_at).first(self.db)
        return None if row is None else row.created_at

    # --- fills -------------------------------------------------------------------------------

    def fill_ids(self, client_order_id: str) -> list[str]:
        query = (
            FillRow.select(FillRow.execution_id)
            .where(FillRow.client_order_id == client_order_id)
            .order_by(FillRow.id)
        )
        return [r.execution_id for r in query.execute(self.db)]

    def record_fill(self, fill: Fill, order: Order) -> bool:
        """Insert the fill and write the order's new state, in one transaction.

        Returns False (writing nothing) when the execution id is journaled already.
        """
        day = trade_date(fill.time)
        values = (
            fill.execution_id, fill.client_order_id, fill.symbol, fill.side.value,
            decimal_text(fill.quantity), decimal_text(fill.price), decimal_text(fill.fee),
            utc_text(fill.time), day.isoformat(), settlement_date(day).isoformat(),
        )  # fmt: skip
        try:
            with self.db.atomic():
                self.db.execute_sql(_FILL_INSERT, values)
                self.write_order(order)
        except IntegrityError:  # the execution id is journaled already: nothing written
            return False
        return True

    def mark_applied(self, execution_id: str) -> None:
        """The fill's effects (portfolio, compliance) are recorded (inside their transaction)."""
        self.db.execute_sql(_MARK_APPLIED, (execution_id,))

    def unapplied_fills(self) -> list[Fill]:
        """Journaled fills whose effects were never recorded (a crash in between), oldest first."""
        query = FillRow.select().where(FillRow.applied == False)  # noqa: E712
        return [fill_from_row(r) for r in query.order_by(FillRow.time, FillRow.id).execute(self.db)]

    def recent_fills(self, limit: int = 200) -> list[Fill]:
        query = FillRow.select().order_by(FillRow.id.desc()).limit(limit)
        return [fill_from_row(r) for r in query.execute(self.db)]

    def fill_count(self) -> int:
        return int(FillRow.select().count(self.db))

    def last_fill_time(self) -> datetime | None:
        row = FillRow.select().order_by(FillRow.time.desc()).first(self.db)
        return None if row is None else row.time
