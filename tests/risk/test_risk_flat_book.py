"""A flat book trips the daily loss at the right time: never while halted, on the next price
after resuming."""

from __future__ import annotations

import uuid
from decimal import Decimal

from peewee import Database
from quote_book import QuoteBook

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import PriceUpdated, RiskLimitReached
from app.core.models import Fill, Side, TradingState
from app.portfolio.service import PortfolioService
from app.portfolio.store import PortfolioStore
from app.risk.service import RiskService
from app.storage.state_store import StateStore

D = Decimal


async def test_a_resumed_flat_book_trips_the_daily_loss_on_the_next_price(
    db: Database, bus: EventBus, clock: SimulatedClock
) -> None:
    quotes = QuoteBook(clock)
    portfolio = PortfolioService(bus, clock, quotes, PortfolioStore(db))
    await portfolio.start()
    settings = Settings().replace(max_daily_loss=D("5"))
    risk = RiskService(bus, clock, settings, quotes, portfolio, StateStore(db))
    await risk.start()
    limits: list[RiskLimitReached] = []
    bus.subscribe(RiskLimitReached, limits.append)

    async def trade(side: Side, qty: str, price: str) -> None:
        fill = Fill(str(uuid.uuid4()), str(uuid.uuid4()), "TQQQ", side, D(qty), D(price),
                    clock.now())  # fmt: skip
        await portfolio.apply_fill(fill)

    async def tick(bid: str) -> None:
        await bus.publish(PriceUpdated(time=clock.now(), quote=quotes.set("TQQQ", bid)))

    await tick("50")
    await trade(Side.BUY, "1", "50")
    for bid in ("50.1", "49.9", "50"):
        await tick(bid)  # inside the target and stop, loss under the limit: nothing fires
    assert limits == [] and risk.state is TradingState.ACTIVE

    await risk.halt("kill switch")
    await trade(Side.SELL, "1", "44")  # realized -6.00 while halted: no check applies
    await tick("44")
    assert limits == [] and risk.state is TradingState.HALTED
    await tick("44")
    assert limits == []
    await risk.resume()  # now the flat book's loss counts on the next price
    await tick("44")
    assert [e.limit for e in limits] == ["max_daily_loss"]
    assert risk.state is TradingState.REDUCING
    await risk.stop()
    await portfolio.stop()
