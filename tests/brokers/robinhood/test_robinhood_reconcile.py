"""Reconciliation against the fake Robinhood over real HTTP: orders and positions made outside
Sherwood (the Robinhood app) are adopted with a notice and counted like Sherwood's own; a
round after executions the poller missed counts each execution once; a journaled order
Robinhood never received is resolved by its ref_id."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fake_robinhood import FakeRobinhood
from fake_robinhood.state import Position as FakePosition
from live_robinhood import SYMBOL, Live, build_live, eventually, make_broker

from app.core.events import ErrorOccurred, OutsideTradeAdopted, ReconciliationCompleted
from app.core.models import Order, OrderRequest, OrderSource, OrderStatus, OrderType, Side
from app.gateway.service import GatewayService
from app.storage.tables import FillRow, OrderRow, TransactionRow


def positions(live: Live) -> dict[str, Decimal]:
    return {p.symbol: p.quantity for p in live.portfolio.open_positions()}


def fake_positions(fake: FakeRobinhood) -> dict[str, Decimal]:
    return {p.symbol: p.quantity for p in fake.state.positions if p.quantity}


def notices(live: Live) -> list[str]:
    return [e.message for e in live.events if isinstance(e, OutsideTradeAdopted)]


def rows(live: Live, table: Any) -> int:
    return int(table.select().count(live.db))


async def test_an_outside_sell_of_a_same_day_buy_is_adopted_and_counts_as_a_day_trade(
    live: Live,
) -> None:
    bought = await live.execution.buy(SYMBOL, quantity=Decimal(1))
    await live.settled(bought)
    assert live.compliance.status().own_count == 0

    sold = live.fake.trading.place_outside(SYMBOL, "sell", Decimal(1), Decimal("63.00"))
    assert sold.state == "filled" and fake_positions(live.fake) == {}
    report = await live.execution.reconcile()

    adopted = live.execution.get_order(f"robinhood:{sold.id}")
    assert adopted is not None and adopted.request.source is OrderSource.EXTERNAL
    assert adopted.status is OrderStatus.FILLED and adopted.side is Side.SELL
    assert adopted.broker_order_id == sold.id and adopted.filled_quantity == Decimal(1)
    assert positions(live) == fake_positions(live.fake) == {}
    assert live.compliance.status().own_count == 1  # the round trip is a day trade
    [notice] = notices(live)
    assert "outside Sherwood" in notice and "sell 1 TQQQ" in notice and sold.id in notice
    assert report.fills_recovered == 1 and report.problems == []
    journaled = {f.execution_id for f in live.execution.fills(100)}
    assert journaled == {e["id"] for o in live.fake.trading.orders for e in o.executions}

    await live.execution.reconcile()  # the next round finds nothing new
    assert rows(live, FillRow) == 2 and rows(live, TransactionRow) == 2
    assert len(notices(live)) == 1 and live.compliance.status().own_count == 1


async def test_an_outside_resting_order_is_adopted_then_followed_and_cancellable(
    live: Live,
) -> None:
    resting = live.fake.trading.place_outside(SYMBOL, "buy", Decimal(2), Decimal("60.00"))
    other = live.fake.trading.place_outside(SYMBOL, "buy", Decimal(1), Decimal("59.00"))
    await live.execution.reconcile()

    coid = f"robinhood:{resting.id}"
    adopted = live.execution.get_order(coid)
    assert adopted is not None and adopted.status is OrderStatus.ACCEPTED
    # journaled as placed: a limit order at its price (a collared market buy, as Sherwood
    # sends one, is not); the orders table and the notice say so
    assert adopted.request.order_type is OrderType.LIMIT
    assert adopted.request.limit_price == Decimal("60.00")
    assert any("buy 2 TQQQ limit $60.00, open" in n for n in notices(live))
    assert {o.client_order_id for o in live.execution.open_orders(SYMBOL)} == {
        coid,
        f"robinhood:{other.id}",
    }
    assert len(notices(live)) == 2

    # The market comes down to the limit: the broker's poller reports the fill like any other.
    await live.quote("59.90", "59.95")
    await eventually(lambda: adopted.status is OrderStatus.FILLED, "the outside order's fill")
    await eventually(lambda: positions(live) == {SYMBOL: Decimal(2)}, "the position")
    assert positions(live) == fake_positions(live.fake)

    # The other one can be cancelled from Sherwood: the cancel is confirmed by polling.
    await live.execution.cancel(f"robinhood:{other.id}")
    await eventually(lambda: other.state == "cancelled", "the cancel at Robinhood")
    await eventually(
        lambda: live.execution.status(f"robinhood:{other.id}") is OrderStatus.CANCELLED,
        "the cancel in Sherwood",
    )
    assert len(live.fake.trading.orders) == 2  # nothing was ever sent for them


async def test_an_outside_market_buy_is_journaled_as_market(live: Live) -> None:
    """Robinhood shows a market buy as a limit at the ask with a collar (as Sherwood's own
    are sent): adopted, it is a market order, not a limit order at the collar's price."""
    collared = live.fake.trading.place_outside(SYMBOL, "buy", Decimal(1), Decimal("50.00"))
    collared.preset_percent_limit = "0.05"
    await live.execution.reconcile()
    adopted = live.execution.get_order(f"robinhood:{collared.id}")
    assert adopted is not None and adopted.request.order_type is OrderType.MARKET
    assert adopted.request.limit_price is None
    assert any(f"buy 1 {SYMBOL}, " in n for n in notices(live))  # no "limit"


async def test_an_outside_position_is_adopted_at_start_with_a_notice(
    fake: FakeRobinhood, gateway: GatewayService, live_db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    fake.state.positions.append(FakePosition("SPY", Decimal(2), Decimal("590.00")))
    live = build_live(fake, gateway, live_db)
    await live.start()
    try:
        held = live.portfolio.get_position("SPY")
        assert held is not None and held.quantity == Decimal(2)
        assert held.average_cost == Decimal("590.00")
        [notice] = notices(live)
        assert "position mismatch in SPY" in notice and "adopted" in notice
        assert any(
            r.levelname == "WARNING" and "position mismatch in SPY" in r.getMessage()
            for r in caplog.records
        )
        [history] = live.portfolio.transactions(10, "SPY")
        assert history.client_order_id == "outside Sherwood"
        assert [e for e in live.events if isinstance(e, ReconciliationCompleted)]
        assert live.compliance.status().own_count == 0  # no trade was seen, none is counted
        assert rows(live, FillRow) == 0

        await live.execution.reconcile()  # adopted once
        assert len(notices(live)) == 1 and rows(live, TransactionRow) == 1
        assert positions(live) == fake_positions(fake)
    finally:
        await live.stop()


async def test_a_round_after_executions_the_poller_missed_counts_each_once(live: Live) -> None:
    await live.broker.close()  # the poller is down (the network, a crash of its task)
    live.fake.trading.script_next(parts=[Decimal(1), Decimal(1), Decimal(1)])
    order = await live.execution.buy(SYMBOL, quantity=Decimal(3))
    for _ in range(4):  # the fake executes one part per request it answers
        await live.broker.open_orders()
    [at_fake] = live.fake_orders(order)
    assert at_fake.state == "filled" and len(at_fake.executions) == 3
    assert order.status is not OrderStatus.FILLED and order.fill_ids == []

    report = await live.execution.reconcile()

    assert order.status is OrderStatus.FILLED and order.filled_quantity == Decimal(3)
    assert report.fills_recovered == 3
    reads = order_reads(live, at_fake.id)
    await live.broker.connect()  # the poller is back: it reports what it never did, ignored
    await eventually(lambda: order_reads(live, at_fake.id) > reads, "the poller's read")
    await live.execution.reconcile()
    await live.bus.flush()
    assert rows(live, FillRow) == 3 and rows(live, TransactionRow) == 3
    assert notices(live) == []
    live.assert_books_match()


def order_reads(live: Live, broker_order_id: str) -> int:
    """How many times the order was read at the fake (by id)."""
    path = f"/orders/{broker_order_id}"
    return len([r for r in live.fake.requests if r.method == "GET" and r.path.rstrip("/") == path])


async def test_a_journaled_order_robinhood_never_received_is_rejected_by_a_later_round(
    live: Live,
) -> None:
    request = OrderRequest(SYMBOL, Side.BUY, Decimal(1))
    order = Order(
        "bbbbbbbb-2222-4333-8444-555555555555", request,
        created_at=live.clock.now() - timedelta(minutes=2),
    )  # fmt: skip
    order.transition(OrderStatus.SUBMITTED, order.created_at)
    live.execution.store.save(order)  # sent, the answer lost, and Robinhood never made it

    await live.execution.reconcile()

    assert order.status is OrderStatus.REJECTED and "never received" in order.reason
    assert live.fake.trading.orders == []  # looked up by ref_id, never resent


async def test_a_journaled_order_robinhood_did_make_is_resolved_by_a_later_round(
    live: Live, gateway: GatewayService
) -> None:
    request = OrderRequest(SYMBOL, Side.BUY, Decimal(2))
    order = Order("cccccccc-2222-4333-8444-555555555555", request, created_at=live.clock.now())
    order.transition(OrderStatus.SUBMITTED, live.clock.now())
    live.execution.store.save(order)  # sent ...
    sender = make_broker(gateway)  # ... made at Robinhood; the answer never got home
    await sender.submit(order.client_order_id, request)
    await live.broker.open_orders()  # Robinhood confirms and fills it

    await live.execution.reconcile()

    assert order.status is OrderStatus.FILLED and len(live.fake.trading.orders) == 1
    assert rows(live, OrderRow) == 1 and notices(live) == []
    live.assert_books_match()


async def test_an_adopted_outside_order_survives_a_restart_and_is_never_sent(
    fake: FakeRobinhood, gateway: GatewayService, live_db: Any
) -> None:
    resting = fake.trading.place_outside(SYMBOL, "buy", Decimal(1), Decimal("60.00"))
    first = build_live(fake, gateway, live_db)
    await first.start()  # adopted by the start-up round
    await first.stop()

    second = build_live(fake, gateway, live_db)
    await second.start()
    try:
        coid = f"robinhood:{resting.id}"
        order = second.execution.get_order(coid)
        assert order is not None and order.status is OrderStatus.ACCEPTED
        await second.quote("59.90", "59.95")  # a fresh quote: nothing is resent on it
        await eventually(lambda: order.status is OrderStatus.FILLED, "the fill, followed again")
        assert positions(second) == fake_positions(fake) == {SYMBOL: Decimal(1)}
        assert len(fake.trading.orders) == 1 and fake.calls("POST", "/orders/") == []
        assert len(notices(first)) == 1 and notices(second) == []  # adopted once
    finally:
        await second.stop()


async def test_an_outside_round_trip_is_adopted_in_time_order_as_one_day_trade(
    live: Live,
) -> None:
    bought = live.fake.trading.place_outside(SYMBOL, "buy", Decimal(2), Decimal("63.20"))
    sold = live.fake.trading.place_outside(SYMBOL, "sell", Decimal(2), Decimal("63.00"))
    assert bought.state == sold.state == "filled"  # Robinhood lists the sale first

    report = await live.execution.reconcile()

    assert report.problems == [] and len(notices(live)) == 2
    assert not any("position mismatch" in n for n in notices(live))  # the buy came first
    assert positions(live) == fake_positions(live.fake) == {}
    assert live.compliance.status().own_count == 1
    [history] = [t for t in live.portfolio.transactions(10) if t.side is Side.SELL]
    assert history.realized_pnl == Decimal("-0.20")  # (63.10 - 63.20) x 2, as at Robinhood


async def test_an_order_left_unsent_is_resolved_after_a_start_without_a_session(
    fake: FakeRobinhood, gateway: GatewayService, live_db: Any
) -> None:
    first = build_live(fake, gateway, live_db)
    await first.start()
    order = Order(
        "dddddddd-2222-4333-8444-555555555555", OrderRequest(SYMBOL, Side.BUY, Decimal(1)),
        created_at=first.clock.now(),
    )  # fmt: skip
    first.execution.store.save(order)  # journaled NEW; the app stops before the broker call
    await first.stop()
    await gateway.logout()

    second = build_live(fake, gateway, live_db)
    await second.start()  # no session: the start-up round waits for the login
    try:
        assert second.execution.last_reconcile is not None
        assert second.execution.last_reconcile.skipped
        await gateway.login("dave", "hunter2")
        await second.execution.reconcile()  # what the login's round does
        await second.quote("63.10", "63.20")  # resent on the first fresh quote, same ref_id
        await eventually(
            lambda: second.execution.status(order.client_order_id) is OrderStatus.FILLED,
            "the fill",
        )
        assert len(fake.trading.by_ref(order.client_order_id)) == 1
        assert len(fake.trading.orders) == 1
        second.assert_books_match()
    finally:
        await second.stop()


async def test_robinhood_failing_during_a_round_is_reported_and_the_next_round_catches_up(
    live: Live,
) -> None:
    live.fake.state.positions.append(FakePosition("SPY", Decimal(2), Decimal("590.00")))
    live.fake.fail_next("GET", r"/positions/?", 503, times=3)  # every retry of the read fails

    report = await live.execution.reconcile()

    assert any("positions" in p for p in report.problems) and notices(live) == []
    assert positions(live) == {}  # nothing adopted on a guess

    await live.execution.reconcile()  # Robinhood answers again
    assert positions(live) == fake_positions(live.fake) == {"SPY": Decimal(2)}
    assert len(notices(live)) == 1


async def test_an_execution_reported_after_the_cancel_is_booked_once(live: Live) -> None:
    """Robinhood reports a cancelled order with an execution that happened before the cancel
    took effect: the shares were bought all the same, so Sherwood books them (position,
    cash, day trades), keeps the order cancelled with its filled part, and says nothing
    more about it in later rounds."""
    order = await live.execution.buy(
        SYMBOL, quantity=Decimal(3), order_type=OrderType.LIMIT, limit_price=Decimal("50.00")
    )
    await eventually(lambda: order.status is OrderStatus.ACCEPTED, "the resting order")
    await live.execution.cancel(order.client_order_id)
    await eventually(lambda: order.status is OrderStatus.CANCELLED, "the confirmed cancel")
    assert positions(live) == {}

    [at_fake] = live.fake_orders(order)
    live.fake.trading.fill(at_fake, Decimal(1), Decimal("50.00"))  # reported late
    at_fake.state = "cancelled"
    errors_before = len([e for e in live.events if isinstance(e, ErrorOccurred)])

    await live.execution.reconcile()
    await live.execution.reconcile()
    await live.bus.flush()

    assert order.status is OrderStatus.CANCELLED and order.filled_quantity == Decimal(1)
    assert positions(live) == {SYMBOL: Decimal(1)} == fake_positions(live.fake)
    assert rows(live, FillRow) == 1 and rows(live, TransactionRow) == 1
    assert len([e for e in live.events if isinstance(e, ErrorOccurred)]) == errors_before
    live.assert_books_match()
