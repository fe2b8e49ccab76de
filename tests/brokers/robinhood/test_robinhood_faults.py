"""Whatever the network does, one click makes at most one order at the fake Robinhood, and
Sherwood ends up telling the truth about it.

Faults played by the fake over real HTTP: the order POST answered after the
client gave up (the order was made), the connection dropped after the order
was made, a 503 before it was made (once, then always), a POST that reaches
Robinhood only after the client gave up, a 429, an access token that expired
mid-session; orders and positions made outside Sherwood; a restart between
the journal row and Robinhood's answer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fake_robinhood import FakeRobinhood
from live_robinhood import SYMBOL, Live, build_live, eventually, make_broker

from app.core.events import OutsideTradeAdopted, ReconciliationCompleted
from app.core.models import Order, OrderRequest, OrderStatus, Side
from app.gateway.service import GatewayService

ORDERS = r"/orders/?"


def posts(fake: FakeRobinhood) -> int:
    return len([r for r in fake.requests if r.method == "POST" and r.path.rstrip("/") == "/orders"])


async def test_post_answered_after_the_timeout_finds_the_order_and_never_resends(
    live: Live,
) -> None:
    live.fake.trading.answer_late("POST", ORDERS, 1.5)  # made at once, answered too late

    order = await live.execution.buy(SYMBOL, quantity=Decimal(1))
    await live.settled(order)

    assert posts(live.fake) == 1
    assert len(live.fake_orders(order)) == 1 and len(live.fake.trading.orders) == 1
    assert order.status is OrderStatus.FILLED
    live.assert_books_match()


async def test_connection_dropped_after_the_order_was_made_finds_it(live: Live) -> None:
    live.fake.drop_next("POST", ORDERS, after_handler=True)

    order = await live.execution.buy(SYMBOL, notional=Decimal(10))
    await live.settled(order)

    assert posts(live.fake) == 1 and len(live.fake.trading.orders) == 1
    assert order.status is OrderStatus.FILLED
    live.assert_books_match()


async def test_503_before_the_order_was_made_resends_under_the_same_ref_id(live: Live) -> None:
    live.fake.fail_next("POST", ORDERS, 503)

    order = await live.execution.buy(SYMBOL, quantity=Decimal(1))
    await live.settled(order)

    assert posts(live.fake) == 2
    bodies = [r.body for r in live.fake.requests if r.method == "POST" and "orders" in r.path]
    assert {b["ref_id"] for b in bodies} == {order.client_order_id}
    assert len(live.fake.trading.orders) == 1 and order.status is OrderStatus.FILLED
    live.assert_books_match()


async def test_robinhood_down_leaves_the_order_unknown_not_doubled(live: Live) -> None:
    live.fake.fail_next("POST", ORDERS, 503, times=2)

    order = await live.execution.buy(SYMBOL, quantity=Decimal(1))

    assert live.fake.trading.orders == []
    assert order.status is OrderStatus.SUBMITTED and "reconcile" in order.reason
    # Later, reconciliation asks Robinhood: it never made the order, nothing is sent blindly.
    assert await live.execution.resolve_unknown(older_than=timedelta(0)) == 0
    assert live.fake.trading.orders == []


async def test_post_that_arrives_after_the_client_gave_up_is_refused_as_a_duplicate(
    live: Live,
) -> None:
    # The first POST is held 1.5 s before Robinhood acts on it: the client times out, looks
    # the order up (not there yet), resends under the same ref_id; when the first one
    # finally arrives, Robinhood refuses it (ref_id taken).
    live.fake.delay_next("POST", ORDERS, 1.5)

    order = await live.execution.buy(SYMBOL, quantity=Decimal(1))
    await live.settled(order)
    await eventually(lambda: posts(live.fake) == 2, "the held POST to arrive")
    await eventually(lambda: live.fake.trading.refused == [order.client_order_id], "refusal")

    assert len(live.fake.trading.orders) == 1 and order.status is OrderStatus.FILLED
    live.assert_books_match()


async def test_throttled_order_is_not_sent_and_says_so(live: Live) -> None:
    live.fake.throttle_next("POST", ORDERS, seconds=14)

    order = await live.execution.buy(SYMBOL, quantity=Decimal(1))

    assert order.status is OrderStatus.REJECTED and "not sent" in order.reason
    assert "14 seconds" in order.reason
    assert live.fake.trading.orders == []


async def test_expired_access_token_mid_session_is_renewed_and_the_order_placed_once(
    live: Live,
) -> None:
    first = await live.execution.buy(SYMBOL, quantity=Decimal(1))
    await live.settled(first)
    live.fake.expire_tokens()

    second = await live.execution.buy(SYMBOL, quantity=Decimal(1))
    await live.settled(second)

    assert second.status is OrderStatus.FILLED
    assert len(live.fake.trading.orders) == 2 and len(live.fake_orders(second)) == 1
    assert any(r.body.get("grant_type") == "refresh_token" for r in live.fake.requests)
    live.assert_books_match()


async def test_orders_and_positions_made_outside_sherwood_are_adopted_with_a_notice(
    fake: FakeRobinhood, gateway: GatewayService, live_db: Any
) -> None:
    fake.trading.set_quote("SPY", Decimal("599.90"), Decimal("600.00"))
    filled = fake.trading.place_outside("SPY", "buy", Decimal(2), Decimal("600.00"))
    resting = fake.trading.place_outside("TQQQ", "buy", Decimal(1), Decimal("50.00"))
    live = build_live(fake, gateway, live_db)
    await live.start()
    try:
        positions = {p.symbol: p.quantity for p in await live.broker.positions()}
        assert positions == {"SPY": Decimal(2)}
        assert {p.symbol: p.quantity for p in live.portfolio.open_positions()} == positions
        [outside] = await live.broker.open_orders()
        assert outside.client_order_id == f"robinhood:{resting.id}"
        adopted = {o.client_order_id: o.status for o in live.execution.orders()}
        assert adopted == {
            f"robinhood:{filled.id}": OrderStatus.FILLED,
            f"robinhood:{resting.id}": OrderStatus.ACCEPTED,
        }
        [report] = [e for e in live.events if isinstance(e, ReconciliationCompleted)]
        assert report.problems == ()
        notices = " | ".join(e.message for e in live.events if isinstance(e, OutsideTradeAdopted))
        assert "SPY" in notices and resting.id in notices and "outside Sherwood" in notices
    finally:
        await live.stop()


async def test_restart_after_the_journal_row_before_robinhood_sends_it_once(
    fake: FakeRobinhood, gateway: GatewayService, live_db: Any
) -> None:
    first = build_live(fake, gateway, live_db)
    await first.start()
    order = Order(
        "11111111-2222-4333-8444-555555555555", OrderRequest(SYMBOL, Side.BUY, Decimal(1)),
        created_at=first.clock.now(),
    )  # fmt: skip
    first.execution.store.save(order)  # journaled NEW; the app stops before the broker call
    await first.stop()

    second = build_live(fake, gateway, live_db)
    await second.start()
    try:
        await second.quote("63.10", "63.20")  # reconciliation resends on the first fresh quote
        await eventually(
            lambda: _status(second, order.client_order_id) is OrderStatus.FILLED, "the fill"
        )
        assert len(fake.trading.by_ref(order.client_order_id)) == 1
        assert len(fake.trading.orders) == 1
        second.assert_books_match()
    finally:
        await second.stop()


async def test_restart_after_robinhood_made_the_order_adopts_its_fills(
    fake: FakeRobinhood, gateway: GatewayService, live_db: Any
) -> None:
    first = build_live(fake, gateway, live_db)
    await first.start()
    request = OrderRequest(SYMBOL, Side.BUY, Decimal(2))
    order = Order("aaaaaaaa-2222-4333-8444-555555555555", request, created_at=first.clock.now())
    order.transition(OrderStatus.SUBMITTED, first.clock.now())
    first.execution.store.save(order)  # sent ...
    await first.stop()
    sender = make_broker(gateway)  # ... and made at Robinhood; the answer never got home
    await sender.submit(order.client_order_id, request)

    second = build_live(fake, gateway, live_db)
    await second.start()
    try:
        await eventually(
            lambda: _status(second, order.client_order_id) is OrderStatus.FILLED, "the fill"
        )
        assert len(fake.trading.orders) == 1
        second.assert_books_match()
    finally:
        await second.stop()


def _status(live: Live, client_order_id: str) -> OrderStatus | None:
    return live.execution.status(client_order_id)


async def test_robinhood_down_while_pricing_rejects_the_order_unsent(live: Live) -> None:
    live.fake.fail_next("GET", r"/quotes/?", 503, times=3)  # the GET's retries all fail

    order = await live.execution.buy(SYMBOL, quantity=Decimal(1))

    assert order.status is OrderStatus.REJECTED and "not sent" in order.reason
    assert posts(live.fake) == 0 and live.fake.trading.orders == []
