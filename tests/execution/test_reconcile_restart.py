"""Restarts: between journal write and broker ack, and between fill and portfolio update.

A "crash" stops the services without any clean-up of the order in flight,
closes the database file and opens it again; a new set of services then
starts on the same file and reconciles with the (paper) broker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.core.events import ErrorOccurred
from app.core.models import Order, OrderRequest, OrderStatus, Side, new_client_order_id
from app.storage.db import open_database
from app.storage.tables import FillRow, OrderRow, PaperFillRow, PaperOrderRow, TransactionRow

SYMBOL = "TQQQ"


async def restart(trading, db_path: Path, make_trading):  # type: ignore[no-untyped-def]
    await trading.stop()
    trading_db = OrderRow._meta.database
    trading_db.close()
    open_database(db_path)
    again = make_trading(trading.clock, trading.settings)
    await again.start()
    await again.quote("10.00")
    return again


@pytest.fixture(params=["intent log", "journal row"])
def written_ahead(request: pytest.FixtureRequest) -> str:
    """Where the crash left the new order: only in the intent log (the app stopped before
    writing its SQLite row, as on the real path), or as a NEW row (older files)."""
    return str(request.param)


def journal_new_order(trading, where: str, age: timedelta = timedelta(0)) -> Order:
    request = OrderRequest(symbol=SYMBOL, side=Side.BUY, quantity=Decimal("1"))
    order = Order(new_client_order_id(), request, trading.clock.now() - age)
    if where == "intent log":
        trading.execution.store.save_ahead(order)  # the broker never saw it
        assert count(OrderRow, lambda: OrderRow.client_order_id == order.client_order_id) == 0
    else:
        trading.execution.store.save(order)  # journaled NEW; the broker never saw it
    return order


def count(table, where: Callable[[], object]) -> int:  # type: ignore[no-untyped-def]
    return table.select().where(where()).count()


async def test_crash_after_journal_before_submit_resends_once(
    trading, db_path, make_trading, written_ahead
) -> None:
    order = journal_new_order(trading, written_ahead)
    coid = order.client_order_id
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.last_reconcile.resubmitted == 1
    await trading.quote("10.00")
    assert trading.execution.get_order(coid).status is OrderStatus.FILLED
    assert count(PaperOrderRow, lambda: PaperOrderRow.client_order_id == coid) == 1
    trading = await restart(trading, db_path, make_trading)  # and again: nothing is sent twice
    await trading.quote("10.00")
    assert count(PaperOrderRow, lambda: PaperOrderRow.client_order_id == coid) == 1
    assert count(PaperFillRow, lambda: PaperFillRow.client_order_id == coid) == 1
    assert TransactionRow.select().count() == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    await trading.stop()


async def test_stale_unsent_order_is_not_sent_hours_later(
    trading, db_path, make_trading, written_ahead
) -> None:
    order = journal_new_order(trading, written_ahead, age=timedelta(hours=3))
    trading = await restart(trading, db_path, make_trading)
    row = OrderRow.get(OrderRow.client_order_id == order.client_order_id)
    assert row.status == "rejected" and row.reason == "not sent before restart"
    assert PaperOrderRow.select().count() == 0
    await trading.stop()


async def test_crash_after_broker_accepted_before_ack_adopts_the_order(
    trading, db_path, make_trading, written_ahead
) -> None:
    order = journal_new_order(trading, written_ahead)
    await trading.broker.submit(order.client_order_id, order.request)  # ack lost in the crash
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.last_reconcile.resubmitted == 0
    await trading.quote("10.00")
    adopted = trading.execution.get_order(order.client_order_id)
    assert adopted.status is OrderStatus.FILLED
    assert PaperOrderRow.select().count() == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    await trading.stop()


async def test_crash_between_fill_and_portfolio_update_applies_it_once(
    trading, db_path, make_trading
) -> None:
    async def crash(fill):  # type: ignore[no-untyped-def]
        raise RuntimeError("power cut")

    trading.portfolio.apply_fill = crash
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    await trading.quote("10.00")
    fill_row = FillRow.get(FillRow.client_order_id == order.client_order_id)
    assert not fill_row.applied
    assert TransactionRow.select().count() == 0

    trading = await restart(trading, db_path, make_trading)
    assert TransactionRow.select().count() == 1
    assert FillRow.get(FillRow.client_order_id == order.client_order_id).applied
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    trading = await restart(trading, db_path, make_trading)
    assert TransactionRow.select().count() == 1
    assert FillRow.select().count() == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    await trading.stop()


async def test_fill_missed_while_down_is_recovered(trading, db_path, make_trading) -> None:
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    trading.broker.set_listener(_deaf)  # updates lost: the app is "down" when the fill comes
    await trading.quote("10.00")
    assert FillRow.select().count() == 0
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.get_order(order.client_order_id).status is OrderStatus.FILLED
    assert FillRow.select().count() == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    assert not [e for e in trading.of(ErrorOccurred) if "mismatch" in e.message]
    await trading.stop()


async def _deaf(update, fills) -> None:  # type: ignore[no-untyped-def]
    return None
