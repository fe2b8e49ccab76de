"""PaperBroker: fills at the quote after latency, limits, partial fills, sessions, restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.brokers.base import BrokerOrder
from app.brokers.paper import PaperBroker
from app.brokers.paper_store import PaperStore
from app.calendar import NEW_YORK, session_at
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.errors import (
    CancelRejected,
    DuplicateOrder,
    InsufficientFunds,
    OrderNotFound,
    OrderRejected,
)
from app.core.events import PriceUpdated
from app.core.models import (
    AccountType,
    Fill,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    Side,
    TimeInForce,
)
from app.storage.db import SherwoodDatabase

D = Decimal


class Recorder:
    """A real listener that keeps every update."""

    def __init__(self) -> None:
        self.updates: list[tuple[BrokerOrder, tuple[Fill, ...]]] = []

    async def __call__(self, order: BrokerOrder, fills: tuple[Fill, ...]) -> None:
        self.updates.append((order, fills))

    @property
    def fills(self) -> list[Fill]:
        return [f for _, fills in self.updates for f in fills]


async def send_quote(
    bus: EventBus,
    clock: SimulatedClock,
    bid: str = "49.99",
    ask: str = "50.01",
    size: str = "1000",
    symbol: str = "TQQQ",
) -> Quote:
    quote = Quote(symbol, D(bid), D(ask), D(ask), D(size), D(size), clock.now())
    await bus.publish(PriceUpdated(time=clock.now(), quote=quote))
    return quote


async def after_latency(clock: SimulatedClock, ms: int = 60) -> None:
    await clock.run_until(clock.now() + timedelta(milliseconds=ms))


def buy(qty: str | None = None, **kw: object) -> OrderRequest:
    quantity = D(qty) if qty is not None else None
    return OrderRequest(symbol="TQQQ", side=Side.BUY, quantity=quantity, **kw)  # type: ignore[arg-type]


def sell(qty: str, **kw: object) -> OrderRequest:
    return OrderRequest(symbol="TQQQ", side=Side.SELL, quantity=D(qty), **kw)  # type: ignore[arg-type]


def make(
    bus: EventBus, clock: SimulatedClock, settings: Settings, db: SherwoodDatabase
) -> PaperBroker:
    return PaperBroker(bus, clock, settings, session_at, PaperStore(db))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def broker(
    bus: EventBus,
    clock: SimulatedClock,
    settings: Settings,
    db: SherwoodDatabase,
    recorder: Recorder,
) -> AsyncIterator[PaperBroker]:
    paper = make(bus, clock, settings, db)
    paper.set_listener(recorder)
    await paper.connect()
    yield paper
    await paper.close()


async def test_market_buy_fills_at_ask_plus_slippage_after_latency(
    bus: EventBus,
    clock: SimulatedClock,
    settings: Settings,
    db: SherwoodDatabase,
    recorder: Recorder,
) -> None:
    paper = make(bus, clock, settings.replace(paper_slippage_bps=D("10")), db)
    paper.set_listener(recorder)
    await paper.connect()
    await send_quote(bus, clock, bid="49.98", ask="50.00")
    acked = await paper.submit("c1", buy("2"))
    assert acked.status is OrderStatus.ACCEPTED and acked.quantity == D("2")
    await clock.run_until(clock.now() + timedelta(milliseconds=20))
    assert recorder.fills == []  # latency (50 ms) not over yet
    await after_latency(clock, 40)
    (fill,) = recorder.fills
    assert fill.price == D("50.05")  # 50.00 + 10 bps, on the tick
    assert fill.quantity == D("2") and fill.side is Side.BUY
    assert fill.time == clock.now() - timedelta(milliseconds=10)
    order = await paper.get_order("c1")
    assert order is not None and order.status is OrderStatus.FILLED
    assert order.average_fill_price == D("50.05")
    account = await paper.account()
    assert account.cash == D("1000.00") - D("100.10")
    assert [(p.symbol, p.quantity, p.average_cost) for p in await paper.positions()] == [
        ("TQQQ", D("2"), D("50.05"))
    ]
    await paper.close()


async def test_market_sell_fills_at_bid(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock, recorder: Recorder
) -> None:
    await send_quote(bus, clock, bid="49.90", ask="50.00")
    await broker.submit("b", buy("3"))
    await after_latency(clock)
    await send_quote(bus, clock, bid="51.20", ask="51.30")
    await broker.submit("s", sell("1"))
    await after_latency(clock)
    assert [(f.side, f.price) for f in recorder.fills] == [
        (Side.BUY, D("50.00")),
        (Side.SELL, D("51.20")),
    ]
    account = await broker.account()
    assert account.cash == D("1000") - D("150.00") + D("51.20")
    assert account.equity == account.cash + 2 * D("51.20")


async def test_limit_buy_rests_until_the_ask_crosses(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock, recorder: Recorder
) -> None:
    await send_quote(bus, clock, ask="50.01")
    request = buy("1", order_type=OrderType.LIMIT, limit_price=D("49.50"))
    await broker.submit("lim", request)
    await after_latency(clock)
    await send_quote(bus, clock, bid="49.55", ask="49.60")
    assert recorder.fills == []
    assert [o.client_order_id for o in await broker.open_orders()] == ["lim"]
    await send_quote(bus, clock, bid="49.30", ask="49.40")
    (fill,) = recorder.fills
    assert fill.price == D("49.40")  # min(limit, ask)
    assert await broker.open_orders() == []


async def test_limit_sell_fills_when_the_bid_reaches_the_limit(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock, recorder: Recorder
) -> None:
    await send_quote(bus, clock)
    await broker.submit("b", buy("1"))
    await after_latency(clock)
    await broker.submit("s", sell("1", order_type=OrderType.LIMIT, limit_price=D("52")))
    await after_latency(clock)
    await send_quote(bus, clock, bid="51.99", ask="52.05")
    assert len(recorder.fills) == 1
    await send_quote(bus, clock, bid="52.10", ask="52.15")
    assert recorder.fills[-1].price == D("52.10") and recorder.fills[-1].side is Side.SELL


async def test_partial_fills_across_quotes(
    bus: EventBus,
    clock: SimulatedClock,
    settings: Settings,
    db: SherwoodDatabase,
    recorder: Recorder,
) -> None:
    paper = make(bus, clock, settings.replace(paper_partial_fills=True), db)
    paper.set_listener(recorder)
    await paper.connect()
    await send_quote(bus, clock, ask="10.00", size="3")
    await paper.submit("p", buy("5"))
    await after_latency(clock)
    assert [f.quantity for f in recorder.fills] == [D("3")]
    assert recorder.updates[-1][0].status is OrderStatus.PARTIALLY_FILLED
    await send_quote(bus, clock, ask="10.50", size="100")
    assert [f.quantity for f in recorder.fills] == [D("3"), D("2")]
    final = recorder.updates[-1][0]
    assert final.status is OrderStatus.FILLED and final.filled_quantity == D("5")
    assert final.average_fill_price == D("10.20")
    assert len({f.execution_id for f in final.fills}) == 2
    await paper.close()


async def test_duplicate_client_id_is_refused_and_the_original_kept(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock
) -> None:
    await send_quote(bus, clock)
    await broker.submit("same", buy("1"))
    with pytest.raises(DuplicateOrder):
        await broker.submit("same", buy("7"))
    original = await broker.get_order("same")
    assert original is not None and original.quantity == D("1")
    assert await broker.get_order("never") is None


async def test_closed_session_refuses_with_a_clear_message(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock
) -> None:
    clock.set(datetime(2026, 11, 24, 21, 0, tzinfo=NEW_YORK))  # after 20:00 ET
    await send_quote(bus, clock)
    with pytest.raises(OrderRejected, match="market closed: orders are accepted in the regular"):
        await broker.submit(
            "late", buy("1", order_type=OrderType.LIMIT, limit_price=D("50"), extended_hours=True)
        )
    rejected = await broker.get_order("late")
    assert rejected is not None and rejected.status is OrderStatus.REJECTED


async def test_pre_market_accepts_only_extended_hours_whole_share_limits(
    bus: EventBus, settings: Settings, db: SherwoodDatabase
) -> None:
    clock = SimulatedClock(datetime(2026, 11, 24, 8, 0, tzinfo=NEW_YORK).astimezone(UTC))
    paper = make(bus, clock, settings, db)
    await paper.connect()
    await send_quote(bus, clock)
    limit = {"order_type": OrderType.LIMIT, "limit_price": D("50.05"), "extended_hours": True}
    accepted = await paper.submit("ok", buy("1", **limit))
    assert accepted.status is OrderStatus.ACCEPTED
    with pytest.raises(OrderRejected, match="whole shares"):
        await paper.submit("mkt", buy("1", extended_hours=True))
    with pytest.raises(OrderRejected, match="whole shares"):
        await paper.submit("frac", buy("0.5", **limit))
    with pytest.raises(OrderRejected, match="extended-hours"):
        await paper.submit("not-ext", buy("1", order_type=OrderType.LIMIT, limit_price=D("50")))
    await after_latency(clock)
    filled = await paper.get_order("ok")
    assert filled is not None and filled.status is OrderStatus.FILLED  # marketable limit
    await paper.close()


async def test_insufficient_funds_and_selling_more_than_held(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock
) -> None:
    await send_quote(bus, clock, ask="50.00")
    with pytest.raises(InsufficientFunds) as info:
        await broker.submit("big", buy("21"))
    assert info.value.needed == D("1050.00") and info.value.available == D("1000.00")
    with pytest.raises(OrderRejected, match="cannot sell 1 TQQQ"):
        await broker.submit("short", sell("1"))
    await broker.submit("b", buy("2"))
    await after_latency(clock)
    await broker.submit("s1", sell("1.5"))  # pending sells count against what is held
    with pytest.raises(OrderRejected, match=r"only 0\.5 shares"):
        await broker.submit("s2", sell("1"))


async def test_open_buys_reserve_buying_power(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock
) -> None:
    await send_quote(bus, clock, ask="50.00")
    await broker.submit("l1", buy("15", order_type=OrderType.LIMIT, limit_price=D("40")))
    assert (await broker.account()).buying_power == D("400.00")
    with pytest.raises(InsufficientFunds):
        await broker.submit("l2", buy("9"))


async def test_market_order_needs_a_fresh_quote(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock
) -> None:
    with pytest.raises(OrderRejected, match="no quote for TQQQ"):
        await broker.submit("a", buy("1"))
    await send_quote(bus, clock)
    clock.advance(31)  # quote_stale_seconds = 30
    with pytest.raises(OrderRejected, match="no quote for TQQQ"):
        await broker.submit("b", buy("1"))


async def test_dollar_orders_are_priced_at_the_ask(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock, recorder: Recorder
) -> None:
    await send_quote(bus, clock, ask="50.01")
    order = await broker.submit("usd", buy(notional=D("20")))
    assert order.quantity == D("0.399920")
    with pytest.raises(OrderRejected, match="at least"):
        await broker.submit("tiny", buy(notional=D("0.50")))
    await after_latency(clock)
    assert recorder.fills[0].quantity == D("0.399920")


async def test_cancel_open_filled_and_unknown(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock, recorder: Recorder
) -> None:
    await send_quote(bus, clock)
    await broker.submit("rest", buy("1", order_type=OrderType.LIMIT, limit_price=D("40")))
    cancelled = await broker.cancel("rest")
    assert cancelled.status is OrderStatus.CANCELLED
    assert recorder.updates[-1][0].status is OrderStatus.CANCELLED
    await send_quote(bus, clock, bid="39", ask="39.5")
    assert recorder.fills == []  # a cancelled order never fills
    await broker.submit("mkt", buy("1"))
    await after_latency(clock)
    with pytest.raises(CancelRejected):
        await broker.cancel("mkt")
    with pytest.raises(OrderNotFound):
        await broker.cancel("nope")


async def test_gfd_order_expires_when_the_regular_session_ends(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock, recorder: Recorder
) -> None:
    await send_quote(bus, clock)
    await broker.submit("day", buy("1", order_type=OrderType.LIMIT, limit_price=D("40")))
    gtc = buy("1", order_type=OrderType.LIMIT, limit_price=D("41"), time_in_force=TimeInForce.GTC)
    await broker.submit("gtc", gtc)
    await after_latency(clock)
    clock.set(datetime(2026, 11, 24, 16, 5, tzinfo=NEW_YORK))
    await send_quote(bus, clock, bid="38", ask="38.5")  # after hours: nothing fills
    day = await broker.get_order("day")
    assert day is not None and day.status is OrderStatus.EXPIRED
    assert recorder.fills == []
    clock.set(datetime(2026, 11, 25, 9, 31, tzinfo=NEW_YORK))
    await send_quote(bus, clock, bid="38", ask="38.5")
    assert [f.client_order_id for f in recorder.fills] == ["gtc"]


async def test_state_survives_a_restart(
    bus: EventBus, clock: SimulatedClock, settings: Settings, db: SherwoodDatabase
) -> None:
    first = make(bus, clock, settings, db)
    await first.connect()
    await send_quote(bus, clock, ask="50.00")
    await first.submit("b", buy("2"))
    await after_latency(clock)
    await first.submit("rest", buy("1", order_type=OrderType.LIMIT, limit_price=D("45")))
    await after_latency(clock)
    before = await first.account()
    await first.close()

    second = make(bus, clock, settings, db)
    recorder = Recorder()
    second.set_listener(recorder)
    await second.connect()
    assert [o.client_order_id for o in await second.open_orders()] == ["rest"]
    assert [(p.symbol, p.quantity) for p in await second.positions()] == [("TQQQ", D("2"))]
    after = await second.account()
    assert after.cash == before.cash == D("900.00")
    with pytest.raises(DuplicateOrder):
        await second.submit("b", buy("1"))
    assert len(await second.fills_since(clock.now() - timedelta(hours=1))) == 1
    await send_quote(bus, clock, bid="44.90", ask="44.95")
    assert [f.client_order_id for f in recorder.fills] == ["rest"]
    await second.close()


async def test_cash_account_proceeds_settle_t_plus_1_skipping_veterans_day(
    bus: EventBus, settings: Settings, db: SherwoodDatabase
) -> None:
    clock = SimulatedClock(datetime(2026, 11, 10, 10, 0, tzinfo=NEW_YORK).astimezone(UTC))
    paper = make(bus, clock, settings.replace(account_type=AccountType.CASH), db)
    await paper.connect()
    await send_quote(bus, clock, bid="50.00", ask="50.00")
    await paper.submit("b", buy("4"))
    await after_latency(clock)
    await paper.submit("s", sell("4"))
    await after_latency(clock)
    account = await paper.account()
    assert account.account_type is AccountType.CASH
    assert account.cash == D("1000.00")
    assert account.unsettled_cash == D("200.00") and account.settled_cash == D("800.00")
    assert account.buying_power == D("1000.00")  # unsettled funds may buy
    clock.set(datetime(2026, 11, 11, 12, 0, tzinfo=NEW_YORK))  # Veterans Day: no settlement
    assert (await paper.account()).unsettled_cash == D("200.00")
    clock.set(datetime(2026, 11, 12, 9, 0, tzinfo=NEW_YORK))
    settled = await paper.account()
    assert settled.unsettled_cash == D("0") and settled.settled_cash == D("1000.00")
    await paper.close()


async def test_equity_previous_close_is_the_last_equity_of_the_previous_day(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock
) -> None:
    await send_quote(bus, clock, bid="50", ask="50")
    await broker.submit("b", buy("10"))
    await after_latency(clock)
    await send_quote(bus, clock, bid="52", ask="52")
    first = await broker.account()
    assert first.equity == D("1020.00") and first.equity_previous_close == first.equity
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=NEW_YORK))
    await send_quote(bus, clock, bid="49", ask="49")
    nextday = await broker.account()
    assert nextday.equity == D("990.00") and nextday.equity_previous_close == D("1020.00")


async def test_reset_wipes_the_paper_account(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock
) -> None:
    await send_quote(bus, clock)
    await broker.submit("b", buy("1"))
    await after_latency(clock)
    await broker.submit("rest", buy("1", order_type=OrderType.LIMIT, limit_price=D("10")))
    await broker.reset(D("5000"))
    assert await broker.positions() == [] and await broker.open_orders() == []
    assert (await broker.account()).cash == D("5000")
    assert await broker.get_order("b") is None


async def test_previous_close_is_the_last_quote_of_the_day_without_asking_in_between(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock
) -> None:
    await send_quote(bus, clock, bid="50", ask="50")
    await broker.submit("b", buy("10"))
    await after_latency(clock)
    await send_quote(bus, clock, bid="52", ask="52")
    await send_quote(bus, clock, bid="53", ask="53")  # the day's last quote: 500 + 530
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=NEW_YORK))
    await send_quote(bus, clock, bid="49", ask="49")
    nextday = await broker.account()
    assert nextday.equity == D("990.00") and nextday.equity_previous_close == D("1030.00")


async def test_an_order_past_its_latency_fills_on_the_first_quote_that_reaches_it(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock, recorder: Recorder
) -> None:
    """A market order reaches the exchange once its latency has passed: the first quote
    from then on fills it, even when the clock jumped past the latency without pausing
    (a backtest moving bar by bar), and a later quote does not change its price."""
    await send_quote(bus, clock, bid="49.98", ask="50.00")
    await broker.submit("c1", buy("2"))
    clock.set(clock.now() + timedelta(minutes=5))  # no pause: nothing woken has run yet
    await send_quote(bus, clock, bid="51.00", ask="51.02")  # the next bar's open
    await send_quote(bus, clock, bid="53.00", ask="53.02")
    (fill,) = recorder.fills
    assert fill.price == D("51.02") and fill.time == clock.now()
    await after_latency(clock)  # the latency timer wakes late: nothing more happens
    assert len(recorder.fills) == 1


async def test_an_order_still_within_its_latency_does_not_fill_on_a_quote(
    broker: PaperBroker, bus: EventBus, clock: SimulatedClock, recorder: Recorder
) -> None:
    await send_quote(bus, clock, bid="49.98", ask="50.00")
    await broker.submit("c1", buy("2"))
    clock.set(clock.now() + timedelta(milliseconds=10))  # latency 50 ms: not there yet
    await send_quote(bus, clock, bid="51.00", ask="51.02")
    assert recorder.fills == []
    await after_latency(clock)
    (fill,) = recorder.fills
    assert fill.price == D("51.02")  # the quote at hand when it went live
