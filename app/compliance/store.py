"""Compliance's persistence: reading journaled fills (FillRow), day trades (DayTradeRow), state.

:class:`ComplianceStore` is handed the database it works on. Its writes join
the caller's transaction when one is open (the order pipeline records a
fill's day trades and settlement ledger together with its portfolio rows).
The writes made for every fill are plain SQL statements run with
``db.execute_sql`` (Peewee's query builder costs several times what SQLite
does for them), with the text the Peewee fields store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from peewee import Database

from app.compliance.day_trades import DayTrade
from app.core.models import Fill
from app.storage.fields import decimal_text, utc_text
from app.storage.rows import fill_from_row
from app.storage.tables import DayTradeRow, FillRow, StateRow

_TRADE_INSERT = (
    "INSERT OR IGNORE INTO day_trade_row (symbol, trade_date, sequence, quantity, buy_price, "
    "sell_price, pnl, closing_execution_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_TRADE_UPDATE = (
    "UPDATE day_trade_row SET quantity = ?, buy_price = ?, sell_price = ?, pnl = ? "
    "WHERE closing_execution_id = ?"
)
_STATE_REPLACE = "INSERT OR REPLACE INTO state_row (key, value, updated_at) VALUES (?, ?, ?)"


def _trade(row: DayTradeRow) -> DayTrade:
    return DayTrade(
        symbol=row.symbol,
        trade_date=date.fromisoformat(row.trade_date),
        quantity=row.quantity,
        buy_price=row.buy_price,
        sell_price=row.sell_price,
        pnl=row.pnl,
        closing_execution_id=row.closing_execution_id,
        sequence=row.sequence,
    )


class ComplianceStore:
    """Reads fills and reads/writes day trades and named state in ``db``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def load_fills(self, days: Iterable[date], symbol: str | None = None) -> list[Fill]:
        """Journaled fills whose New York trade date is in ``days`` (optionally one symbol)."""
        isos = [d.isoformat() for d in days]
        if not isos:
            return []
        query = FillRow.select().where(FillRow.trade_date.in_(isos))
        if symbol is not None:
            query = query.where(FillRow.symbol == symbol)
        return [fill_from_row(r) for r in query.order_by(FillRow.time, FillRow.id).execute(self.db)]

    def load_fills_since(self, day: date) -> list[tuple[Fill, date]]:
        """Journaled fills of trade date ``day`` or later, with their trade dates, in order."""
        query = FillRow.select().where(FillRow.trade_date >= day.isoformat())
        return [
            (fill_from_row(row), date.fromisoformat(row.trade_date))
            for row in query.order_by(FillRow.time, FillRow.id).execute(self.db)
        ]

    def load_day_trades(self, since: date | None = None) -> list[DayTrade]:
        """Stored day trades (from ``since`` on), oldest first."""
        query = DayTradeRow.select()
        if since is not None:
            query = query.where(DayTradeRow.trade_date >= since.isoformat())
        ordered = query.order_by(DayTradeRow.trade_date, DayTradeRow.symbol, DayTradeRow.sequence)
        return [_trade(row) for row in ordered.execute(self.db)]

    def replace_day_trades(
        self, symbol: str, day: date, trades: list[DayTrade], now: datetime
    ) -> list[DayTrade]:
        """Make the stored day trades of ``symbol`` on ``day`` equal ``trades``.

        Returns the ones not stored before (by closing execution id), so recording
        the same fills again records nothing new.
        """
        group = (DayTradeRow.symbol == symbol) & (DayTradeRow.trade_date == day.isoformat())
        with self.db.atomic():
            existing = {
                row.closing_execution_id: row.recorded_at
                for row in DayTradeRow.select().where(group).execute(self.db)
            }
            DayTradeRow.delete().where(group).execute(self.db)
            for trade in trades:
                self.insert_day_trade(trade, existing.get(trade.closing_execution_id, now))
        return [t for t in trades if t.closing_execution_id not in existing]

    def write_day_trades(
        self,
        symbol: str,
        day: date,
        stored: Sequence[DayTrade],
        trades: list[DayTrade],
        now: datetime,
    ) -> None:
        """Make the stored day trades of ``symbol`` on ``day`` (``stored``) equal ``trades``.

        The usual case only appends (a new day trade) or grows the last one (a
        further fill of its SELL run): INSERT the new rows, UPDATE the changed
        ones, keeping their ``recorded_at``. A fill arriving out of time order can
        reshuffle earlier day trades; then the group is rewritten.
        """
        extends = len(trades) >= len(stored) and all(
            old.closing_execution_id == new.closing_execution_id and old.sequence == new.sequence
            for old, new in zip(stored, trades, strict=False)
        )
        if not extends:
            self.replace_day_trades(symbol, day, trades, now)
            return
        with self.db.atomic():
            for old, new in zip(stored, trades, strict=False):
                if old != new:
                    self.update_day_trade(new)
            for new in trades[len(stored) :]:
                self.insert_day_trade(new, now)

    def insert_day_trade(self, trade: DayTrade, now: datetime) -> None:
        """INSERT one day trade; a repeat (same closing fill or sequence) is a no-op."""
        values = (
            trade.symbol, trade.trade_date.isoformat(), trade.sequence,
            decimal_text(trade.quantity), decimal_text(trade.buy_price),
            decimal_text(trade.sell_price), decimal_text(trade.pnl), trade.closing_execution_id,
            utc_text(now),
        )  # fmt: skip
        self.db.execute_sql(_TRADE_INSERT, values)

    def update_day_trade(self, trade: DayTrade) -> None:
        """Store the grown quantity, prices and P&L of a day trade (kept: its ``recorded_at``)."""
        values = (
            decimal_text(trade.quantity), decimal_text(trade.buy_price),
            decimal_text(trade.sell_price), decimal_text(trade.pnl), trade.closing_execution_id,
        )  # fmt: skip
        self.db.execute_sql(_TRADE_UPDATE, values)

    def load_state(self, key: str) -> str | None:
        row = StateRow.select().where(StateRow.key == key).first(self.db)
        return None if row is None else str(row.value)

    def save_state(self, key: str, value: str, now: datetime) -> None:
        """Insert or replace a StateRow."""
        self.db.execute_sql(_STATE_REPLACE, (key, value, utc_text(now)))
