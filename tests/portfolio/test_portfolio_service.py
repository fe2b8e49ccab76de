"""PortfolioService: average cost, realized/unrealized P&L, idempotent fills, trade dates."""

from __future__ import annotations

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
from app.core.events import (
    Event,
    PositionChanged,
    PositionClosed,
    PositionOpened,
    PriceUpdated,
    TradeCompleted,
)
from app.core.models import Account, AccountType, Fill, OrderRequest, Quote, Side
from app.portfolio.service import PortfolioService
from app.portfolio.store import PortfolioStore
from app.storage.db import SherwoodDatabase

D = Decimal


class Quotes:
    """A real, tiny QuoteSource."""

    def __init__(self) -> None:
        self.latest: dict[str, Quote] = {}

    def set(self, symbol: str, bid: str, clock: SimulatedClock, stale: bool = False) -> None:
        price = D(bid)
        self.latest[symbol] = Quote(
            symbol, price, price + D("0.02"), price, D(100), D(100), clock.now(), stale=stale
        )

    def latest_quote(self, symbol: str) -> Quote | None:
        return self.latest.get(symbol)


_seq = iter(range(1, 10_000))


def fill(
    side: Side, qty: str, price: str, when: datetime, symbol: str = "TQQQ", fee: str = "0"
) -> Fill:
    n = next(_seq)
    return Fill(f"x{n}", f"c{n}", symbol, side, D(qty), D(price), when, D(fee))


@pytest.fixture
def quotes() -> Quotes:
    return Quotes()


@pytest.fixture
async def portfolio(
    bus: EventBus, clock: SimulatedClock, quotes: Quotes, db: SherwoodDatabase
) -> PortfolioService:
    service = PortfolioService(bus, clock, quotes, PortfolioStore(db))
    await service.start()
    return service


async def test_average_cost_over_fractional_buys(
    portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    now = clock.now()
    for qty, price in (("0.5", "40"), ("1.25", "44"), ("0.25", "50")):
        assert await portfolio.apply_fill(fill(Side.BUY, qty, price, now))
    position = portfolio.get_position("TQQQ")
    assert position is not None
    assert position.quantity == D("2.00")
    assert position.average_cost == D("43.75")  # (20 + 55 + 12.5) / 2


async def test_sell_realizes_pnl_and_keeps_the_average(
    portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    now = clock.now()
    await portfolio.apply_fill(fill(Side.BUY, "1", "40", now))
    await portfolio.apply_fill(fill(Side.BUY, "1", "47.5", now))
    await portfolio.apply_fill(fill(Side.SELL, "0.5", "47.75", now, fee="0.01"))
    position = portfolio.get_position("TQQQ")
    assert position is not None
    assert position.average_cost == D("43.75") and position.quantity == D("1.5")
    (latest, *_) = portfolio.transactions()
    assert latest.side is Side.SELL
    assert latest.realized_pnl == D("1.99")  # (47.75 - 43.75) x 0.5 - 0.01
    assert latest.realized_pnl_pct == D("9.0971")  # 1.99 / 21.875
    assert latest.amount == D("23.87")  # 23.875 - 0.01, in cents
    assert portfolio.pnl().realized == D("1.99")


async def test_selling_more_than_held_raises_and_changes_nothing(
    portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    with pytest.raises(ValueError, match="only 0 held"):
        await portfolio.apply_fill(fill(Side.SELL, "1", "50", clock.now()))
    await portfolio.apply_fill(fill(Side.BUY, "1", "50", clock.now()))
    with pytest.raises(ValueError, match=r"cannot sell 1\.000001"):
        await portfolio.apply_fill(fill(Side.SELL, "1.000001", "50", clock.now()))
    position = portfolio.get_position("TQQQ")
    assert position is not None and position.quantity == D("1")
    assert len(portfolio.transactions()) == 1


async def test_applying_a_fill_twice_changes_nothing_even_after_restart(
    portfolio: PortfolioService, bus: EventBus, clock: SimulatedClock, quotes: Quotes
) -> None:
    events: list[Event] = []
    bus.subscribe(TradeCompleted, events.append)
    buy = fill(Side.BUY, "2", "50", clock.now())
    assert await portfolio.apply_fill(buy) is True
    assert await portfolio.apply_fill(buy) is False
    assert len(events) == 1 and len(portfolio.transactions()) == 1
    restarted = PortfolioService(bus, clock, quotes, PortfolioStore(portfolio._store.db))
    await restarted.start()
    assert await restarted.apply_fill(buy) is False
    position = restarted.get_position("TQQQ")
    assert position is not None and position.quantity == D("2")
    assert len(restarted.transactions()) == 1 and len(events) == 1


async def test_position_events_follow_the_position(
    portfolio: PortfolioService, bus: EventBus, clock: SimulatedClock
) -> None:
    events: list[Event] = []
    bus.subscribe(Event, events.append)
    now = clock.now()
    await portfolio.apply_fill(fill(Side.BUY, "2", "10", now))
    await portfolio.apply_fill(fill(Side.SELL, "1", "12", now))
    await portfolio.apply_fill(fill(Side.SELL, "1", "13", now))
    kinds = [type(e) for e in events]
    assert kinds == [
        PositionOpened, TradeCompleted, PositionChanged, TradeCompleted,
        PositionClosed, TradeCompleted,
    ]  # fmt: skip
    closed = events[4]
    assert isinstance(closed, PositionClosed) and closed.realized_pnl == D("5.00")
    last = events[5]
    assert isinstance(last, TradeCompleted) and last.realized_pnl == D("3.00")
    assert portfolio.get_position("TQQQ") is None and portfolio.open_positions() == []


async def test_transactions_newest_first_with_limit_and_symbol(
    portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    start = clock.now()
    for minutes, symbol in ((0, "TQQQ"), (1, "AAPL"), (2, "TQQQ"), (3, "AAPL")):
        await portfolio.apply_fill(
            fill(Side.BUY, "1", "10", start + timedelta(minutes=minutes), symbol=symbol)
        )
    times = [t.time for t in portfolio.transactions()]
    assert times == sorted(times, reverse=True) and len(times) == 4
    assert [t.time for t in portfolio.transactions(limit=2)] == times[:2]
    only = portfolio.transactions(symbol="TQQQ")
    assert [t.symbol for t in only] == ["TQQQ", "TQQQ"] and only[0].time > only[1].time


async def test_unrealized_pnl_follows_the_latest_quote(
    portfolio: PortfolioService, clock: SimulatedClock, quotes: Quotes
) -> None:
    await portfolio.apply_fill(fill(Side.BUY, "4", "50", clock.now()))
    view = portfolio.position_view("TQQQ")
    assert view is not None and view.last_price is None and view.stale
    assert portfolio.pnl().unrealized == D("0")  # unpriced: counted at cost
    quotes.set("TQQQ", "51.00", clock)
    view = portfolio.position_view("TQQQ")
    assert view is not None and not view.stale
    assert view.unrealized_pnl == D("4.00") and view.unrealized_pct == D("2.00")
    assert view.market_value == D("204.00")
    quotes.set("TQQQ", "49.50", clock)
    (fresh,) = portfolio.positions()
    assert fresh.unrealized_pnl == D("-2.00")
    pnl = portfolio.pnl()
    assert (pnl.total_cost, pnl.total_value, pnl.unrealized, pnl.total) == (
        D("200.00"), D("198.00"), D("-2.00"), D("-2.00"),
    )  # fmt: skip


async def test_realized_pnl_today_uses_the_new_york_trade_date(
    portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    tuesday_3pm = datetime(2026, 11, 24, 15, 0, tzinfo=NEW_YORK)
    tuesday_9pm = datetime(2026, 11, 24, 21, 0, tzinfo=NEW_YORK)  # belongs to Wednesday
    await portfolio.apply_fill(fill(Side.BUY, "3", "10", clock.now()))
    clock.set(tuesday_3pm)
    await portfolio.apply_fill(fill(Side.SELL, "1", "11", tuesday_3pm))
    assert portfolio.realized_pnl_today() == D("1.00")
    clock.set(tuesday_9pm)
    await portfolio.apply_fill(fill(Side.SELL, "1", "14", tuesday_9pm))
    assert portfolio.realized_pnl_today() == D("4.00")  # Wednesday's trade date only
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=NEW_YORK))
    assert portfolio.realized_pnl_today() == D("4.00")
    view = portfolio.position_view("TQQQ")
    assert view is not None and view.realized_today == D("4.00")
    assert portfolio.pnl().realized == D("5.00")
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=NEW_YORK))  # Friday after Thanksgiving
    assert portfolio.realized_pnl_today() == D("0")


async def test_summary_snapshots_and_reset(
    portfolio: PortfolioService, clock: SimulatedClock, quotes: Quotes
) -> None:
    await portfolio.apply_fill(fill(Side.BUY, "2", "50", clock.now()))
    quotes.set("TQQQ", "55", clock)
    account = Account(
        AccountType.MARGIN, D("900"), D("900"), D("0"), D("900"), D("1010"), D("1000")
    )
    summary = portfolio.summary(account)
    assert summary.open_positions == 1 and summary.transactions == 1 and summary.trades_today == 1
    assert summary.equity == D("1010") and summary.pnl.unrealized == D("10.00")
    await portfolio.snapshot_equity(account)
    clock.advance(60)
    await portfolio.snapshot_equity(account)
    curve = portfolio.equity_curve()
    assert [e for _, e in curve] == [D("1010"), D("1010")] and curve[0][0] < curve[1][0]
    assert curve[1][0] == clock.now().astimezone(UTC)
    await portfolio.reset()
    assert portfolio.open_positions() == [] and portfolio.transactions() == []
    assert portfolio.equity_curve() == [] and portfolio.summary().transactions == 0


async def test_paper_broker_fills_feed_the_portfolio_and_both_agree(
    portfolio: PortfolioService,
    bus: EventBus,
    clock: SimulatedClock,
    settings: Settings,
    db: SherwoodDatabase,
) -> None:
    broker = PaperBroker(
        bus, clock, settings.replace(paper_latency_ms=0), session_at, PaperStore(db)
    )

    async def listener(order: BrokerOrder, fills: tuple[Fill, ...]) -> None:
        for f in fills:
            await portfolio.apply_fill(f)
            await portfolio.apply_fill(f)  # a repeated update changes nothing

    broker.set_listener(listener)
    await broker.connect()
    for bid, ask in (("49.98", "50.00"), ("50.98", "51.00")):
        quote = Quote("TQQQ", D(bid), D(ask), D(bid), D(100), D(100), clock.now())
        await bus.publish(PriceUpdated(time=clock.now(), quote=quote))
        await broker.submit(f"buy-{ask}", OrderRequest("TQQQ", Side.BUY, notional=D("20")))
        await clock.run_until(clock.now())
    await broker.submit("sell", OrderRequest("TQQQ", Side.SELL, quantity=D("0.2")))
    await clock.run_until(clock.now())
    (held,) = await broker.positions()
    mine = portfolio.get_position("TQQQ")
    assert mine is not None
    assert (mine.quantity, mine.average_cost) == (held.quantity, held.average_cost)
    assert mine.quantity == D("0.4") + D("0.392156") - D("0.2")
    assert len(portfolio.transactions()) == 3
    await broker.close()


async def test_realized_by_day_sums_sells_per_new_york_trade_date(
    portfolio: PortfolioService, clock: SimulatedClock, bus: EventBus
) -> None:
    monday = datetime(2026, 11, 23, 11, 0, tzinfo=NEW_YORK)
    tuesday_3pm = datetime(2026, 11, 24, 15, 0, tzinfo=NEW_YORK)
    tuesday_9pm = datetime(2026, 11, 24, 21, 0, tzinfo=NEW_YORK)  # belongs to Wednesday
    await portfolio.apply_fill(fill(Side.BUY, "5", "10", monday - timedelta(hours=1)))
    await portfolio.apply_fill(fill(Side.SELL, "1", "12", monday))  # +2
    await portfolio.apply_fill(fill(Side.SELL, "1", "9", tuesday_3pm))  # -1
    await portfolio.apply_fill(fill(Side.SELL, "1", "13", tuesday_3pm))  # +3
    await portfolio.apply_fill(fill(Side.SELL, "1", "10.50", tuesday_9pm))  # +0.50
    tuesday, wednesday = tuesday_3pm.date(), tuesday_3pm.date() + timedelta(days=1)
    assert portfolio.realized_by_day(monday.date()) == [
        (monday.date(), D("2.00")), (tuesday, D("2.00")), (wednesday, D("0.50")),
    ]  # fmt: skip
    assert portfolio.realized_by_day(tuesday) == [(tuesday, D("2.00")), (wednesday, D("0.50"))]
    assert portfolio.realized_by_day(wednesday + timedelta(days=1)) == []


async def test_a_stored_equity_snapshot_is_announced(
    portfolio: PortfolioService, clock: SimulatedClock, bus: EventBus
) -> None:
    from app.core.events import EquitySnapshotTaken

    seen: list[EquitySnapshotTaken] = []
    bus.subscribe(EquitySnapshotTaken, seen.append)
    money = [D(v) for v in ("900", "900", "0", "900", "1010", "1000")]
    await portfolio.snapshot_equity(Account(AccountType.MARGIN, *money))
    assert [(e.time, e.equity) for e in seen] == [(clock.now(), D("1010"))]
    assert portfolio.equity_curve()[-1][1] == D("1010")
