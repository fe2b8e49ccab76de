"""RiskService running: exits once per episode, daily loss -> REDUCING, a persistent halt."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from peewee import Database
from quote_book import QuoteBook

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import (
    Event,
    PriceUpdated,
    ProfitTargetReached,
    RiskLimitReached,
    StopLossTriggered,
    TradingStateChanged,
)
from app.core.models import Fill, OrderRequest, Position, Side, TradingState
from app.portfolio.service import PortfolioService
from app.portfolio.store import PortfolioStore
from app.risk.service import RiskService
from app.storage.db import open_database
from app.storage.state_store import StateStore

D = Decimal


class Recorder:
    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        bus.subscribe(Event, self.events.append)

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def quotes(clock: SimulatedClock) -> QuoteBook:
    return QuoteBook(clock)


async def trade(
    portfolio: PortfolioService, clock: SimulatedClock, side: Side, qty: str, price: str
) -> None:
    fill = Fill(str(uuid.uuid4()), str(uuid.uuid4()), "TQQQ", side, D(qty), D(price), clock.now())
    await portfolio.apply_fill(fill)


async def tick(
    bus: EventBus, clock: SimulatedClock, quotes: QuoteBook, bid: str, **kw: Any
) -> None:
    await bus.publish(PriceUpdated(time=clock.now(), quote=quotes.set("TQQQ", bid, **kw)))


async def test_check_exit_profit_target_first_then_stop_loss(
    risk: RiskService, portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    await trade(portfolio, clock, Side.BUY, "0.2", "100")
    target = risk.check_exit("TQQQ", D("101"))  # exactly +1 %: the target (checked first)
    assert (target.should_exit, target.reason, target.pnl_pct) == (True, "profit_target", D(1))
    stop = risk.check_exit("TQQQ", D("99.5"))  # exactly -0.5 %
    assert (stop.should_exit, stop.reason) == (True, "stop_loss")
    inside = risk.check_exit("TQQQ", D("100.99"))
    assert (inside.should_exit, inside.reason) == (False, "")
    no_price = risk.check_exit("TQQQ")  # no quote at all
    assert not no_price.should_exit and no_price.detail == "no fresh price for TQQQ"
    assert risk.check_exit("SPY", D("10")).detail == "no open position"


class ZeroCostPortfolio:
    def get_position(self, symbol: str) -> Position | None:
        return Position(symbol, D("3"), D("0"))

    def open_positions(self) -> list[Position]:
        return [Position("TQQQ", D("3"), D("0"))]

    def realized_pnl_today(self) -> Decimal:
        return D(0)


async def test_entry_price_zero_never_divides(
    db: Database, bus: EventBus, clock: SimulatedClock, settings: Settings, quotes: QuoteBook
) -> None:
    risk = RiskService(bus, clock, settings, quotes, ZeroCostPortfolio(), StateStore(db))
    await risk.start()
    result = risk.check_exit("TQQQ", D("50"))
    assert not result.should_exit and result.pnl_pct is None
    assert "entry price $0.00 unknown" in result.detail
    await tick(bus, clock, quotes, "50")  # the price handler must not raise either
    assert bus.errors == 0


async def test_exit_events_once_per_position_episode(
    risk: RiskService, portfolio: PortfolioService, clock: SimulatedClock, bus: EventBus,
    quotes: QuoteBook,
) -> None:  # fmt: skip
    seen = Recorder(bus)
    await trade(portfolio, clock, Side.BUY, "0.2", "100")
    await tick(bus, clock, quotes, "100.5")
    assert seen.of(ProfitTargetReached) == []
    await tick(bus, clock, quotes, "101")
    await tick(bus, clock, quotes, "101.5")
    await tick(bus, clock, quotes, "102")
    events = seen.of(ProfitTargetReached)
    assert len(events) == 1
    assert (events[0].symbol, events[0].entry_price, events[0].price) == ("TQQQ", D(100), D(101))
    await tick(bus, clock, quotes, "99", stale=True)  # a stale quote never triggers
    assert seen.of(StopLossTriggered) == []
    await tick(bus, clock, quotes, "99")
    await tick(bus, clock, quotes, "98")
    assert len(seen.of(StopLossTriggered)) == 1
    await trade(portfolio, clock, Side.BUY, "0.1", "98")  # position changed: re-armed
    await tick(bus, clock, quotes, "97")
    assert len(seen.of(StopLossTriggered)) == 2


async def test_daily_loss_switches_to_reducing_until_the_next_trade_date(
    db: Database, bus: EventBus, clock: SimulatedClock, quotes: QuoteBook,
    portfolio: PortfolioService,
) -> None:  # fmt: skip
    settings = Settings().replace(max_daily_loss=D("5"))
    risk = RiskService(bus, clock, settings, quotes, portfolio, StateStore(db))
    await risk.start()
    seen = Recorder(bus)
    await trade(portfolio, clock, Side.BUY, "2", "50")
    await trade(portfolio, clock, Side.SELL, "1", "48")  # realized -2.00
    await tick(bus, clock, quotes, "48")  # unrealized -2.00: total -4.00
    assert risk.state is TradingState.ACTIVE
    await tick(bus, clock, quotes, "47")  # -2 - 3 = -5.00 reaches the limit
    assert risk.state is TradingState.REDUCING
    [limit] = seen.of(RiskLimitReached)
    assert limit.limit == "max_daily_loss"
    assert "loss today -$5.00 reached MAX_DAILY_LOSS $5.00" in limit.detail
    [changed] = seen.of(TradingStateChanged)
    assert (changed.previous, changed.state) == (TradingState.ACTIVE, TradingState.REDUCING)
    buy = OrderRequest("TQQQ", Side.BUY, quantity=D("0.1"))
    assert not risk.validate_order(buy).allowed
    assert risk.validate_order(OrderRequest("TQQQ", Side.SELL, quantity=D("1"))).allowed
    await tick(bus, clock, quotes, "46")  # no repeated events while reducing
    assert len(seen.of(RiskLimitReached)) == 1
    # 20:30 ET Tuesday already belongs to Wednesday's trade date: the limit resets.
    clock.set(datetime(2026, 11, 25, 1, 30, tzinfo=UTC))
    quotes.set("TQQQ", "46")
    assert risk.validate_order(buy).allowed
    await tick(bus, clock, quotes, "46")  # overnight position: today's P&L starts at this mark
    assert risk.state is TradingState.ACTIVE
    assert seen.of(TradingStateChanged)[-1].reason == "new trading day: daily loss limit reset"
    await risk.stop()


async def test_halt_persists_across_a_restart(
    db_path: Path, bus: EventBus, clock: SimulatedClock, settings: Settings, quotes: QuoteBook
) -> None:
    database = open_database(db_path)
    portfolio = PortfolioService(bus, clock, quotes, PortfolioStore(database))
    risk = RiskService(bus, clock, settings, quotes, portfolio, StateStore(database))
    await risk.start()
    seen = Recorder(bus)
    await risk.halt("kill switch")
    [changed] = seen.of(TradingStateChanged)
    assert changed.state is TradingState.HALTED and changed.reason == "kill switch"
    await risk.stop()
    database.close()

    database = open_database(db_path)
    bus2 = EventBus()
    portfolio2 = PortfolioService(bus2, clock, quotes, PortfolioStore(database))
    restarted = RiskService(bus2, clock, settings, quotes, portfolio2, StateStore(database))
    await restarted.start()
    assert restarted.state is TradingState.HALTED
    quotes.set("TQQQ", "50")
    result = restarted.validate_order(OrderRequest("TQQQ", Side.BUY, quantity=D("0.1")))
    assert result.reason == "trading is halted (kill switch): no new orders"
    clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # days later it is still halted
    await restarted.stop()
    await restarted.start()
    assert restarted.state is TradingState.HALTED
    await restarted.resume()
    assert restarted.state is TradingState.ACTIVE
    database.close()


async def test_a_mid_day_restart_keeps_the_daily_loss_reference_of_an_overnight_position(
    db: Database, bus: EventBus, clock: SimulatedClock, quotes: QuoteBook,
    portfolio: PortfolioService,
) -> None:  # fmt: skip
    settings = Settings().replace(max_daily_loss=D("5"))
    await trade(portfolio, clock, Side.BUY, "2", "50")  # bought Tuesday, held overnight
    clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))  # Wednesday 10:00 New York
    risk = RiskService(bus, clock, settings, quotes, portfolio, StateStore(db))
    await risk.start()
    await tick(bus, clock, quotes, "50")  # today's P&L counts from here: 0.00
    await tick(bus, clock, quotes, "48")  # -4.00: still under the limit
    assert risk.state is TradingState.ACTIVE
    await risk.stop()

    restarted = RiskService(
        bus, clock, settings, quotes, portfolio, StateStore(db)
    )  # the app restarts
    await restarted.start()
    seen = Recorder(bus)
    await tick(bus, clock, quotes, "47.5")  # -5.00 since the morning's 50, not 0 since 48
    assert restarted.state is TradingState.REDUCING
    [limit] = seen.of(RiskLimitReached)
    assert "loss today -$5.00" in limit.detail
    await restarted.stop()
