"""Reconciliation rounds with the paper broker on a real SQLite file and a simulated clock:
executions the app never heard of are recovered once, an order placed at the broker
outside Sherwood is adopted and counted (position, day trades), a position difference is
adopted with a notice, and rounds run on the clock every RECONCILE_MINUTES and when asked."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.brokers.base import BrokerOrder
from app.config import resolve_settings
from app.core.errors import SettingsError
from app.core.events import OutsideTradeAdopted
from app.core.models import Fill, OrderRequest, OrderSource, OrderStatus, Side
from app.execution.reconcile import ReconcileSchedule
from app.storage.tables import FillRow, TransactionRow

SYMBOL = "TQQQ"


def count(trading: Any, table: Any) -> int:
    return int(table.select().count(trading.db))


def notices(trading: Any) -> list[str]:
    return [e.message for e in trading.of(OutsideTradeAdopted)]


async def broker_positions(trading: Any) -> dict[str, Decimal]:
    return {p.symbol: p.quantity for p in await trading.broker.positions()}


def our_positions(trading: Any) -> dict[str, Decimal]:
    return {p.symbol: p.quantity for p in trading.portfolio.open_positions()}


def deafen(trading: Any) -> None:
    """The broker's updates stop reaching Sherwood (a poller that died, a lost connection)."""

    async def lost(_update: BrokerOrder, _fills: tuple[Fill, ...]) -> None:
        return None

    trading.broker.set_listener(lost)


async def test_fills_missed_while_updates_were_lost_are_recovered_once(trading: Any) -> None:
    deafen(trading)
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("1.5"))
    await trading.settle()
    assert order.status is OrderStatus.ACCEPTED and our_positions(trading) == {}
    assert await broker_positions(trading) == {SYMBOL: Decimal("1.5")}
    await trading.execution.attach_broker()  # updates flow again; the lost ones stay lost

    report = await trading.execution.reconcile()

    assert order.status is OrderStatus.FILLED and report.fills_recovered == 1
    assert our_positions(trading) == await broker_positions(trading)
    await trading.execution.reconcile()
    await trading.execution.reconcile()
    assert count(trading, FillRow) == 1 and count(trading, TransactionRow) == 1
    assert notices(trading) == []  # Sherwood's own order: nothing to adopt


async def test_an_order_placed_at_the_broker_outside_sherwood_is_adopted_and_counted(
    trading: Any,
) -> None:
    outside = OrderRequest(SYMBOL, Side.BUY, Decimal("3"))
    await trading.broker.submit("placed-elsewhere", outside)  # another client of the account
    await trading.settle()
    assert our_positions(trading) == {}

    await trading.execution.reconcile()

    adopted = trading.execution.get_order("placed-elsewhere")
    assert adopted is not None and adopted.status is OrderStatus.FILLED
    assert adopted.request.source is OrderSource.EXTERNAL
    assert our_positions(trading) == await broker_positions(trading) == {SYMBOL: Decimal("3")}
    [notice] = notices(trading)
    assert "outside Sherwood" in notice and "buy 3 TQQQ" in notice
    # Selling them the same day through Sherwood makes a day trade: the adopted buy counts.
    sold = await trading.execution.sell(SYMBOL, quantity=Decimal("3"))
    await trading.settle()
    assert sold.status is OrderStatus.FILLED
    assert trading.compliance.status().own_count == 1


async def test_a_position_difference_is_adopted_with_a_notice(trading: Any) -> None:
    bought = await trading.execution.buy(SYMBOL, quantity=Decimal("1.5"))
    await trading.settle()
    assert bought.status is OrderStatus.FILLED
    await trading.portfolio.reset()  # Sherwood's books lost the position; the broker has it
    [held] = await trading.broker.positions()

    await trading.execution.reconcile()

    position = trading.portfolio.get_position(SYMBOL)
    assert position is not None and position.quantity == Decimal("1.5")
    assert position.average_cost == held.average_cost
    [notice] = notices(trading)
    assert "position mismatch in TQQQ" in notice and "adopted" in notice
    await trading.execution.reconcile()
    assert len(notices(trading)) == 1 and count(trading, TransactionRow) == 1


async def test_an_outside_sale_of_shares_sherwood_never_knew_adopts_them_first(
    trading: Any,
) -> None:
    await trading.execution.buy(SYMBOL, quantity=Decimal("1.5"))
    await trading.settle()
    await trading.portfolio.reset()  # Sherwood's books lost the shares ...
    sale = OrderRequest(SYMBOL, Side.SELL, Decimal("1.5"))
    await trading.broker.submit("sold-elsewhere", sale)  # ... which are sold outside Sherwood
    await trading.settle()

    report = await trading.execution.reconcile()

    assert report.problems == []
    sold = trading.execution.get_order("sold-elsewhere")
    assert sold is not None and sold.status is OrderStatus.FILLED
    assert our_positions(trading) == await broker_positions(trading) == {}
    assert trading.portfolio.pnl().realized == 0  # no profit or loss invented for them
    first, second = notices(trading)
    assert "position mismatch in TQQQ" in first and "sell 1.5 TQQQ" in second


async def test_rounds_run_every_interval_on_the_clock_and_at_once_when_asked(
    trading: Any,
) -> None:
    schedule = ReconcileSchedule(trading.clock, trading.execution.reconcile, timedelta(minutes=3))
    task = asyncio.get_running_loop().create_task(schedule.run())
    try:
        deafen(trading)
        first = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
        await trading.settle()
        await trading.execution.attach_broker()
        await trading.tick(170)
        assert first.status is OrderStatus.ACCEPTED  # not yet: the round is due at 3 minutes
        await trading.tick(20)
        assert first.status is OrderStatus.FILLED

        await trading.quote("10.00")
        deafen(trading)
        second = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
        await trading.settle()
        await trading.execution.attach_broker()
        schedule.request()  # e.g. the user logged in again: no need to wait
        for _ in range(20):
            await asyncio.sleep(0)
        await trading.settle()
        assert second.status is OrderStatus.FILLED
        assert our_positions(trading) == await broker_positions(trading)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_a_new_interval_counts_from_when_it_is_set(trading: Any) -> None:
    schedule = ReconcileSchedule(trading.clock, trading.execution.reconcile, timedelta(hours=1))
    task = asyncio.get_running_loop().create_task(schedule.run())
    try:
        await trading.tick(60)
        schedule.update_settings(trading.settings.replace(reconcile_minutes=2.0))
        await trading.quote("10.00")
        deafen(trading)
        order = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
        await trading.settle()
        await trading.execution.attach_broker()
        assert order.status is OrderStatus.ACCEPTED  # changing the interval ran no round
        await trading.tick(130)  # two minutes after the change, not the hour first set
        assert order.status is OrderStatus.FILLED
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_reconcile_minutes_is_a_validated_setting() -> None:
    assert resolve_settings().reconcile_minutes == 3.0
    assert resolve_settings(environ={"RECONCILE_MINUTES": "10"}).reconcile_minutes == 10.0
    for wrong in ("0", "-1", "5000"):
        with pytest.raises(SettingsError) as refused:
            resolve_settings(environ={"RECONCILE_MINUTES": wrong})
        assert "RECONCILE_MINUTES" in str(refused.value)


class InstantClock:
    """A clock whose sleeps end at the next loop turn: rounds follow each other at once."""

    def now(self) -> Any:
        raise AssertionError("not needed")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


async def test_stopping_the_schedule_ends_it_whenever_the_stop_comes() -> None:
    """The app's stop cancels the schedule at whatever point of a round it is; the schedule
    must end every time (a swallowed cancellation left the app's window hanging at exit)."""
    for turns in range(40):
        rounds = 0

        async def reconcile() -> None:
            nonlocal rounds
            rounds += 1

        schedule = ReconcileSchedule(InstantClock(), reconcile, timedelta(minutes=1))  # type: ignore[arg-type]
        task = asyncio.get_running_loop().create_task(schedule.run())
        for _ in range(turns):
            await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=2.0)
        assert done, f"the schedule kept running after a stop at loop turn {turns}"
        assert task.cancelled()
    assert rounds > 0  # the rounds ran before the stop
