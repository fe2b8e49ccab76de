"""A backtest's scratch database and the paper database live side by side in one process:
each set of services writes its orders, fills and positions to the database it was given."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.core.clock import SimulatedClock
from app.storage.db import SherwoodDatabase, open_database
from app.storage.tables import FillRow, OrderRow, PaperOrderRow, TransactionRow

SYMBOL = "TQQQ"


def counts(db: SherwoodDatabase) -> tuple[int, ...]:
    tables: tuple[Any, ...] = (OrderRow, FillRow, PaperOrderRow, TransactionRow)
    return tuple(int(table.select().count(db)) for table in tables)


async def test_paper_file_and_scratch_memory_database_do_not_mix(
    db: SherwoodDatabase, clock: SimulatedClock, trade_settings, make_trading
) -> None:
    paper = make_trading(db, clock, trade_settings)
    await paper.start()
    await paper.quote("10.00")
    scratch_db = open_database(":memory:")  # opened after the paper file, as a backtest would
    scratch = make_trading(scratch_db, clock, trade_settings)
    await scratch.start()
    await scratch.quote("10.00")
    try:
        await paper.execution.buy(SYMBOL, quantity=Decimal("1"))
        for _ in range(2):
            await scratch.execution.buy(SYMBOL, quantity=Decimal("1"))
        assert counts(db) == (1, 1, 1, 1)
        assert counts(scratch_db) == (2, 2, 2, 2)
        assert paper.portfolio.get_position(SYMBOL).quantity == Decimal("1")
        assert scratch.portfolio.get_position(SYMBOL).quantity == Decimal("2")
    finally:
        await scratch.stop()
        await paper.stop()
        scratch_db.close()
