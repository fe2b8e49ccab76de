"""The trading services on a real SQLite file and a simulated clock, with their fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.audit import AuditTrail
from app.bot.autotrader import AutoTrader
from app.brokers.account import AccountCache
from app.brokers.paper import PaperBroker
from app.brokers.paper_store import PaperStore
from app.compliance.service import ComplianceService
from app.compliance.store import ComplianceStore
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import Event
from app.core.models import Quote
from app.execution.control import TradingControls
from app.execution.journal import Journal
from app.execution.service import ExecutionService
from app.marketdata.feeds.manual import ManualFeed
from app.marketdata.service import MarketDataService
from app.portfolio.service import PortfolioService
from app.portfolio.store import PortfolioStore
from app.risk.service import RiskService
from app.storage.db import SherwoodDatabase
from app.storage.state_store import StateStore

SYMBOL = "TQQQ"


@dataclass
class Trading:
    """The trading services wired like the composition root (without strategy), plus helpers."""

    db: SherwoodDatabase
    clock: SimulatedClock
    bus: EventBus
    settings: Settings
    market_data: MarketDataService
    portfolio: PortfolioService
    broker: PaperBroker
    accounts: AccountCache
    compliance: ComplianceService
    risk: RiskService
    execution: ExecutionService
    bot: AutoTrader
    controls: TradingControls
    audit: AuditTrail
    events: list[Event] = field(default_factory=list)

    def services(self) -> list[Any]:
        return [self.audit, self.market_data, self.portfolio, self.compliance, self.risk,
                self.execution, self.bot]  # fmt: skip

    async def start(self) -> None:
        await self.execution.attach_broker()
        await self.accounts.refresh()
        for service in self.services():
            await service.start()
        self.controls.start()

    async def stop(self) -> None:
        self.controls.stop()
        for service in reversed(self.services()):
            await service.stop()
        await self.broker.close()
        await self.bus.flush()

    async def quote(
        self, price: str | Decimal, symbol: str = SYMBOL, size: str = "1000", spread: str = "0.01"
    ) -> None:
        p = Decimal(price)
        half = Decimal(spread)
        await self.market_data.on_quote(
            Quote(symbol, p - half, p + half, p, Decimal(size), Decimal(size), self.clock.now())
        )
        await self.settle()

    async def settle(self) -> None:
        """Deliver what is queued on the bus (a zero-latency paper fill needs nothing more)."""
        await self.bus.flush()

    async def tick(self, seconds: float = 1.0) -> None:
        """Advance the clock, running whatever sleeps on it (the paper broker's latency)."""
        await self.clock.run_until(self.clock.now() + timedelta(seconds=seconds))
        await self.settle()

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def build_trading(db: SherwoodDatabase, clock: SimulatedClock, settings: Settings) -> Trading:
    bus = EventBus()
    feed = ManualFeed()
    market_data = MarketDataService(bus, clock, feed, settings)
    portfolio = PortfolioService(bus, clock, market_data, PortfolioStore(db))
    broker = PaperBroker(bus, clock, settings, feed.session_at, PaperStore(db))
    accounts = AccountCache(bus, clock, broker)
    compliance = ComplianceService(bus, clock, settings, accounts, ComplianceStore(db))
    risk = RiskService(bus, clock, settings, market_data, portfolio, StateStore(db))
    execution = ExecutionService(
        bus, clock, broker, Journal(db), risk, compliance, portfolio, market_data
    )
    bot = AutoTrader(bus, clock, settings, execution, portfolio, market_data, feed.session_at)
    controls = TradingControls(bus, clock, execution, portfolio, risk)
    audit = AuditTrail(bus, clock, db)
    trading = Trading(
        db, clock, bus, settings, market_data, portfolio, broker, accounts, compliance, risk,
        execution, bot, controls, audit,
    )  # fmt: skip
    bus.subscribe(Event, trading.events.append)
    return trading


@pytest.fixture
def trade_settings() -> Settings:
    return Settings().replace(paper_latency_ms=0)


@pytest.fixture
async def trading(
    db: SherwoodDatabase, clock: SimulatedClock, trade_settings: Settings
) -> AsyncIterator[Trading]:
    t = build_trading(db, clock, trade_settings)
    await t.start()
    await t.quote("10.00")
    yield t
    await t.stop()


@pytest.fixture
def make_trading() -> Any:
    """``make_trading(db, clock, settings)``: a fresh, unstarted set of services on ``db``."""
    return build_trading
