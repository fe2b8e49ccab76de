"""Reading fills (FillRow, written by the order journal) and storing day trades (DayTradeRow)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from app.compliance.day_trades import DayTrade
from app.core.models import Fill, Side
from app.storage.tables import DayTradeRow, FillRow


def _fill(row: FillRow) -> Fill:
    return Fill(
        execution_id=row.execution_id,
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        time=row.time,
        fee=row.fee,
    )


def load_fills(days: Iterable[date], symbol: str | None = None) -> list[Fill]:
    """Journaled fills whose New York trade date is in ``days`` (optionally one symbol)."""
    isos = [d.isoformat() for d in days]
    if not isos:
        return []
    query = FillRow.select().where(FillRow.trade_date.in_(isos))
    if symbol is not None:
        query = query.where(FillRow.symbol == symbol)
    return [_fill(row) for row in query.order_by(FillRow.time, FillRow.id)]


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
