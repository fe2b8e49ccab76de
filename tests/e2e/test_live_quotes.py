"""The live app (build_app, MODE=live) against the fake Robinhood over real HTTP: a halted
symbol's quote reaches market data flagged halted and a buy on it is denied saying so
(nothing reaches Robinhood); once trading resumes, the next poll brings a fresh quote and
the same buy is placed, once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import keyring
import pytest
from fake_robinhood import FakeRobinhood
from live_robinhood import eventually, running_fake
from memory_keyring import MemoryKeyring

from app.composition import build_app
from app.config import Mode, Settings
from app.core.bus import EventBus
from app.core.clock import LiveClock
from app.core.errors import StaleQuote
from app.core.models import OrderStatus
from app.gateway.factory import build_gateway


@pytest.fixture
def fake() -> Iterator[FakeRobinhood]:
    with running_fake() as server:
        yield server


@pytest.fixture
async def stored_session(fake: FakeRobinhood) -> None:
    """``sherwood login`` done before: the session is in the (test) keyring."""
    gateway = build_gateway(EventBus(), LiveClock(), fake.url)
    await gateway.start()
    await gateway.login("dave", "hunter2")
    await gateway.stop()


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


async def test_halted_quote_denies_the_buy_then_resumed_trading_places_it_once(
    fake: FakeRobinhood, stored_session: None, tmp_path: Path
) -> None:
    fake.trading.set_quote("TQQQ", Decimal("63.10"), Decimal("63.20"), halted=True)
    settings = Settings().replace(
        mode=Mode.LIVE, robinhood_api_url=fake.url, quote_interval_seconds=1.0,
        max_investment=Decimal("50"), max_position_value=Decimal("500"),
    )  # fmt: skip
    ctx = build_app(settings, data_dir=tmp_path / "data", clock=LiveClock())
    await ctx.start()
    try:
        market = ctx.market_data
        await eventually(lambda: market.latest_quote("TQQQ") is not None, "the first quote")
        quote = market.latest_quote("TQQQ")
        assert quote is not None and quote.stale and quote.halted  # not tradable
        with pytest.raises(StaleQuote, match="trading in TQQQ is halted"):
            market.get_quote("TQQQ")  # what the API and the ticket are told

        denied = await ctx.execution.buy("TQQQ", notional=Decimal("5"))
        assert denied.status is OrderStatus.DENIED
        assert denied.reason == "trading in TQQQ is halted"
        assert fake.trading.orders == []

        fake.trading.set_quote("TQQQ", Decimal("63.10"), Decimal("63.20"))  # trading resumes
        await eventually(lambda: not market.latest_quote("TQQQ").stale, "a fresh quote")
        placed = await ctx.execution.buy("TQQQ", notional=Decimal("5"))
        await eventually(lambda: len(fake.trading.orders) == 1, "the order at Robinhood")
        assert fake.trading.orders[0].ref_id == placed.client_order_id
        await asyncio.sleep(0.2)
        assert len(fake.trading.orders) == 1

        fake.trading.set_quote("SPY", Decimal("599.90"), Decimal("600.05"))
        await market.watch("SPY")  # a second watched symbol: the same one request per poll
        await eventually(lambda: market.latest_quote("SPY") is not None, "SPY's quote")
        polls = [c.query["symbols"] for c in fake.calls("GET", "/quotes/")
                 if not c.path.startswith("/quotes/historicals")]  # fmt: skip
        assert polls[-1] == "SPY,TQQQ" and set(polls) <= {"TQQQ", "SPY,TQQQ"}
    finally:
        await ctx.stop()
