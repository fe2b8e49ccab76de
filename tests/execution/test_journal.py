"""The order journal and its cache: the open-order index, rows that read back exactly,
the order's row committed before the broker sees it, idempotent fills."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.config import Settings
from app.core.models import Fill, OrderSource, OrderStatus, OrderType, Side
from app.execution.journal import Journal
from app.execution.orders import OrderStore
from app.storage.tables import FillRow, OrderRow, PaperOrderRow, PositionRow

SYMBOL = "TQQQ"


def row(db: Any, table: Any, coid: str) -> Any:
    return table.select().where(table.client_order_id == coid).get(db)


async def test_open_orders_are_indexed_by_symbol_and_leave_the_index_when_done(trading) -> None:
    resting = await trading.execution.buy(
        SYMBOL, quantity=Decimal("1"), order_type=OrderType.LIMIT, limit_price=Decimal("5")
    )
    other = await trading.execution.buy(
        "SQQQ", quantity=Decimal("1"), order_type=OrderType.LIMIT, limit_price=Decimal("5")
    )
    filled = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    await trading.quote("10.00")
    assert filled.status is OrderStatus.FILLED
    ids = lambda orders: [o.client_order_id for o in orders]  # noqa: E731
    assert ids(trading.execution.open_orders(SYMBOL)) == [resting.client_order_id]
    assert ids(trading.execution.open_orders("SQQQ")) == [other.client_order_id]
    assert set(ids(trading.execution.open_orders())) == {
        resting.client_order_id,
        other.client_order_id,
    }
    assert trading.execution.open_orders("AAPL") == []
    await trading.execution.cancel(resting.client_order_id)
    await trading.settle()
    assert resting.status is OrderStatus.CANCELLED
    assert trading.execution.open_orders(SYMBOL) == []
    assert ids(trading.execution.open_orders()) == [other.client_order_id]
    # a fresh store over the same journal finds the same open order
    store = OrderStore(Journal(trading.db))
    assert ids(store.load_open()) == [other.client_order_id]
    assert ids(store.open_orders("SQQQ")) == [other.client_order_id]


async def test_journal_rows_read_back_exactly_through_peewee(trading) -> None:
    order = await trading.execution.buy(
        SYMBOL, quantity=Decimal("1.5"), order_type=OrderType.LIMIT, limit_price=Decimal("10.25")
    )
    await trading.quote("10.00")
    assert order.status is OrderStatus.FILLED
    db = trading.db
    row = OrderRow.select().where(OrderRow.client_order_id == order.client_order_id).get(db)
    assert row.quantity == Decimal("1.5") and row.limit_price == Decimal("10.25")
    assert row.filled_quantity == Decimal("1.5") and row.average_fill_price == Decimal("10.01")
    assert row.source == OrderSource.MANUAL.value and row.extended_hours is False
    assert row.created_at == order.created_at and row.created_at.tzinfo is not None
    assert row.updated_at == order.updated_at and row.broker_order_id == order.broker_order_id
    fill = FillRow.select().where(FillRow.client_order_id == order.client_order_id).get(db)
    assert fill.price == Decimal("10.01") and fill.fee == Decimal("0") and fill.applied
    assert fill.settlement_date == "2026-11-25"
    paper = PaperOrderRow.select().where(PaperOrderRow.client_order_id == order.client_order_id)
    paper = paper.get(db)
    assert paper.status == "filled" and paper.filled_quantity == Decimal("1.5")
    position = PositionRow.select().where(PositionRow.symbol == SYMBOL).get(db)
    assert position.quantity == Decimal("1.5") and position.average_cost == Decimal("10.01")
    loaded = Journal(db).load_order(order.client_order_id)
    assert loaded is not None and loaded.status is OrderStatus.FILLED
    assert loaded.fill_ids == order.fill_ids and loaded.average_fill_price == Decimal("10.01")


async def test_a_closing_sell_applied_twice_is_ignored(trading) -> None:
    await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    await trading.quote("10.00")
    sell = await trading.execution.sell(SYMBOL, quantity=Decimal("1"))
    await trading.quote("10.00")
    assert sell.status is OrderStatus.FILLED and trading.portfolio.get_position(SYMBOL) is None
    row = FillRow.select().where(FillRow.client_order_id == sell.client_order_id).get(trading.db)
    again = Fill(
        execution_id=row.execution_id, client_order_id=sell.client_order_id, symbol=SYMBOL,
        side=Side.SELL, quantity=Decimal("1"), price=row.price, time=row.time,
    )  # fmt: skip
    assert await trading.portfolio.apply_fill(again) is False
    assert trading.portfolio.get_position(SYMBOL) is None
    assert len(trading.portfolio.transactions()) == 2


async def test_the_order_row_is_committed_before_the_broker_sees_the_order(
    trading, db_path
) -> None:
    """At ``broker.submit`` the row (NEW, with the client id the broker gets) is on disk:
    another connection to the file reads it."""
    import sqlite3

    real_submit = trading.broker.submit
    seen: list[tuple[str, Any]] = []

    async def spy(client_order_id: str, request: Any) -> Any:
        other = sqlite3.connect(db_path)
        try:
            found = other.execute(
                "SELECT status, symbol FROM order_row WHERE client_order_id = ?",
                (client_order_id,),
            ).fetchone()
        finally:
            other.close()
        seen.append((client_order_id, found))
        return await real_submit(client_order_id, request)

    trading.broker.submit = spy
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    assert seen == [(order.client_order_id, ("new", SYMBOL))]
    assert row(trading.db, OrderRow, order.client_order_id).status == "filled"


@pytest.mark.parametrize(
    "trade_settings", [Settings().replace(paper_latency_ms=0, paper_partial_fills=True)]
)
async def test_orders_read_back_from_the_journal_carry_their_own_fills(trading) -> None:
    """After a restart the orders table and the open orders show each order's fills."""
    await trading.quote("10.00", size="0.5")
    partial = await trading.execution.buy(
        SYMBOL, quantity=Decimal("1.5"), order_type=OrderType.LIMIT, limit_price=Decimal("11")
    )
    await trading.quote("10.00", size="0.5")  # two of its three fills
    whole = await trading.execution.buy(SYMBOL, quantity=Decimal("0.5"))
    resting = await trading.execution.buy(
        SYMBOL, quantity=Decimal("1"), order_type=OrderType.LIMIT, limit_price=Decimal("5")
    )
    assert partial.status is OrderStatus.PARTIALLY_FILLED and len(partial.fill_ids) == 2
    assert whole.status is OrderStatus.FILLED and len(whole.fill_ids) == 1
    journal = Journal(trading.db)  # a fresh journal, as after a restart
    recent = {o.client_order_id: o.fill_ids for o in journal.recent_orders()}
    assert recent == {
        partial.client_order_id: partial.fill_ids,
        whole.client_order_id: whole.fill_ids,
        resting.client_order_id: [],
    }
    opened = {o.client_order_id: o.fill_ids for o in journal.open_orders()}
    assert opened == {partial.client_order_id: partial.fill_ids, resting.client_order_id: []}
    assert [o.client_order_id for o in journal.recent_orders(limit=1)] == [resting.client_order_id]
