"""The portfolio's persistence: PositionRow, TransactionRow and EquitySnapshotRow in its database.

:meth:`PortfolioStore.book` writes one fill's transaction and its position
change together (in the caller's transaction when one is open, else in its
own); the transaction's unique ``execution_id`` detects a fill booked before.
Those writes, made for every fill, are plain SQL statements run with
``db.execute_sql`` (Peewee's query builder costs several times what SQLite
does for them), with the text the Peewee fields store.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from peewee import Database, IntegrityError

from app.calendar import AFTER_HOURS_CLOSE, NEW_YORK, previous_trading_day, trade_date
from app.core.models import Fill, Position, Side
from app.core.money import ZERO
from app.portfolio.ledger import LedgerEntry
from app.portfolio.views import TransactionView
from app.storage.fields import decimal_text, utc_text
from app.storage.tables import EquitySnapshotRow, PositionRow, TransactionRow

_TRANSACTION_INSERT = (
    "INSERT INTO transaction_row (execution_id, client_order_id, time, symbol, side, quantity, "
    "price, amount, realized_pnl, realized_pnl_pct) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_POSITION_REPLACE = (
    "INSERT OR REPLACE INTO position_row (symbol, quantity, average_cost, realized_pnl, "
    "opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
)
_POSITION_DELETE = "DELETE FROM position_row WHERE symbol = ?"
_SNAPSHOT_INSERT = (
    "INSERT INTO equity_snapshot_row (time, equity, cash, positions_value, realized_pnl, "
    "unrealized_pnl) VALUES (?, ?, ?, ?, ?, ?)"
)


class PortfolioStore:
    """Reads and writes the portfolio's tables in ``db``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def load_positions(self) -> dict[str, Position]:
        return {
            row.symbol: Position(
                symbol=row.symbol,
                quantity=row.quantity,
                average_cost=row.average_cost,
                realized_pnl=row.realized_pnl,
                opened_at=row.opened_at,
            )
            for row in PositionRow.select().execute(self.db)
        }

    def is_booked(self, execution_id: str) -> bool:
        query = TransactionRow.select().where(TransactionRow.execution_id == execution_id)
        return bool(query.exists(self.db))

    def book(self, fill: Fill, entry: LedgerEntry, now: datetime) -> bool:
        """Insert the transaction and update (or delete) the position, together.

        Returns False, writing nothing, when the fill's transaction is booked already.
        """
        after = entry.after
        execute = self.db.execute_sql
        transaction = (
            fill.execution_id, fill.client_order_id, utc_text(fill.time), fill.symbol,
            fill.side.value, decimal_text(fill.quantity), decimal_text(fill.price),
            decimal_text(entry.amount), decimal_text(entry.realized_pnl),
            decimal_text(entry.realized_pnl_pct),
        )  # fmt: skip
        try:
            with self.db.atomic():
                execute(_TRANSACTION_INSERT, transaction)
                if after is None:
                    execute(_POSITION_DELETE, (fill.symbol,))
                else:
                    position = (
                        after.symbol, decimal_text(after.quantity),
                        decimal_text(after.average_cost), decimal_text(after.realized_pnl),
                        utc_text(after.opened_at), utc_text(now),
                    )  # fmt: skip
                    execute(_POSITION_REPLACE, position)
        except IntegrityError:  # execution_id is unique: booked before (nothing written)
            return False
        return True

    def transactions_on(self, day: date) -> list[TransactionView]:
        """Transactions whose New York trade date is ``day``: [previous day 20:00, day 20:00) ET."""
        start = datetime.combine(previous_trading_day(day), AFTER_HOURS_CLOSE, tzinfo=NEW_YORK)
        end = datetime.combine(day, AFTER_HOURS_CLOSE, tzinfo=NEW_YORK)
        query = TransactionRow.select().where(
            TransactionRow.time >= start, TransactionRow.time < end
        )
        return [view for view in map(_view, query.execute(self.db)) if view.trade_date == day]

    def latest_transaction_time(self) -> datetime | None:
        """Time of the newest transaction, or None when there is none."""
        query = TransactionRow.select(TransactionRow.time).order_by(TransactionRow.time.desc())
        row = query.first(self.db)
        return row.time if row is not None else None

    def realized_total(self) -> tuple[Decimal, int]:
        """Lifetime realized P&L and the number of transactions (summed exactly, in Python)."""
        total = ZERO
        count = 0
        for row in TransactionRow.select(TransactionRow.realized_pnl).execute(self.db):
            count += 1
            if row.realized_pnl is not None:
                total += row.realized_pnl
        return total, count

    def transactions(self, limit: int, symbol: str | None) -> list[TransactionView]:
        query = TransactionRow.select()
        if symbol is not None:
            query = query.where(TransactionRow.symbol == symbol)
        query = query.order_by(TransactionRow.time.desc(), TransactionRow.id.desc()).limit(limit)
        return [_view(row) for row in query.execute(self.db)]

    def save_snapshot(
        self,
        now: datetime,
        equity: Decimal,
        cash: Decimal,
        positions_value: Decimal,
        realized: Decimal,
        unrealized: Decimal,
    ) -> None:
        amounts = (equity, cash, positions_value, realized, unrealized)
        self.db.execute_sql(_SNAPSHOT_INSERT, (utc_text(now), *map(decimal_text, amounts)))

    def equity_curve(self, limit: int) -> list[tuple[datetime, Decimal]]:
        query = (
            EquitySnapshotRow.select()
            .order_by(EquitySnapshotRow.time.desc(), EquitySnapshotRow.id.desc())
            .limit(limit)
        )
        return [(row.time, row.equity) for row in reversed(list(query.execute(self.db)))]

    def realized_by_day(self, since: date) -> list[tuple[date, Decimal]]:
        """Realized P&L summed per trade date (exactly, in Python), for dates >= ``since``."""
        start = datetime.combine(previous_trading_day(since), AFTER_HOURS_CLOSE, tzinfo=NEW_YORK)
        query = TransactionRow.select(TransactionRow.time, TransactionRow.realized_pnl).where(
            TransactionRow.time >= start, TransactionRow.realized_pnl.is_null(False)
        )
        days: dict[date, Decimal] = {}
        for row in query.execute(self.db):
            day = trade_date(row.time)
            if day >= since:
                days[day] = days.get(day, ZERO) + row.realized_pnl
        return sorted(days.items())

    def wipe(self) -> None:
        with self.db.atomic():
            for table in (PositionRow, TransactionRow, EquitySnapshotRow):
                table.delete().execute(self.db)


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
