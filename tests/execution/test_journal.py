"""The order hot path: open-order index, journal rows Peewee reads back exactly, no reads,
the fewest statements per order and per fill, and idempotent fills without reads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from app.core.events import OrderSubmitted
from app.core.models import Fill, OrderSource, OrderStatus, OrderType, Side
from app.execution.journal import Journal, intent_fields
from app.execution.orders import OrderStore
from app.storage.fields import utc_text
from app.storage.tables import FillRow, OrderRow, PaperOrderRow, PositionRow

SYMBOL = "TQQQ"


@contextmanager
def statements(db: Any) -> Iterator[list[str]]:
    """Every SQL statement the connection runs inside the block (Peewee's and raw ones)."""
    seen: list[str] = []
    conn = db.connection()
    conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        conn.set_trace_callback(None)


def first_words(sqls: list[str]) -> list[str]:
    return [" ".join(s.split()[:3]).upper() for s in sqls]


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
    store = OrderStore(Journal())
    assert ids(store.load_open()) == [other.client_order_id]
    assert ids(store.open_orders("SQQQ")) == [other.client_order_id]


async def test_a_manual_order_is_written_ahead_to_the_intent_log_then_journaled(trading) -> None:
    db = OrderRow._meta.database
    intents = trading.execution.store.journal.intents
    assert intents.durable and intents.path.name.endswith("-intents")
    real_submit = trading.broker.submit
    at_broker: list[tuple[int, list[str]]] = []

    async def spy(client_order_id: str, request: Any) -> Any:
        at_broker.append((len(seen), intents.records()))
        return await real_submit(client_order_id, request)

    trading.broker.submit = spy
    at_submitted: list[list[str]] = []
    with statements(db) as seen:
        trading.bus.subscribe(OrderSubmitted, lambda e: at_submitted.append(first_words(seen)))
        order = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
        after_buy = first_words(seen)
        await asyncio.sleep(0)  # one turn of the loop: the paper broker's write-behind
        after_turn = first_words(seen)
    assert order.status is OrderStatus.ACCEPTED
    rows = lambda words: [w for w in words if "ORDER_ROW" in w]  # noqa: E731
    # before the broker call: the order is in the intent log, with its client id and request
    ((statements_before, records),) = at_broker
    assert statements_before == 0
    assert [intent_fields(r) for r in records] == [
        {"client_order_id": order.client_order_id, "symbol": SYMBOL, "side": "buy",
         "order_type": "market", "quantity": "1", "notional": None, "limit_price": None,
         "time_in_force": "gfd", "extended_hours": "0", "source": "manual",
         "created_at": utc_text(order.created_at)}
    ]  # fmt: skip
    # up to OrderSubmitted: no SQL statement at all
    assert at_submitted == [[]]
    # then the journal row with the ack's state, then (next loop turn) the paper broker's row
    assert rows(after_buy) == ["INSERT INTO ORDER_ROW"]
    assert rows(after_turn) == [*rows(after_buy), "INSERT INTO PAPER_ORDER_ROW"]
    assert not [w for w in after_turn if w.startswith("SELECT")
                and ("ORDER_ROW" in w or "FILL_ROW" in w or "POSITION_ROW" in w)]  # fmt: skip
    row = OrderRow.get(OrderRow.client_order_id == order.client_order_id)
    assert row.status == "accepted" and row.broker_order_id == order.broker_order_id
    paper = PaperOrderRow.get(PaperOrderRow.client_order_id == order.client_order_id)
    assert paper.status == "accepted" and paper.quantity == Decimal("1")


async def test_a_fill_writes_each_row_once_and_reads_nothing(trading) -> None:
    db = OrderRow._meta.database
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    with statements(db) as seen:
        await trading.quote("10.00")
    assert order.status is OrderStatus.FILLED
    words = first_words(seen)
    mine = ("PAPER_", "ORDER_ROW", "FILL_ROW", "POSITION_ROW", "TRANSACTION_ROW")
    assert not [w for w in words if w.startswith("SELECT") and any(m in w for m in mine)]
    # paper: fill, order, position, cash; journal: fill, order; portfolio: transaction,
    # position, applied flag
    expected = [
        "INSERT INTO PAPER_FILL_ROW", "UPDATE PAPER_ORDER_ROW SET",
        "INSERT INTO PAPER_POSITION_ROW", "UPDATE PAPER_ACCOUNT_ROW SET",
        "INSERT INTO FILL_ROW", "UPDATE ORDER_ROW SET",
        "INSERT INTO TRANSACTION_ROW", "INSERT OR REPLACE", "UPDATE FILL_ROW SET",
    ]  # fmt: skip
    writes = [w for w in words if not w.startswith(("SELECT", "BEGIN", "COMMIT", "RELEASE",
                                                     "SAVEPOINT"))]  # fmt: skip
    assert [w for w in writes if w in expected] == expected


async def test_journal_rows_read_back_exactly_through_peewee(trading) -> None:
    order = await trading.execution.buy(
        SYMBOL, quantity=Decimal("1.5"), order_type=OrderType.LIMIT, limit_price=Decimal("10.25")
    )
    await trading.quote("10.00")
    assert order.status is OrderStatus.FILLED
    row = OrderRow.get(OrderRow.client_order_id == order.client_order_id)
    assert row.quantity == Decimal("1.5") and row.limit_price == Decimal("10.25")
    assert row.filled_quantity == Decimal("1.5") and row.average_fill_price == Decimal("10.01")
    assert row.source == OrderSource.MANUAL.value and row.extended_hours is False
    assert row.created_at == order.created_at and row.created_at.tzinfo is not None
    assert row.updated_at == order.updated_at and row.broker_order_id == order.broker_order_id
    fill = FillRow.get(FillRow.client_order_id == order.client_order_id)
    assert fill.price == Decimal("10.01") and fill.fee == Decimal("0") and fill.applied
    assert fill.settlement_date == "2026-11-25"
    paper = PaperOrderRow.get(PaperOrderRow.client_order_id == order.client_order_id)
    assert paper.status == "filled" and paper.filled_quantity == Decimal("1.5")
    position = PositionRow.get(PositionRow.symbol == SYMBOL)
    assert position.quantity == Decimal("1.5") and position.average_cost == Decimal("10.01")
    loaded = Journal().load_order(order.client_order_id)
    assert loaded is not None and loaded.status is OrderStatus.FILLED
    assert loaded.fill_ids == order.fill_ids and loaded.average_fill_price == Decimal("10.01")


async def test_a_closing_sell_applied_twice_is_ignored_without_a_read_first(trading) -> None:
    await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    await trading.quote("10.00")
    sell = await trading.execution.sell(SYMBOL, quantity=Decimal("1"))
    await trading.quote("10.00")
    assert sell.status is OrderStatus.FILLED and trading.portfolio.get_position(SYMBOL) is None
    row = FillRow.get(FillRow.client_order_id == sell.client_order_id)
    again = Fill(
        execution_id=row.execution_id, client_order_id=sell.client_order_id, symbol=SYMBOL,
        side=Side.SELL, quantity=Decimal("1"), price=row.price, time=row.time,
    )  # fmt: skip
    assert await trading.portfolio.apply_fill(again) is False
    assert trading.portfolio.get_position(SYMBOL) is None
    assert len(trading.portfolio.transactions()) == 2
