"""PaperBroker write-behind: the accept row is written on the next loop turn, never after
the order's fills or status changes, and duplicates are refused without a read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from app.brokers import paper_store
from app.brokers.paper import PaperBroker
from app.calendar import session_at
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.errors import DuplicateOrder
from app.core.events import PriceUpdated
from app.core.models import Fill, OrderRequest, OrderStatus, OrderType, Quote, Side
from app.storage.tables import PaperFillRow, PaperOrderRow

D = Decimal


def buy(qty: str, **kw: object) -> OrderRequest:
    return OrderRequest(symbol="TQQQ", side=Side.BUY, quantity=D(qty), **kw)  # type: ignore[arg-type]


def stored(client_order_id: str) -> PaperOrderRow | None:
    return PaperOrderRow.get_or_none(PaperOrderRow.client_order_id == client_order_id)


async def quote(bus: EventBus, clock: SimulatedClock, ask: str = "50.01") -> None:
    q = Quote("TQQQ", D(ask) - D("0.02"), D(ask), D(ask), D("1000"), D("1000"), clock.now())
    await bus.publish(PriceUpdated(time=clock.now(), quote=q))


@pytest.fixture
async def paper(
    bus: EventBus, clock: SimulatedClock, settings: Settings, db: object
) -> AsyncIterator[PaperBroker]:
    broker = PaperBroker(bus, clock, settings, session_at)
    await broker.connect()
    await quote(bus, clock)
    yield broker
    await broker.close()


async def test_accept_is_answered_from_memory_and_stored_on_the_next_loop_turn(
    paper: PaperBroker,
) -> None:
    acked = await paper.submit("c1", buy("1"))
    assert acked.status is OrderStatus.ACCEPTED
    assert stored("c1") is None  # not yet on disk ...
    found = await paper.get_order("c1")  # ... but the broker knows it
    assert found is not None and found.status is OrderStatus.ACCEPTED
    assert [o.client_order_id for o in await paper.open_orders()] == ["c1"]
    with pytest.raises(DuplicateOrder):
        await paper.submit("c1", buy("3"))
    await asyncio.sleep(0)
    row = stored("c1")
    assert row is not None and row.status == "accepted" and row.quantity == D("1")
    assert row.broker_order_id == acked.broker_order_id and row.created_at == acked.updated_at


async def test_cancel_before_the_flush_writes_the_order_row_first(paper: PaperBroker) -> None:
    await paper.submit("rest", buy("1", order_type=OrderType.LIMIT, limit_price=D("40")))
    await paper.cancel("rest")  # no loop turn in between
    row = stored("rest")
    assert row is not None and row.status == "cancelled"
    await asyncio.sleep(0)  # the pending flush finds it stored and writes nothing twice
    assert PaperOrderRow.select().count() == 1


async def test_a_fill_of_a_pending_order_stores_the_order_in_the_same_transaction(
    paper: PaperBroker, clock: SimulatedClock, settings: Settings
) -> None:
    account = paper_store.load_or_create_account(
        settings.paper_starting_cash, settings.account_type, clock.now()
    )
    order = paper_store.create_order(
        "f1", "paper-f1", buy("2"), D("2"), OrderStatus.ACCEPTED, "", clock.now(), write=False
    )
    assert stored("f1") is None
    fill = Fill(
        execution_id="x1", client_order_id="f1", symbol="TQQQ", side=Side.BUY,
        quantity=D("2"), price=D("50"), time=clock.now(),
    )  # fmt: skip
    paper_store.record_fill(account, order, None, fill, None)
    row = stored("f1")
    assert row is not None and row.status == "filled" and row.filled_quantity == D("2")
    assert PaperFillRow.select().where(PaperFillRow.client_order_id == "f1").count() == 1
    paper_store.store_order(order)  # a late flush is a no-op
    assert PaperOrderRow.select().where(PaperOrderRow.client_order_id == "f1").count() == 1


async def test_close_writes_pending_orders_and_a_restart_refuses_their_ids(
    bus: EventBus, clock: SimulatedClock, settings: Settings, paper: PaperBroker
) -> None:
    await paper.submit("p1", buy("1", order_type=OrderType.LIMIT, limit_price=D("40")))
    await paper.close()  # no loop turn: close stores what is pending
    assert stored("p1") is not None
    again = PaperBroker(bus, clock, settings, session_at)
    await again.connect()
    assert [o.client_order_id for o in await again.open_orders()] == ["p1"]
    with pytest.raises(DuplicateOrder):
        await again.submit("p1", buy("1"))
    await again.close()


async def test_filled_order_row_precedes_its_fill_through_the_broker(
    paper: PaperBroker, clock: SimulatedClock
) -> None:
    await paper.submit("m1", buy("1"))
    await clock.run_until(clock.now() + timedelta(milliseconds=60))
    row = stored("m1")
    assert row is not None and row.status == "filled"
    fill = PaperFillRow.get(PaperFillRow.client_order_id == "m1")
    assert row.id is not None and fill.quantity == D("1")
