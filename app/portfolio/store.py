"""The portfolio's persistence: PositionRow, TransactionRow, FillRow.applied, EquitySnapshotRow.

:func:`book` writes one fill's transaction and position change, and marks the
journaled fill applied, in one database transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.calendar import AFTER_HOURS_CLOSE, NEW_YORK, previous_trading_day, trade_date
from app.core.models import Fill, Position, Side
from app.core.money import ZERO
from app.portfolio.ledger import LedgerEntry
from app.portfolio.views import TransactionView
from app.storage.tables import EquitySnapshotRow, FillRow, PositionRow, TransactionRow


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
    FillRow.update(applied=True).where(FillRow.execution_id == execution_id).execute()


def book(fill: Fill, entry: LedgerEntry, now: datetime) -> None:
    """Insert the transaction, update or delete the position, mark the fill applied: atomically."""
    with _db().atomic():
        TransactionRow.create(
            execution_id=fill.execution_id,
            client_order_id=fill.client_order_id,
            time=fill.time,
            symbol=fill.symbol,
            side=fill.side.value,
            quantity=fill.quantity,
            price=fill.price,
            amount=entry.amount,
            realized_pnl=entry.realized_pnl,
            realized_pnl_pct=entry.realized_pnl_pct,
        )
        after = entry.after
        if after is None:
            PositionRow.delete().where(PositionRow.symbol == fill.symbol).execute()
        else:
            PositionRow.insert(
                symbol=after.symbol,
                quantity=after.quantity,
                average_cost=after.average_cost,
                realized_pnl=after.realized_pnl,
                opened_at=after.opened_at,
                updated_at=now,
            ).on_conflict_replace().execute()
        mark_applied(fill.execution_id)


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
