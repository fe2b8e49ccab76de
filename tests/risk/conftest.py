"""Fixtures of the risk tests: the portfolio and the risk service on the test's database
(each test module gives its own ``quotes`` and, where it needs other limits, ``settings``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from peewee import Database
from quote_book import QuoteBook

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.portfolio.service import PortfolioService
from app.portfolio.store import PortfolioStore
from app.risk.service import RiskService
from app.storage.state_store import StateStore


@pytest.fixture
async def portfolio(
    db: Database, bus: EventBus, clock: SimulatedClock, quotes: QuoteBook
) -> AsyncIterator[PortfolioService]:
    service = PortfolioService(bus, clock, quotes, PortfolioStore(db))
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def risk(
    db: Database,
    bus: EventBus,
    clock: SimulatedClock,
    settings: Settings,
    quotes: QuoteBook,
    portfolio: PortfolioService,
) -> AsyncIterator[RiskService]:
    service = RiskService(bus, clock, settings, quotes, portfolio, StateStore(db))
    await service.start()
    yield service
    await service.stop()
