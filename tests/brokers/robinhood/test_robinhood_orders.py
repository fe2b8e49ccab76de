"""A click through Sherwood's pipeline to the fake Robinhood: market and dollar buys, limit
orders that rest and fill, partial fills, cancels, a late rejection, a sale.

Each test ends with one order per click at the fake (its ``ref_id`` is the
journal's client id), every execution counted once, positions equal."""

from __future__ import annotations

from decimal import Decimal

from live_robinhood import SYMBOL, Live, eventually

from app.core.events import OrderCancelled, OrderPartiallyFilled, OrderRejected
from app.core.models import OrderStatus, OrderType, TradingState
from app.execution.control import TradingControls


async def test_market_buy_is_one_collared_order_under_the_journal_id_and_fills(
    live: Live,
) -> None:
    order = await live.execution.buy(SYMBOL, quantity=Decimal(2))
    await live.settled(order)

    [placed] = live.fake_orders(order)
    assert placed.type == "limit" and placed.preset_percent_limit == "0.05"
    assert placed.price == Decimal("63.20") and placed.time_in_force == "gfd"
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == 2 and order.average_fill_price == Decimal("63.20")
    assert len(live.fake.trading.orders) == 1
    live.assert_books_match()


async def test_dollar_buy_sends_the_shares_the_dollars_buy_at_the_ask(live: Live) -> None:
    order = await live.execution.buy(SYMBOL, notional=Decimal(5))
    await live.settled(order)

    [placed] = live.fake_orders(order)
    assert placed.quantity == Decimal("0.079113")  # $5 / $63.20, rounded down
    assert placed.quantity * Decimal("63.20") <= 5
    assert order.status is OrderStatus.FILLED and order.filled_quantity == placed.quantity
    live.assert_books_match()


async def test_limit_order_rests_until_the_price_comes_then_fills(live: Live) -> None:
    order = await live.execution.buy(
        SYMBOL, quantity=Decimal(1), order_type=OrderType.LIMIT, limit_price=Decimal("62.00")
    )
    [placed] = live.fake_orders(order)
    await eventually(lambda: placed.state == "confirmed", "a poll")
    await eventually(lambda: len(live.fake.calls("GET", "/orders/")) > 3, "more polls")
    assert order.status is OrderStatus.ACCEPTED and not placed.executions

    await live.quote("61.80", "61.90")
    await live.settled(order)
    assert order.status is OrderStatus.FILLED and order.average_fill_price == Decimal("61.90")
    live.assert_books_match()


async def test_partial_fills_are_each_counted_once(live: Live) -> None:
    live.fake.trading.script_next(parts=[Decimal(1), Decimal(1)])
    order = await live.execution.buy(SYMBOL, quantity=Decimal(3))
    await live.settled(order)

    [placed] = live.fake_orders(order)
    assert len(placed.executions) == 3
    assert order.status is OrderStatus.FILLED and order.filled_quantity == 3
    partials = [e for e in live.events if isinstance(e, OrderPartiallyFilled)]
    assert len(partials) == 2
    assert sorted(order.fill_ids) == sorted(e["id"] for e in placed.executions)
    live.assert_books_match()


async def test_cancel_of_a_resting_order_is_confirmed_by_robinhood(live: Live) -> None:
    order = await live.execution.buy(
        SYMBOL, quantity=Decimal(1), order_type=OrderType.LIMIT, limit_price=Decimal("60.00")
    )
    await eventually(lambda: order.status is OrderStatus.ACCEPTED, "acceptance")

    await live.execution.cancel(order.client_order_id)
    await live.settled(order)

    [placed] = live.fake_orders(order)
    assert placed.state == "cancelled" and order.status is OrderStatus.CANCELLED
    assert len([e for e in live.events if isinstance(e, OrderCancelled)]) == 1
    live.assert_books_match()


async def test_cancel_after_the_fill_is_refused_and_the_fill_stands(live: Live) -> None:
    order = await live.execution.buy(SYMBOL, quantity=Decimal(1))
    await live.settled(order)

    await live.execution.cancel(order.client_order_id)

    assert order.status is OrderStatus.FILLED
    assert live.fake_orders(order)[0].state == "filled"
    live.assert_books_match()


async def test_late_rejection_reaches_the_order_with_robinhoods_reason(live: Live) -> None:
    live.fake.trading.script_next(reject="This security is not tradable at this time.")
    order = await live.execution.buy(SYMBOL, quantity=Decimal(1))
    await live.settled(order)

    assert order.status is OrderStatus.REJECTED
    assert "not tradable" in order.reason
    rejected = [e for e in live.events if isinstance(e, OrderRejected)]
    assert [e.reason for e in rejected] == [order.reason]
    live.assert_books_match()


async def test_refusal_at_placing_is_a_rejection_with_robinhoods_words(live: Live) -> None:
    order = await live.execution.sell(SYMBOL, quantity=Decimal(1))  # nothing held

    assert order.status in (OrderStatus.DENIED, OrderStatus.REJECTED)
    assert live.fake.trading.orders == []


async def test_buy_then_sell_leaves_the_same_positions_on_both_sides(live: Live) -> None:
    buy = await live.execution.buy(SYMBOL, quantity=Decimal(3))
    await live.settled(buy)
    sell = await live.execution.sell(SYMBOL, quantity=Decimal(1))
    await live.settled(sell)

    assert sell.status is OrderStatus.FILLED and sell.average_fill_price == Decimal("63.10")
    assert [o.type for o in live.fake.trading.orders] == ["limit", "market"]
    assert live.fake.trading.position(SYMBOL) == 2
    live.assert_books_match()


async def test_kill_switch_cancels_the_open_orders_at_robinhood(live: Live) -> None:
    controls = TradingControls(live.bus, live.clock, live.execution, live.portfolio, live.risk)
    resting = [
        await live.execution.buy(
            SYMBOL, quantity=Decimal(1), order_type=OrderType.LIMIT, limit_price=Decimal(price)
        )
        for price in ("60.00", "59.00")
    ]

    await controls.kill_switch()
    for order in resting:
        await live.settled(order)

    assert live.risk.state is TradingState.HALTED
    assert [o.status for o in resting] == [OrderStatus.CANCELLED] * 2
    assert [o.state for o in live.fake.trading.orders] == ["cancelled", "cancelled"]
    live.assert_books_match()
