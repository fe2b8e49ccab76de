"""The trading services on a real SQLite file and a simulated clock, with their fixtures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.audit import AuditTrail
from app.brokers.account import AccountCache
from app.brokers.paper import PaperBroker
from app.compliance.service import ComplianceService
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import Event
from app.core.models import Quote
from app.execution.service import ExecutionService
from app.marketdata.feeds.manual import ManualFeed
from app.marketdata.service import MarketDataService
from app.portfolio.service import PortfolioService
from app.risk.service import RiskService

SYMBOL = "TQQQ"


@dataclass
class Trading:
    """The trading services wired like the composition root (without strategy), plus helpers."""

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
    audit: AuditTrail
    events: list[Event] = field(default_factory=list)

    def services(self) -> list[Any]:
        return [self.audit, self.market_data, self.portfolio, self.compliance, self.risk,
                self.execution]  # fmt: skip

    async def start(self) -> None:
        await self.execution.attach_broker()
        await self.accounts.refresh()
        for service in self.services():
            await service.start()

    async def stop(self) -> None:
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
        for _ in range(5):
            await asyncio.sleep(0)
        await self.bus.flush()
        for _ in range(5):
            await asyncio.sleep(0)

    async def tick(self, seconds: float = 1.0) -> None:
        self.clock.advance(timedelta(seconds=seconds))
        await self.settle()

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def build_trading(clock: SimulatedClock, settings: Settings) -> Trading:
    bus = EventBus()
    feed = ManualFeed()
    market_data = MarketDataService(bus, clock, feed, settings, bar_store=False)
    portfolio = PortfolioService(bus, clock, market_data)
    broker = PaperBroker(bus, clock, settings, feed.session_at)
    accounts = AccountCache(bus, clock, broker)
    compliance = ComplianceService(bus, clock, settings, accounts)
    risk = RiskService(bus, clock, settings, market_data, portfolio)
    execution = ExecutionService(
        bus, clock, settings, broker, risk, compliance, portfolio, market_data
    )
    audit = AuditTrail(bus, clock)
    trading = Trading(
        clock, bus, settings, market_data, portfolio, broker, accounts, compliance, risk,
        execution, audit,
    )  # fmt: skip
    bus.subscribe(Event, trading.events.append)
    return trading


@pytest.fixture
def trade_settings() -> Settings:
    return Settings().replace(paper_latency_ms=0)


@pytest.fixture
async def trading(
    db: object, clock: SimulatedClock, trade_settings: Settings
) -> AsyncIterator[Trading]:
    t = build_trading(clock, trade_settings)
    await t.start()
    await t.quote("10.00")
    yield t
    await t.stop()


@pytest.fixture
def make_trading() -> Any:
    """``make_trading(clock, settings)``: a fresh, unstarted set of services on the open DB."""
    return build_trading
