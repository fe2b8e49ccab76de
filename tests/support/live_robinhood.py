"""The Robinhood broker against the fake Robinhood (real HTTP on 127.0.0.1), logged in through
the real gateway, and Sherwood's order pipeline (risk, compliance, journal, portfolio) on it.

Fixtures for tests/brokers/robinhood (its conftest imports them) and helpers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import keyring
import pytest
from fake_robinhood import FakeRobinhood
from fake_robinhood.trading import FakeOrder
from memory_keyring import MemoryKeyring

from app.brokers.account import AccountCache
from app.brokers.robinhood import RobinhoodBroker, build_robinhood_broker
from app.brokers.robinhood.api import RobinhoodApi
from app.compliance.service import ComplianceService
from app.compliance.store import ComplianceStore
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import LiveClock
from app.core.events import Event
from app.core.models import Order, Quote
from app.execution.journal import Journal
from app.execution.service import ExecutionService
from app.gateway.factory import build_gateway
from app.gateway.service import GatewayService
from app.marketdata.feeds.manual import ManualFeed
from app.marketdata.service import MarketDataService
from app.portfolio.service import PortfolioService
from app.portfolio.store import PortfolioStore
from app.risk.service import RiskService
from app.storage.db import open_database
from app.storage.state_store import StateStore

SYMBOL = "TQQQ"
POLL = 0.05  # seconds between order polls in these tests
ORDER_READ_TIMEOUT = 0.5  # the order POST's read timeout (the fake answers late in some tests)


async def eventually(check: Callable[[], Any], what: str, timeout: float = 10.0) -> None:
    """Wait (real time: the fake is a real server) until ``check()`` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@contextlib.contextmanager
def running_fake() -> Iterator[FakeRobinhood]:
    """The fake with user dave (no challenge) and an account holding nothing."""
    with FakeRobinhood() as server:
        server.add_user("dave", "hunter2")
        server.state.positions.clear()  # a fresh account; tests add what they need
        yield server


@contextlib.asynccontextmanager
async def logged_in_gateway(fake: FakeRobinhood) -> AsyncIterator[GatewayService]:
    """The real gateway logged in to ``fake``, its session in an in-memory keyring."""
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    made = build_gateway(EventBus(), LiveClock(), fake.url)
    try:
        await made.start()
        await made.login("dave", "hunter2")
        yield made
    finally:
        await made.stop()
        keyring.set_keyring(previous)


@pytest.fixture
def fake() -> Iterator[FakeRobinhood]:
    with running_fake() as server:
        yield server


@pytest.fixture
async def gateway(fake: FakeRobinhood) -> AsyncIterator[GatewayService]:
    async with logged_in_gateway(fake) as made:
        yield made


def make_broker(gateway: GatewayService) -> RobinhoodBroker:
    api = RobinhoodApi(gateway.client.session, order_timeout=(2.0, ORDER_READ_TIMEOUT))
    return build_robinhood_broker(
        gateway, gateway.client.session, LiveClock(), poll_seconds=POLL, api=api
    )


@pytest.fixture
async def broker(gateway: GatewayService) -> AsyncIterator[RobinhoodBroker]:
    made = make_broker(gateway)
    await made.connect()
    yield made
    await made.close()


@dataclass
class Live:
    """Sherwood's order pipeline on the Robinhood broker, on a real SQLite file."""

    fake: FakeRobinhood
    bus: EventBus
    clock: LiveClock
    broker: RobinhoodBroker
    market_data: MarketDataService
    portfolio: PortfolioService
    accounts: AccountCache
    compliance: ComplianceService
    risk: RiskService
    execution: ExecutionService
    db: Any
    events: list[Event] = field(default_factory=list)

    def services(self) -> list[Any]:
        return [self.market_data, self.portfolio, self.compliance, self.risk, self.execution]

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

    async def quote(self, bid: str, ask: str, symbol: str = SYMBOL) -> None:
        """The same quote at the fake and in Sherwood's market data."""
        b, a = Decimal(bid), Decimal(ask)
        self.fake.trading.set_quote(symbol, b, a)
        await self.market_data.on_quote(
            Quote(symbol, b, a, (a + b) / 2, Decimal(100), Decimal(100), self.clock.now())
        )
        await self.bus.flush()

    def fake_orders(self, order: Order) -> list[FakeOrder]:
        return self.fake.trading.by_ref(order.client_order_id)

    async def settled(self, order: Order) -> None:
        """Wait until Sherwood's order reached a final state."""
        await eventually(lambda: order.status.is_terminal, f"{order.client_order_id} to finish")

    def assert_books_match(self) -> None:
        """Every execution at the fake is counted once in Sherwood, positions equal."""
        executions = {e["id"] for o in self.fake.trading.orders if o.ref_id for e in o.executions}
        journaled = {f.execution_id for f in self.execution.fills(10_000)}
        assert journaled == executions
        ours = {p.symbol: p.quantity for p in self.portfolio.open_positions()}
        theirs = {p.symbol: p.quantity for p in self.fake.state.positions if p.quantity}
        assert ours == theirs


def build_live(fake: FakeRobinhood, gateway: GatewayService, db: Any) -> Live:
    settings = Settings().replace(
        max_investment=Decimal("1000"), max_position_value=Decimal("5000")
    )
    bus = EventBus()
    clock = LiveClock()
    broker = make_broker(gateway)
    market_data = MarketDataService(bus, clock, ManualFeed(), settings)
    portfolio = PortfolioService(bus, clock, market_data, PortfolioStore(db))
    accounts = AccountCache(bus, clock, broker)
    compliance = ComplianceService(bus, clock, settings, accounts, ComplianceStore(db))
    risk = RiskService(bus, clock, settings, market_data, portfolio, StateStore(db))
    execution = ExecutionService(
        bus, clock, broker, Journal(db), risk, compliance, portfolio, market_data
    )
    live = Live(
        fake, bus, clock, broker, market_data, portfolio, accounts, compliance, risk,
        execution, db,
    )  # fmt: skip
    bus.subscribe(Event, live.events.append)
    return live


@pytest.fixture
def live_db(tmp_path: Path) -> Iterator[Any]:
    database = open_database(tmp_path / "live.sqlite3")
    yield database
    database.close()


@pytest.fixture
async def live(fake: FakeRobinhood, gateway: GatewayService, live_db: Any) -> AsyncIterator[Live]:
    made = build_live(fake, gateway, live_db)
    await made.start()
    await made.quote("63.10", "63.20")
    yield made
    await made.stop()
