"""The order journal: OrderRow / FillRow persistence, written ahead of the broker.

Every new order is recorded with its client order id before the broker sees
it: in the append-only intent log (:meth:`Journal.write_ahead`, see
:mod:`app.execution.intent_log`), then as its SQLite row right after the
broker's answer; on start the log is replayed into SQLite. Every fill is
inserted (unique ``execution_id``) together with its order's new state in one
transaction. Rows convert to and from domain objects here and nowhere else.

The hot path (:meth:`Journal.write_order`, :meth:`Journal.record_fill`) runs
precompiled SQL through ``db.execute_sql``: one upsert statement per order
change (SQLite commits it on its own), and one transaction of two statements
per fill; nothing is read back. Values are converted exactly as the
:class:`~app.storage.fields.DecimalText` / ``UtcDateTime`` fields convert
them, so Peewee reads of the same rows stay correct.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

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
from app.execution.intent_log import IntentLog, intent_log_path
from app.storage.fast_tx import fast_atomic
from app.storage.fields import decimal_text, utc_text
from app.storage.rows import fill_from_row
from app.storage.tables import FillRow, OrderRow

log = logging.getLogger(__name__)

_ORDER_COLUMNS = (
    "client_order_id", "broker_order_id", "symbol", "side", "order_type", "quantity", "notional",
    "limit_price", "time_in_force", "extended_hours", "source", "status", "filled_quantity",
    "average_fill_price", "reason", "created_at", "updated_at",
)  # fmt: skip
_ORDER_UPSERT = (
    f"INSERT INTO order_row ({', '.join(_ORDER_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _ORDER_COLUMNS)}) "
    "ON CONFLICT (client_order_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _ORDER_COLUMNS[1:])
)
# What can change on a journaled order (the request itself never changes).
_ORDER_PROGRESS = (
    "UPDATE order_row SET broker_order_id = ?, quantity = ?, status = ?, filled_quantity = ?, "
    "average_fill_price = ?, reason = ?, updated_at = ? WHERE client_order_id = ?"
)
_FILL_INSERT = (
    "INSERT INTO fill_row (execution_id, client_order_id, symbol, side, quantity, price, fee, "
    "time, trade_date, settlement_date, applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
)


def _order_params(order: Order) -> tuple[Any, ...]:
    request = order.request
    created = utc_text(order.created_at)
    # a NEW order's two times are one object: format it once (~4 us of the write-ahead path)
    updated = created if order.updated_at is order.created_at else utc_text(order.updated_at)
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
        created,
        updated,
    )


# An intent record: what a NEW order's row holds beyond the defaults, in this order, as
# text joined by the unit separator (no field can contain it or a newline: symbols are
# normalized, ids are UUIDs, numbers are decimal text; "" is None). The creation time is
# written as whole microseconds since the epoch (formatting ISO text costs more, and is
# done when the record is read back).
INTENT_FIELDS = (
    "client_order_id", "symbol", "side", "order_type", "quantity", "notional", "limit_price",
    "time_in_force", "extended_hours", "source", "created_at",
)  # fmt: skip
_SEP = "\x1f"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _intent_record(order: Order) -> str:
    """A NEW order's intent record (enum members are str: they format as their value)."""
    request = order.request
    quantity = order.quantity
    notional = request.notional
    limit = request.limit_price
    return (
        f"{order.client_order_id}\x1f{request.symbol}\x1f{request.side}\x1f"
        f"{request.order_type}\x1f{'' if quantity is None else quantity}\x1f"
        f"{'' if notional is None else notional}\x1f{'' if limit is None else limit}\x1f"
        f"{request.time_in_force}\x1f{1 if request.extended_hours else 0}\x1f"
        f"{request.source}\x1f{round(order.created_at.timestamp() * 1_000_000)}"
    )


def intent_fields(record: str) -> dict[str, str | None] | None:
    """An intent record's fields by name (None if it is malformed, e.g. torn by a crash)."""
    values = record.split(_SEP)
    if len(values) != len(INTENT_FIELDS) or not values[-1].isdigit():
        return None
    values[-1] = utc_text(_EPOCH + timedelta(microseconds=int(values[-1])))
    return {name: value or None for name, value in zip(INTENT_FIELDS, values, strict=True)}


def _row_from_intent(record: str) -> tuple[Any, ...] | None:
    """The journal row params of a NEW order from its intent record (None if malformed)."""
    fields = intent_fields(record)
    if fields is None:
        return None
    f = fields
    return (
        f["client_order_id"], None, f["symbol"], f["side"], f["order_type"], f["quantity"],
        f["notional"], f["limit_price"], f["time_in_force"], int(f["extended_hours"] or 0),
        f["source"], OrderStatus.NEW.value, "0", None, "", f["created_at"], f["created_at"],
    )  # fmt: skip


def _progress_params(order: Order) -> tuple[Any, ...]:
    return (
        order.broker_order_id,
        decimal_text(order.quantity),
        order.status.value,
        decimal_text(order.filled_quantity),
        decimal_text(order.average_fill_price),
        order.reason,
        utc_text(order.updated_at),
        order.client_order_id,
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


_ORDER_INSERT_NEW = (
    f"INSERT INTO order_row ({', '.join(_ORDER_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _ORDER_COLUMNS)}) ON CONFLICT (client_order_id) DO NOTHING"
)


class Journal:
    """Reads and writes the order journal in the bound database (and its intent log)."""

    def __init__(self) -> None:
        self.intents = IntentLog(None)

    def open_intents(self) -> int:
        """Open the database's intent log, replay what it holds into SQLite, empty it.

        Returns how many orders were recovered (written ahead, but with no row:
        the app stopped between the two writes). They are journaled as they were
        written, NEW, and reconciliation asks the broker about them.
        """
        self.intents.close()
        self.intents = IntentLog(intent_log_path(str(self.db.database)))
        records = self.intents.records()
        recovered = 0
        if records:
            db = self.db
            with db.atomic():
                for record in records:
                    params = _row_from_intent(record)
                    if params is None:
                        log.warning("intent log: a torn record skipped: %r", record[:80])
                        continue
                    recovered += db.execute_sql(_ORDER_INSERT_NEW, params).rowcount
            if recovered:
                log.warning("recovered %d order(s) written ahead but not journaled", recovered)
        self.intents.clear()
        return recovered

    def close(self) -> None:
        self.intents.close()

    @property
    def db(self):  # type: ignore[no-untyped-def]  # peewee's Database is untyped
        return OrderRow._meta.database

    # --- orders ------------------------------------------------------------------------------

    def write_ahead(self, order: Order) -> None:
        """Record a NEW order in the intent log (see :mod:`app.execution.intent_log`)."""
        self.intents.append(_intent_record(order))

    def write_order(self, order: Order, journaled: bool = False) -> None:
        """Insert or update the order's row (one statement), committed when this returns.

        ``journaled`` says the row exists already: a plain UPDATE then does (an
        upsert follows only if it found no row).
        """
        db = self.db
        if journaled and db.execute_sql(_ORDER_PROGRESS, _progress_params(order)).rowcount:
            return
        db.execute_sql(_ORDER_UPSERT, _order_params(order))

    def load_order(self, client_order_id: str) -> Order | None:
        row = OrderRow.get_or_none(OrderRow.client_order_id == client_order_id)
        if row is None:
            return None
        return row_to_order(row, self.fill_ids(client_order_id))

    def open_orders(self) -> list[Order]:
        """Orders not in a terminal state, oldest first."""
        terminal = [s.value for s in TERMINAL_STATUSES]
        rows = OrderRow.select().where(OrderRow.status.not_in(terminal)).order_by(OrderRow.id)
        return [row_to_order(r, self.fill_ids(r.client_order_id)) for r in rows]

    def recent_orders(self, limit: int = 200) -> list[Order]:
        """Newest first."""
        rows = OrderRow.select().order_by(OrderRow.id.desc()).limit(limit)
        return [row_to_order(r, self.fill_ids(r.client_order_id)) for r in rows]

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in OrderRow.select(OrderRow.status):
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    def denial_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        query = OrderRow.select(OrderRow.reason).where(OrderRow.status == OrderStatus.DENIED.value)
        for row in query:
            counts[row.reason] = counts.get(row.reason, 0) + 1
        return counts

    # --- fills -------------------------------------------------------------------------------

    def fill_ids(self, client_order_id: str) -> list[str]:
        query = (
            FillRow.select(FillRow.execution_id)
            .where(FillRow.client_order_id == client_order_id)
            .order_by(FillRow.id)
        )
        return [r.execution_id for r in query]

    def has_fill(self, execution_id: str) -> bool:
        return FillRow.select().where(FillRow.execution_id == execution_id).exists()

    def record_fill(self, fill: Fill, order: Order, journaled: bool = True) -> bool:
        """Insert the fill and the order's new state in one transaction.

        ``journaled=False`` (the order is only in the intent log so far) writes the
        order's whole row instead of its progress. Returns False (writing nothing)
        when the execution id is already journaled.
        """
        day = trade_date(fill.time)
        fill_params = (
            fill.execution_id,
            fill.client_order_id,
            fill.symbol,
            fill.side.value,
            decimal_text(fill.quantity),
            decimal_text(fill.price),
            decimal_text(fill.fee),
            utc_text(fill.time),
            day.isoformat(),
            settlement_date(day).isoformat(),
        )
        order_sql = _ORDER_PROGRESS if journaled else _ORDER_UPSERT
        order_params = _progress_params(order) if journaled else _order_params(order)
        with fast_atomic(self.db) as conn:
            try:
                conn.execute(_FILL_INSERT, fill_params)
            except sqlite3.IntegrityError:  # the execution id is journaled already: nothing written
                return False
            conn.execute(order_sql, order_params)
        return True

    def unapplied_fills(self) -> list[Fill]:
        rows = FillRow.select().where(FillRow.applied == False).order_by(FillRow.id)  # noqa: E712
        return [fill_from_row(r) for r in rows]

    def recent_fills(self, limit: int = 200) -> list[Fill]:
        rows = FillRow.select().order_by(FillRow.id.desc()).limit(limit)
        return [fill_from_row(r) for r in rows]

    def fill_count(self) -> int:
        return int(FillRow.select().count())

    def last_fill_time(self) -> datetime | None:
        row = FillRow.select().order_by(FillRow.time.desc()).first()
        return None if row is None else row.time

    def first_open_order_time(self) -> datetime | None:
        terminal = [s.value for s in TERMINAL_STATUSES]
        row = (
            OrderRow.select()
            .where(OrderRow.status.not_in(terminal))
            .order_by(OrderRow.created_at)
            .first()
        )
        return None if row is None else row.created_at
