"""ExecutionService: manual orders by shares and dollars, market and limit, denials, cancels."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.config import Settings
from app.core.errors import InvalidOrder
from app.core.events import (
    DecisionMade,
    ErrorOccurred,
    OrderAccepted,
    OrderCancelled,
    OrderCancelRequested,
    OrderDenied,
    OrderFilled,
    OrderPartiallyFilled,
    OrderSubmitted,
)
from app.core.models import OrderStatus, OrderType
from app.storage.tables import FillRow, OrderRow, TransactionRow

SYMBOL = "TQQQ"


async def test_market_buy_by_shares_fills_and_updates_portfolio(trading) -> None:
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    await trading.quote("10.00")
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == Decimal("1")
    assert order.average_fill_price == Decimal("10.01")  # the ask
    position = trading.portfolio.get_position(SYMBOL)
    assert position is not None and position.quantity == Decimal("1")
    row = OrderRow.select().where(OrderRow.client_order_id == order.client_order_id)
    assert row.get(trading.db).status == "filled"
    fill = FillRow.select().where(FillRow.client_order_id == order.client_order_id)
    fill = fill.get(trading.db)
    assert fill.applied and fill.trade_date == "2026-11-24"
    kinds = [type(e) for e in trading.events if isinstance(e, OrderSubmitted | OrderAccepted |
                                                             OrderFilled)]  # fmt: skip
    assert kinds == [OrderSubmitted, OrderAccepted, OrderFilled]


async def test_dollar_buy_gets_fractional_shares_then_sell_all(trading) -> None:
    order = await trading.execution.buy(SYMBOL, notional=Decimal("20"))
    await trading.quote("10.00")
    assert order.status is OrderStatus.FILLED
    assert Decimal("1.99") < order.filled_quantity < Decimal("2")
    held = trading.portfolio.get_position(SYMBOL).quantity
    sell = await trading.execution.sell(SYMBOL, quantity=held)
    await trading.quote("10.10")
    assert sell.status is OrderStatus.FILLED
    assert trading.portfolio.get_position(SYMBOL) is None
    assert TransactionRow.select().count(trading.db) == 2


async def test_limit_order_rests_and_cancel_is_confirmed_by_the_broker(trading) -> None:
    order = await trading.execution.buy(
        SYMBOL, quantity=Decimal("1"), order_type=OrderType.LIMIT, limit_price=Decimal("9")
    )
    await trading.quote("10.00")
    assert order.status is OrderStatus.ACCEPTED
    assert trading.execution.open_orders() == [order]

    released = []
    real_cancel = trading.broker.cancel

    async def slow_cancel(client_order_id):
        # a broker that only acknowledges the request: the order stays CANCEL_PENDING
        row = await trading.broker.get_order(client_order_id)
        released.append(client_order_id)
        from dataclasses import replace

        return replace(row, status=OrderStatus.CANCEL_PENDING)

    trading.broker.cancel = slow_cancel
    await trading.execution.cancel(order.client_order_id)
    assert order.status is OrderStatus.CANCEL_PENDING  # not assumed cancelled
    assert trading.of(OrderCancelRequested)
    assert not trading.of(OrderCancelled)

    trading.broker.cancel = real_cancel
    await trading.execution.cancel(order.client_order_id)
    assert order.status is OrderStatus.CANCELLED
    assert trading.of(OrderCancelled)
    row = OrderRow.select().where(OrderRow.client_order_id == order.client_order_id)
    assert row.get(trading.db).status == "cancelled"
    assert trading.execution.open_orders() == []


async def test_cancel_of_a_filled_order_keeps_its_state_and_reports(trading) -> None:
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    await trading.quote("10.00")
    await trading.execution.cancel(order.client_order_id)
    assert order.status is OrderStatus.FILLED
    assert any("already filled" in e.message for e in trading.of(ErrorOccurred))


async def test_risk_denial_is_an_event_with_reason_and_a_denied_journal_row(trading) -> None:
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("10"))  # $100 > $20 max
    assert order.status is OrderStatus.DENIED
    denied = trading.of(OrderDenied)
    assert len(denied) == 1
    assert denied[0].source == "risk" and denied[0].reason == order.reason
    assert denied[0].max_quantity is not None and denied[0].max_quantity < 2
    row = OrderRow.select().where(OrderRow.client_order_id == order.client_order_id)
    row = row.get(trading.db)
    assert row.status == "denied" and row.reason == order.reason
    decisions = trading.of(DecisionMade)
    assert decisions[-1].outcome == "denied"
    await trading.quote("10.00")
    assert trading.portfolio.get_position(SYMBOL) is None


async def test_a_raising_check_denies_fail_closed(trading) -> None:
    def broken(request, pending=()):
        raise RuntimeError("boom")

    trading.risk.validate_order = broken
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("0.1"))
    assert order.status is OrderStatus.DENIED
    assert order.reason == "risk check failed: boom"


async def test_malformed_order_raises_invalid_order(trading) -> None:
    with pytest.raises(InvalidOrder):
        await trading.execution.buy(SYMBOL)
    with pytest.raises(InvalidOrder):
        await trading.execution.buy(SYMBOL, quantity=Decimal("-1"))


async def test_broker_rejection_is_rejected_with_the_broker_reason(trading) -> None:
    order = await trading.execution.sell(SYMBOL, quantity=Decimal("0.1"))
    # risk refuses selling what is not held before the broker could
    assert order.status in (OrderStatus.DENIED, OrderStatus.REJECTED)
    assert order.reason


@pytest.mark.parametrize(
    "trade_settings",
    [Settings().replace(paper_latency_ms=0, paper_partial_fills=True)],
)
async def test_partial_fills_move_the_order_through_partially_filled(trading) -> None:
    await trading.quote("10.00", size="0.5")
    order = await trading.execution.buy(SYMBOL, quantity=Decimal("1.5"), order_type=OrderType.LIMIT,
                                        limit_price=Decimal("11"))  # fmt: skip
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.filled_quantity == Decimal("0.5")
    assert trading.execution.open_orders() == [order]
    for _ in range(2):
        await trading.quote("10.00", size="0.5")
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == Decimal("1.5")
    assert len(trading.of(OrderPartiallyFilled)) == 2
    assert len(trading.of(OrderFilled)) == 1
    fills = FillRow.select().where(FillRow.client_order_id == order.client_order_id)
    fills = fills.execute(trading.db)
    assert [f.quantity for f in fills] == [Decimal("0.5")] * 3
    assert trading.portfolio.get_position(SYMBOL).quantity == Decimal("1.5")
