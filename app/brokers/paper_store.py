"""The paper broker's persistence: its account, orders, fills, positions and unsettled cash.

Everything lives in the Paper* tables of the open (paper) database, so a new
:class:`~app.brokers.paper.PaperBroker` on the same file after a restart sees
the same orders, positions and cash. The broker works on in-memory mirrors
(:class:`PaperAccount`, :class:`PaperOrder`, :class:`PaperPosition`: defined in
:mod:`app.brokers.paper_rows`, importable from here too) loaded once and
written through with precompiled SQL: accepting an order is one INSERT, a
status change one UPDATE, and a fill changes the fill, order, position and
cash rows in one transaction (:func:`record_fill`, on the raw connection through
:func:`~app.storage.fast_tx.fast_atomic`). Nothing is read back on
those paths. Values are stored exactly as the Peewee fields store them, so
Peewee reads of the same rows stay correct.

Accepted orders may be written behind (``create_order(..., write=False)``):
the mirror is marked ``stored=False`` and :func:`store_order` inserts it
later. Every other write of that order (:func:`set_status`,
:func:`record_fill`) first inserts a pending row in the same transaction, so
a fill or a status is never on disk without its order row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from peewee import IntegrityError

from app.brokers.paper_rows import PaperAccount as PaperAccount
from app.brokers.paper_rows import PaperOrder as PaperOrder
from app.brokers.paper_rows import PaperPosition as PaperPosition
from app.brokers.paper_rows import order_from_row
from app.brokers.paper_rows import to_broker_order as to_broker_order
from app.core.errors import DuplicateOrder
from app.core.models import AccountType, Fill, OrderRequest, OrderStatus, Side
from app.core.money import ZERO, round_money
from app.storage.fast_tx import fast_atomic
from app.storage.fields import decimal_text, utc_text
from app.storage.rows import fill_from_row
from app.storage.tables import (
    PaperAccountRow,
    PaperCashRow,
    PaperFillRow,
    PaperOrderRow,
    PaperPositionRow,
    StateRow,
)

EQUITY_CLOSE_PREFIX = "paper_equity_close:"
_OPEN_STATUSES = [s.value for s in OrderStatus if s.is_open]

_ORDER_INSERT = (
    "INSERT INTO paper_order_row (client_order_id, broker_order_id, symbol, side, order_type, "
    "quantity, notional, limit_price, time_in_force, extended_hours, status, filled_quantity, "
    "average_fill_price, reason, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '0', NULL, ?, ?, ?)"
)
_ORDER_IDS = "SELECT client_order_id FROM paper_order_row"
_ORDER_STATUS = (
    "UPDATE paper_order_row SET status = ?, reason = ?, updated_at = ? WHERE client_order_id = ?"
)
_ORDER_PROGRESS = (
    "UPDATE paper_order_row SET status = ?, filled_quantity = ?, average_fill_price = ?, "
    "updated_at = ? WHERE client_order_id = ?"
)
_FILL_INSERT = (
    "INSERT INTO paper_fill_row (execution_id, client_order_id, symbol, side, quantity, price, "
    "time) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_POSITION_UPSERT = (
    "INSERT INTO paper_position_row (symbol, quantity, average_cost) VALUES (?, ?, ?) "
    "ON CONFLICT (symbol) DO UPDATE SET quantity = excluded.quantity, "
    "average_cost = excluded.average_cost"
)
_POSITION_UPDATE = "UPDATE paper_position_row SET quantity = ?, average_cost = ? WHERE symbol = ?"
_POSITION_DELETE = "DELETE FROM paper_position_row WHERE symbol = ?"
_ACCOUNT_CASH = "UPDATE paper_account_row SET cash = ? WHERE id = ?"
_CASH_INSERT = "INSERT INTO paper_cash_row (execution_id, amount, settlement_date) VALUES (?, ?, ?)"


def _db() -> Any:
    return PaperOrderRow._meta.database


def load_or_create_account(
    starting_cash: Decimal, account_type: AccountType, now: datetime
) -> PaperAccount:
    """The one paper account, created with ``starting_cash`` on first use."""
    with _db().atomic():
        row = PaperAccountRow.select().order_by(PaperAccountRow.id).first()
        if row is None:
            row = PaperAccountRow.create(
                account_type=account_type.value,
                cash=starting_cash,
                starting_cash=starting_cash,
                created_at=now,
            )
    return PaperAccount(
        id=row.id,
        account_type=row.account_type,
        cash=Decimal(row.cash),
        starting_cash=Decimal(row.starting_cash),
        created_at=row.created_at,
    )


def open_orders() -> list[PaperOrder]:
    """Orders not in a terminal state, oldest first (read on start)."""
    query = PaperOrderRow.select().where(PaperOrderRow.status.in_(_OPEN_STATUSES))
    rows = query.order_by(PaperOrderRow.id)
    return [order_from_row(row, order_fills(row.client_order_id)) for row in rows]


def find_order(client_order_id: str) -> PaperOrder | None:
    """Any order, open or done, read from the database (lookups off the hot path)."""
    row = PaperOrderRow.get_or_none(PaperOrderRow.client_order_id == client_order_id)
    return None if row is None else order_from_row(row, order_fills(row.client_order_id))


def positions() -> dict[str, PaperPosition]:
    return {
        row.symbol: PaperPosition(row.symbol, row.quantity, row.average_cost)
        for row in PaperPositionRow.select()
    }


def client_order_ids() -> set[str]:
    """Every client order id the paper broker has stored (read once on start)."""
    return {row[0] for row in _db().execute_sql(_ORDER_IDS).fetchall()}


def create_order(
    client_order_id: str,
    broker_order_id: str,
    request: OrderRequest,
    quantity: Decimal | None,
    status: OrderStatus,
    reason: str,
    now: datetime,
    *,
    write: bool = True,
) -> PaperOrder:
    """The order's mirror; inserted now (one statement, committed) unless ``write`` is False.

    With ``write=False`` the caller must :func:`store_order` it later (any status
    change or fill of the order does it first, in its own transaction). The
    client order id is unique: a second insert under it raises DuplicateOrder.
    """
    order = PaperOrder(
        client_order_id=client_order_id,
        broker_order_id=broker_order_id,
        symbol=request.symbol,
        side=request.side,
        order_type=request.order_type,
        quantity=quantity,
        notional=request.notional,
        limit_price=request.limit_price,
        time_in_force=request.time_in_force,
        extended_hours=request.extended_hours,
        status=status,
        filled_quantity=ZERO,
        average_fill_price=None,
        reason=reason,
        created_at=now,
        updated_at=now,
        stored=False,
    )
    if write:
        store_order(order)
    return order


def store_order(order: PaperOrder) -> None:
    """Insert a pending (write-behind) order row as accepted; nothing when already stored."""
    if not order.stored:
        _insert_order(_db().execute_sql, order)  # one statement: SQLite commits it


def _insert_order(execute: Callable[..., Any], order: PaperOrder) -> None:
    """Insert the order row as the mirror has it (callers update it only after their writes).

    ``execute`` is ``db.execute_sql`` or, in a :func:`fast_atomic` block, ``conn.execute``.
    """
    created = utc_text(order.created_at)
    try:
        execute(
            _ORDER_INSERT,
            (
                order.client_order_id, order.broker_order_id, order.symbol, order.side.value,
                order.order_type.value, decimal_text(order.quantity),
                decimal_text(order.notional), decimal_text(order.limit_price),
                order.time_in_force.value, 1 if order.extended_hours else 0,
                order.status.value, order.reason, created,
                created if order.updated_at is order.created_at else utc_text(order.updated_at),
            ),
        )  # fmt: skip
    except (IntegrityError, sqlite3.IntegrityError):
        raise DuplicateOrder(
            f"an order with client id {order.client_order_id} already exists"
        ) from None
    order.stored = True


def set_status(order: PaperOrder, status: OrderStatus, reason: str, now: datetime) -> None:
    """One UPDATE (after the pending insert, in one transaction), then the mirror."""
    db = _db()
    params = (status.value, reason, utc_text(now), order.client_order_id)
    if order.stored:
        db.execute_sql(_ORDER_STATUS, params)
    else:
        with fast_atomic(db) as conn:
            _insert_order(conn.execute, order)
            conn.execute(_ORDER_STATUS, params)
    order.status = status
    order.reason = reason
    order.updated_at = now


def order_fills(client_order_id: str) -> tuple[Fill, ...]:
    query = PaperFillRow.select().where(PaperFillRow.client_order_id == client_order_id)
    return tuple(fill_from_row(r) for r in query.order_by(PaperFillRow.time, PaperFillRow.id))


def fills_since(since: datetime) -> list[Fill]:
    query = PaperFillRow.select().where(PaperFillRow.time >= since)
    return [fill_from_row(r) for r in query.order_by(PaperFillRow.time, PaperFillRow.id)]


def record_fill(
    account: PaperAccount,
    order: PaperOrder,
    position: PaperPosition | None,
    fill: Fill,
    settles_on: date | None,
) -> PaperPosition | None:
    """Book ``fill`` atomically: fill row, order progress, position, cash (and unsettled cash).

    Returns the position after the fill (None when it closed). ``settles_on`` is
    given for sales in a cash account: their proceeds stay unsettled until then.
    The mirrors change only once the transaction has committed.
    """
    amount = round_money(fill.quantity * fill.price + fill.fee * fill.side.sign)
    filled = order.filled_quantity + fill.quantity
    previous_value = (order.average_fill_price or ZERO) * order.filled_quantity
    average = (previous_value + fill.value) / filled
    done = order.quantity is not None and filled >= order.quantity
    status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
    after = _moved_position(position, fill)
    cash = account.cash - amount if fill.side is Side.BUY else account.cash + amount
    time = utc_text(fill.time)  # formatted once for both rows
    with fast_atomic(_db()) as conn:
        if not order.stored:  # its accept was written behind: the order row goes first
            _insert_order(conn.execute, order)
        conn.execute(
            _FILL_INSERT,
            (
                fill.execution_id, fill.client_order_id, fill.symbol, fill.side.value,
                str(fill.quantity), str(fill.price), time,
            ),
        )  # fmt: skip
        conn.execute(
            _ORDER_PROGRESS,
            (status.value, str(filled), str(average), time, order.client_order_id),
        )
        _write_position(conn, fill.symbol, position, after)
        conn.execute(_ACCOUNT_CASH, (str(cash), account.id))
        if fill.side is Side.SELL and settles_on is not None:
            conn.execute(_CASH_INSERT, (fill.execution_id, str(amount), settles_on.isoformat()))
    order.filled_quantity = filled
    order.average_fill_price = average
    order.status = status
    order.updated_at = fill.time
    order.fills.append(fill)
    account.cash = cash
    return after


def _write_position(
    conn: sqlite3.Connection, symbol: str, before: PaperPosition | None, after: PaperPosition | None
) -> None:
    """One statement: delete a closed position, update a held one, insert a new one."""
    if after is None:
        conn.execute(_POSITION_DELETE, (symbol,))
        return
    quantity, average_cost = str(after.quantity), str(after.average_cost)
    updated = (
        before is not None
        and conn.execute(_POSITION_UPDATE, (quantity, average_cost, symbol)).rowcount
    )
    if not updated:
        conn.execute(_POSITION_UPSERT, (symbol, quantity, average_cost))


def _moved_position(position: PaperPosition | None, fill: Fill) -> PaperPosition | None:
    """The position after ``fill`` (a new object; None when it closed)."""
    held = position.quantity if position is not None else ZERO
    if fill.side is Side.BUY:
        quantity = held + fill.quantity
        cost = (position.average_cost * held if position is not None else ZERO) + fill.value
        return PaperPosition(fill.symbol, quantity, cost / quantity)
    if position is None or fill.quantity > held:
        raise ValueError(f"paper sell of {fill.quantity} {fill.symbol} exceeds holding {held}")
    if fill.quantity == held:
        return None
    return PaperPosition(fill.symbol, held - fill.quantity, position.average_cost)


def unsettled_cash(today: date) -> Decimal:
    """Sale proceeds whose settlement date is after ``today`` (a New York date)."""
    query = PaperCashRow.select().where(PaperCashRow.settlement_date > today.isoformat())
    return sum((row.amount for row in query), ZERO)


def save_equity_close(trade_day: date, equity: Decimal, now: datetime) -> None:
    key = f"{EQUITY_CLOSE_PREFIX}{trade_day.isoformat()}"
    StateRow.insert(key=key, value=str(equity), updated_at=now).on_conflict_replace().execute()


def previous_equity_close(before: date) -> Decimal | None:
    """The latest stored close equity of a trade date before ``before``."""
    row = (
        StateRow.select()
        .where(
            StateRow.key.startswith(EQUITY_CLOSE_PREFIX),
            StateRow.key < f"{EQUITY_CLOSE_PREFIX}{before.isoformat()}",
        )
        .order_by(StateRow.key.desc())
        .first()
    )
    return Decimal(row.value) if row is not None else None


def wipe() -> None:
    """Delete every piece of paper state (the "Reset paper account" action)."""
    with _db().atomic():
        for table in (PaperFillRow, PaperOrderRow, PaperPositionRow, PaperCashRow, PaperAccountRow):
            table.delete().execute()
        StateRow.delete().where(StateRow.key.startswith(EQUITY_CLOSE_PREFIX)).execute()
