"""Restarts: between journal write and broker ack, and between fill and its effects.

A "crash" stops the services without any clean-up of the order in flight,
closes the database file and opens it again; a new set of services then
starts on the same file and reconciles with the (paper) broker.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.core.events import ErrorOccurred
from app.core.models import (
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    Side,
    new_client_order_id,
)
from app.storage.db import open_database
from app.storage.tables import FillRow, OrderRow, PaperFillRow, PaperOrderRow, TransactionRow

SYMBOL = "TQQQ"


async def restart(trading, db_path: Path, make_trading):  # type: ignore[no-untyped-def]
    await trading.stop()
    trading.db.close()
    again = make_trading(open_database(db_path), trading.clock, trading.settings)
    await again.start()
    await again.quote("10.00")
    return again


@pytest.fixture(params=["new", "accepted"])
def journaled_as(request: pytest.FixtureRequest) -> str:
    """What the journal said when the app stopped: NEW (stopped before the broker call)
    or ACCEPTED (the broker acknowledged it, then lost it)."""
    return str(request.param)


def journal_unsent_order(trading, state: str, age: timedelta = timedelta(0)) -> Order:  # type: ignore[no-untyped-def]
    """An order on disk as a crash left it: journaled, but the broker never has it."""
    request = OrderRequest(symbol=SYMBOL, side=Side.BUY, quantity=Decimal("1"))
    created = trading.clock.now() - age
    order = Order(new_client_order_id(), request, created)
    trading.execution.store.save(order)
    if state == "accepted":
        order.transition(OrderStatus.SUBMITTED, created)
        order.transition(OrderStatus.ACCEPTED, created)
        order.broker_order_id = "paper-lost"
        trading.execution.store.save(order)
    return order


def count(trading, table: Any, coid: str | None = None) -> int:  # type: ignore[no-untyped-def]
    query = table.select()
    if coid is not None:
        query = query.where(table.client_order_id == coid)
    return int(query.count(trading.db))


async def test_crash_after_journal_before_submit_resends_once(
    trading, db_path, make_trading, journaled_as
) -> None:
    coid = journal_unsent_order(trading, journaled_as).client_order_id
    assert count(trading, PaperOrderRow, coid) == 0
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.last_reconcile.resubmitted == 1
    await trading.quote("10.00")
    assert trading.execution.get_order(coid).status is OrderStatus.FILLED
    assert count(trading, PaperOrderRow, coid) == 1
    trading = await restart(trading, db_path, make_trading)  # and again: nothing is sent twice
    await trading.quote("10.00")
    assert count(trading, PaperOrderRow, coid) == 1 and count(trading, PaperFillRow, coid) == 1
    assert count(trading, FillRow, coid) == 1 and count(trading, TransactionRow) == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    await trading.stop()


async def test_a_resent_order_waits_for_a_fresh_quote(trading, db_path, make_trading) -> None:
    """The quote replayed on start is stale: the order goes out on the next fresh one."""
    coid = journal_unsent_order(trading, "new").client_order_id
    await trading.stop()
    trading.db.close()
    trading = make_trading(open_database(db_path), trading.clock, trading.settings)
    await trading.start()
    p, half = Decimal("10"), Decimal("0.01")
    stale = Quote(SYMBOL, p - half, p + half, p, p, p, trading.clock.now(), stale=True)
    await trading.market_data.on_quote(stale)
    await trading.settle()
    assert trading.execution.get_order(coid).status is OrderStatus.NEW  # waiting, not refused
    await trading.quote("10.00")
    assert trading.execution.get_order(coid).status is OrderStatus.FILLED
    await trading.stop()


async def test_stale_unsent_order_is_not_sent_hours_later(
    trading, db_path, make_trading, journaled_as
) -> None:
    order = journal_unsent_order(trading, journaled_as, age=timedelta(hours=3))
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.last_reconcile.resubmitted == 0
    await trading.quote("10.00")
    row = OrderRow.select().where(OrderRow.client_order_id == order.client_order_id)
    row = row.get(trading.db)
    assert row.status == "rejected"
    if journaled_as == "new":
        assert row.reason == "not sent before restart"
    else:
        assert "never received" in row.reason
    assert count(trading, PaperOrderRow) == 0
    assert trading.portfolio.get_position(SYMBOL) is None
    await trading.stop()


async def test_crash_after_broker_accepted_before_ack_adopts_the_order(
    trading, db_path, make_trading
) -> None:
    order = journal_unsent_order(trading, "new")
    limit = OrderRequest(
        symbol=SYMBOL, side=Side.BUY, quantity=Decimal("1"), order_type=OrderType.LIMIT,
        limit_price=Decimal("9.50"),
    )  # fmt: skip
    order.request = limit
    trading.execution.store.save(order)
    await trading.broker.submit(order.client_order_id, limit)  # ack lost in the crash
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.last_reconcile.resubmitted == 0
    await trading.quote("9.40")
    adopted = trading.execution.get_order(order.client_order_id)
    assert adopted.status is OrderStatus.FILLED
    assert count(trading, PaperOrderRow) == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    await trading.stop()


async def test_submitted_order_survives_a_restart_right_after_the_event(
    trading, db_path, make_trading
) -> None:
    """A resting order, stopped right after OrderSubmitted: journal and broker agree."""
    order = await trading.execution.buy(
        SYMBOL, quantity=Decimal("1"), order_type=OrderType.LIMIT, limit_price=Decimal("9.50")
    )
    coid = order.client_order_id
    row = OrderRow.select().where(OrderRow.client_order_id == coid).get(trading.db)
    assert row.status == "accepted" and row.broker_order_id == order.broker_order_id
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.last_reconcile.resubmitted == 0
    await trading.quote("9.40")
    assert trading.execution.get_order(coid).status is OrderStatus.FILLED
    assert count(trading, PaperOrderRow, coid) == 1 and count(trading, FillRow, coid) == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    await trading.stop()


async def test_failure_between_fill_and_its_effects_applies_them_once_on_restart(
    trading, db_path, make_trading
) -> None:
    def crash(fill):  # type: ignore[no-untyped-def]
        raise RuntimeError("power cut")

    trading.portfolio.book = crash
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    assert order.status is OrderStatus.FILLED  # the fill is journaled ...
    fill_row = FillRow.select().where(FillRow.client_order_id == order.client_order_id)
    assert not fill_row.get(trading.db).applied  # ... its effects are not
    assert count(trading, TransactionRow) == 0

    trading = await restart(trading, db_path, make_trading)
    assert count(trading, TransactionRow) == 1
    assert fill_row.get(trading.db).applied
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    trading = await restart(trading, db_path, make_trading)
    assert count(trading, TransactionRow) == 1 and count(trading, FillRow) == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    await trading.stop()


async def test_fill_missed_while_down_is_recovered(trading, db_path, make_trading) -> None:
    order = await trading.execution.buy(
        SYMBOL, quantity=Decimal("1"), order_type=OrderType.LIMIT, limit_price=Decimal("9.50")
    )
    trading.broker.set_listener(_deaf)  # updates lost: the app is "down" when the fill comes
    await trading.quote("9.40")
    assert count(trading, FillRow) == 0 and count(trading, PaperFillRow) == 1
    trading = await restart(trading, db_path, make_trading)
    assert trading.execution.get_order(order.client_order_id).status is OrderStatus.FILLED
    assert count(trading, FillRow) == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1")
    assert not [e for e in trading.of(ErrorOccurred) if "mismatch" in e.message]
    await trading.stop()


async def _deaf(update, fills) -> None:  # type: ignore[no-untyped-def]
    return None
