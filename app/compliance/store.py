"""Reading fills (FillRow, written by the order journal) and storing day trades (DayTradeRow).

The hot-path writes (a new or grown day trade, the settlement ledger) are
precompiled SQL statements run with ``db.execute_sql``; they write the same
text the Peewee fields write (Decimal as ``str``, UTC ISO datetimes), so the
tables read back through Peewee unchanged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from app.compliance.day_trades import DayTrade
from app.core.models import Fill
from app.storage.fields import utc_text
from app.storage.rows import fill_from_row
from app.storage.tables import DayTradeRow, FillRow, StateRow


def load_fills(days: Iterable[date], symbol: str | None = None) -> list[Fill]:
    """Journaled fills whose New York trade date is in ``days`` (optionally one symbol)."""
    isos = [d.isoformat() for d in days]
    if not isos:
        return []
    query = FillRow.select().where(FillRow.trade_date.in_(isos))
    if symbol is not None:
        query = query.where(FillRow.symbol == symbol)
    return [fill_from_row(row) for row in query.order_by(FillRow.time, FillRow.id)]


def load_fills_since(day: date) -> list[tuple[Fill, date]]:
    """Journaled fills of trade date ``day`` or later with their trade dates, by time then id."""
    query = FillRow.select().where(FillRow.trade_date >= day.isoformat())
    return [
        (fill_from_row(row), date.fromisoformat(row.trade_date))
        for row in query.order_by(FillRow.time, FillRow.id)
    ]


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


def load_day_trades(since: date | None = None) -> list[DayTrade]:
    """Stored day trades (from ``since`` on), oldest first."""
    query = DayTradeRow.select()
    if since is not None:
        query = query.where(DayTradeRow.trade_date >= since.isoformat())
    ordered = query.order_by(DayTradeRow.trade_date, DayTradeRow.symbol, DayTradeRow.sequence)
    return [_trade(row) for row in ordered]


def replace_day_trades(
    symbol: str, day: date, trades: list[DayTrade], now: datetime
) -> list[DayTrade]:
    """Make the stored day trades of ``symbol`` on ``day`` equal ``trades``.

    Returns the ones not stored before (by closing execution id), so recording
    the same fills again records nothing new.
    """
    db = DayTradeRow._meta.database
    with db.atomic():
        existing = {
            row.closing_execution_id: row.recorded_at
            for row in DayTradeRow.select().where(
                (DayTradeRow.symbol == symbol) & (DayTradeRow.trade_date == day.isoformat())
            )
        }
        DayTradeRow.delete().where(
            (DayTradeRow.symbol == symbol) & (DayTradeRow.trade_date == day.isoformat())
        ).execute()
        for trade in trades:
            DayTradeRow.create(
                symbol=symbol,
                trade_date=day.isoformat(),
                sequence=trade.sequence,
                quantity=trade.quantity,
                buy_price=trade.buy_price,
                sell_price=trade.sell_price,
                pnl=trade.pnl,
                closing_execution_id=trade.closing_execution_id,
                recorded_at=existing.get(trade.closing_execution_id, now),
            )
    return [t for t in trades if t.closing_execution_id not in existing]


def count_orders(days: Iterable[date], extra: Iterable[Fill] = ()) -> int:
    """Trades (distinct orders with a fill) on ``days``, for the 6 % pattern-day-trader test."""
    isos = [d.isoformat() for d in days]
    ids = {
        row.client_order_id
        for row in FillRow.select(FillRow.client_order_id).where(FillRow.trade_date.in_(isos))
    }
    ids.update(f.client_order_id for f in extra)
    return len(ids)


# ---------------------------------------------------------------------- precompiled writes


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@cache
def _sql() -> dict[str, str]:
    trades = DayTradeRow._meta.table_name
    state = StateRow._meta.table_name
    return {
        "insert": (
            f'INSERT OR IGNORE INTO "{trades}" ("symbol", "trade_date", "sequence", "quantity", '
            '"buy_price", "sell_price", "pnl", "closing_execution_id", "recorded_at") '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        "update": (
            f'UPDATE "{trades}" SET "quantity" = ?, "buy_price" = ?, "sell_price" = ?, "pnl" = ? '
            'WHERE "closing_execution_id" = ?'
        ),
        "state": (
            f'INSERT INTO "{state}" ("key", "value", "updated_at") VALUES (?, ?, ?) '
            'ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", '
            '"updated_at" = excluded."updated_at"'
        ),
    }


def write_day_trades(
    symbol: str, day: date, stored: Sequence[DayTrade], trades: list[DayTrade], now: datetime
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
        replace_day_trades(symbol, day, trades, now)
        return
    for old, new in zip(stored, trades, strict=False):
        if old != new:
            update_day_trade(new)
    for new in trades[len(stored) :]:
        insert_day_trade(new, now)


def _execute(conn: sqlite3.Connection | None) -> Callable[..., Any]:
    """``conn.execute`` in a :func:`~app.storage.fast_tx.fast_atomic` block, else Peewee's."""
    return conn.execute if conn is not None else DayTradeRow._meta.database.execute_sql


def insert_day_trade(
    trade: DayTrade, now: datetime, conn: sqlite3.Connection | None = None
) -> None:
    """INSERT one day trade; a repeat (same closing fill or sequence) is a no-op."""
    _execute(conn)(
        _sql()["insert"],
        (trade.symbol, trade.trade_date.isoformat(), trade.sequence, _text(trade.quantity),
         _text(trade.buy_price), _text(trade.sell_price), _text(trade.pnl),
         trade.closing_execution_id, utc_text(now)),
    )  # fmt: skip


def update_day_trade(trade: DayTrade, conn: sqlite3.Connection | None = None) -> None:
    """Store the grown quantity, prices and P&L of a day trade (kept: its ``recorded_at``)."""
    _execute(conn)(
        _sql()["update"],
        (_text(trade.quantity), _text(trade.buy_price), _text(trade.sell_price),
         _text(trade.pnl), trade.closing_execution_id),
    )  # fmt: skip


def save_state(key: str, value: str, now: datetime, conn: sqlite3.Connection | None = None) -> None:
    """Upsert a StateRow (precompiled)."""
    _execute(conn)(_sql()["state"], (key, value, utc_text(now)))
