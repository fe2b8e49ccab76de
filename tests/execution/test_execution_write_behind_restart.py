"""Restarts inside the write-behind windows: after OrderSubmitted, before the journal's
ACCEPTED update or before the paper broker stored its accept row."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from app.core.models import Order, OrderRequest, OrderStatus, Side, new_client_order_id
from app.storage.db import open_database
from app.storage.tables import FillRow, OrderRow, PaperFillRow, PaperOrderRow, TransactionRow

SYMBOL = "TQQQ"


async def restart(trading, db_path: Path, make_trading):  # type: ignore[no-untyped-def]
    await trading.stop()
    OrderRow._meta.database.close()
    open_database(db_path)
    again = make_trading(trading.clock, trading.settings)
    await again.start()
    await again.quote("10.00")
    return again


def journal_acked_order(trading, age: timedelta = timedelta(0)) -> Order:  # type: ignore[no-untyped-def]
    """On disk as after a crash before the paper broker's flush: the journal says ACCEPTED."""
    request = OrderRequest(symbol=SYMBOL, side=Side.BUY, quantity=Decimal("1"))
    created = trading.clock.now() - age
    order = Order(new_client_order_id(), request, created)
    trading.execution.store.save(order)
    order.transition(OrderStatus.SUBMITTED, created)
    order.transition(OrderStatus.ACCEPTED, created)
    order.broker_order_id = "paper-lost"
    trading.execution.store.save(order)
    return order


def rows(table, coid: str) -> int:  # type: ignore[no-untyped-def]
    return table.select().where(table.client_order_id == coid).count()


async def test_young_accepted_order_the_broker_lost_is_resent_once(
    trading, db_path, make_trading
) -> None:
    coid = journal_acked_order(trading).client_order_id
    assert rows(PaperOrderRow, coid) == 0
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.last_reconcile.resubmitted == 1
    await trading.quote("10.00")
    assert trading.execution.get_order(coid).status is OrderStatus.FILLED
    trading = await restart(trading, db_path, make_trading)  # and again: nothing twice
    await trading.quote("10.00")
    assert rows(PaperOrderRow, coid) == 1 and rows(PaperFillRow, coid) == 1
    assert rows(FillRow, coid) == 1 and TransactionRow.select().count() == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    await trading.stop()


async def test_old_accepted_order_the_broker_lost_is_rejected_not_sent(
    trading, db_path, make_trading
) -> None:
    coid = journal_acked_order(trading, age=timedelta(minutes=5)).client_order_id
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.last_reconcile.resubmitted == 0
    await trading.quote("10.00")
    row = OrderRow.get(OrderRow.client_order_id == coid)
    assert row.status == "rejected" and "never received" in row.reason
    assert rows(PaperOrderRow, coid) == 0
    assert trading.portfolio.get_position(SYMBOL) is None
    await trading.stop()


async def test_submitted_order_survives_a_restart_right_after_the_event(
    trading, db_path, make_trading
) -> None:
    """A real order, stopped on the next loop turn: journal and broker agree after restart."""
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    assert OrderRow.get(OrderRow.client_order_id == order.client_order_id).status == "accepted"
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.last_reconcile.resubmitted == 0
    await trading.quote("10.00")
    coid = order.client_order_id
    assert trading.execution.get_order(coid).status is OrderStatus.FILLED
    assert rows(PaperOrderRow, coid) == 1 and rows(FillRow, coid) == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    await trading.stop()
