"""The portfolio's persistence: PositionRow, TransactionRow, FillRow.applied, EquitySnapshotRow.

:func:`book` writes one fill's transaction and position change, and marks the
journaled fill applied, in one database transaction of three precompiled
statements on the raw connection (:func:`~app.storage.fast_tx.fast_atomic`;
nothing is read back); values are stored exactly as the Peewee
fields store them, so Peewee reads of the same rows stay correct.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.calendar import AFTER_HOURS_CLOSE, NEW_YORK, previous_trading_day, trade_date
from app.core.models import Fill, Position, Side
from app.core.money import ZERO
from app.portfolio.ledger import LedgerEntry
from app.portfolio.views import TransactionView
from app.storage.fast_tx import fast_atomic
from app.storage.fields import decimal_text, utc_text
from app.storage.tables import EquitySnapshotRow, FillRow, PositionRow, TransactionRow

_TRANSACTION_INSERT = (
    "INSERT INTO transaction_row (execution_id, client_order_id, time, symbol, side, quantity, "
    "price, amount, realized_pnl, realized_pnl_pct) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_POSITION_REPLACE = (
    "INSERT OR REPLACE INTO position_row (symbol, quantity, average_cost, realized_pnl, "
    "opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
)
_POSITION_UPDATE = (
    "UPDATE position_row SET quantity = ?, average_cost = ?, realized_pnl = ?, opened_at = ?, "
    "updated_at = ? WHERE symbol = ?"
)
_POSITION_DELETE = "DELETE FROM position_row WHERE symbol = ?"
_MARK_APPLIED = "UPDATE fill_row SET applied = 1 WHERE execution_id = ?"


def _db() -> Any:
    return TransactionRow._meta.database


def load_positions() -> dict[str, Position]:
    return {
        row.symbol: Position(
            symbol=row.symbol,
            quantity=row.quantity,
            average_cost=row.average_cost,
            realized_pnl=row.realized_pnl,
            opened_at=row.opened_at,
        )
        for row in PositionRow.select()
    }


def is_booked(execution_id: str) -> bool:
    return TransactionRow.select().where(TransactionRow.execution_id == execution_id).exists()


def mark_applied(execution_id: str) -> None:
    _db().execute_sql(_MARK_APPLIED, (execution_id,))


def book(fill: Fill, entry: LedgerEntry, now: datetime) -> bool:
    """Insert the transaction, update or delete the position, mark the fill applied: atomically.

    Returns False, writing nothing, when the fill's transaction is booked already.
    """
    after = entry.after
    time = utc_text(fill.time)  # the fill's time is usually also ``now`` and the opening time
    with fast_atomic(_db()) as conn:
        try:
            conn.execute(
                _TRANSACTION_INSERT,
                (
                    fill.execution_id, fill.client_order_id, time, fill.symbol,
                    fill.side.value, str(fill.quantity), str(fill.price), str(entry.amount),
                    decimal_text(entry.realized_pnl), decimal_text(entry.realized_pnl_pct),
                ),
            )  # fmt: skip
        except sqlite3.IntegrityError:  # execution_id is unique: booked before (nothing written)
            return False
        if after is None:
            conn.execute(_POSITION_DELETE, (fill.symbol,))
        else:
            opened = after.opened_at
            values = (
                str(after.quantity), str(after.average_cost), str(after.realized_pnl),
                time if opened == fill.time else utc_text(opened),
                time if now == fill.time else utc_text(now), after.symbol,
            )  # fmt: skip
            if entry.before is None or not conn.execute(_POSITION_UPDATE, values).rowcount:
                conn.execute(_POSITION_REPLACE, (values[-1], *values[:-1]))
        conn.execute(_MARK_APPLIED, (fill.execution_id,))
    return True


def unapplied_fills() -> list[Fill]:
    """Journaled fills not yet folded into the portfolio, oldest first."""
    query = FillRow.select().where(FillRow.applied == False).order_by(FillRow.time, FillRow.id)  # noqa: E712
    return [
        Fill(
            execution_id=row.execution_id,
            client_order_id=row.client_order_id,
            symbol=row.symbol,
            side=Side(row.side),
            quantity=row.quantity,
            price=row.price,
            time=row.time,
            fee=row.fee,
        )
        for row in query
    ]


def transactions_on(day: date) -> list[TransactionView]:
    """Transactions whose New York trade date is ``day``: [previous day 20:00, day 20:00) ET."""
    start = datetime.combine(previous_trading_day(day), AFTER_HOURS_CLOSE, tzinfo=NEW_YORK)
    end = datetime.combine(day, AFTER_HOURS_CLOSE, tzinfo=NEW_YORK)
    query = TransactionRow.select().where(TransactionRow.time >= start, TransactionRow.time < end)
    return [view for view in map(_view, query) if view.trade_date == day]


def latest_transaction_time() -> datetime | None:
    """Time of the newest transaction, or None when there is none."""
    row = TransactionRow.select(TransactionRow.time).order_by(TransactionRow.time.desc()).first()
    return row.time if row is not None else None


def realized_total() -> tuple[Decimal, int]:
    """Lifetime realized P&L and the number of transactions (summed exactly, in Python)."""
    total = ZERO
    count = 0
    for row in TransactionRow.select(TransactionRow.realized_pnl):
        count += 1
        if row.realized_pnl is not None:
            total += row.realized_pnl
    return total, count


def transactions(limit: int, symbol: str | None) -> list[TransactionView]:
    query = TransactionRow.select()
    if symbol is not None:
        query = query.where(TransactionRow.symbol == symbol)
    query = query.order_by(TransactionRow.time.desc(), TransactionRow.id.desc()).limit(limit)
    return [_view(row) for row in query]


def _view(row: TransactionRow) -> TransactionView:
    return TransactionView(
        execution_id=row.execution_id,
        client_order_id=row.client_order_id,
        time=row.time,
        trade_date=trade_date(row.time),
        symbol=row.symbol,
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        amount=row.amount,
        realized_pnl=row.realized_pnl,
        realized_pnl_pct=row.realized_pnl_pct,
    )


def save_snapshot(
    now: datetime,
    equity: Decimal,
    cash: Decimal,
    positions_value: Decimal,
    realized: Decimal,
    unrealized: Decimal,
) -> None:
    EquitySnapshotRow.create(
        time=now,
        equity=equity,
        cash=cash,
        positions_value=positions_value,
        realized_pnl=realized,
        unrealized_pnl=unrealized,
    )


def equity_curve(limit: int) -> list[tuple[datetime, Decimal]]:
    query = (
        EquitySnapshotRow.select()
        .order_by(EquitySnapshotRow.time.desc(), EquitySnapshotRow.id.desc())
        .limit(limit)
    )
    return [(row.time, row.equity) for row in reversed(list(query))]


def wipe() -> None:
    with _db().atomic():
        for table in (PositionRow, TransactionRow, EquitySnapshotRow):
            table.delete().execute()
