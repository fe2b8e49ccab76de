"""Risk's per-price work: no SQL, and a flat book still trips the daily loss at the right time."""

from __future__ import annotations

import uuid
from decimal import Decimal

from quote_book import QuoteBook

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import PriceUpdated, RiskLimitReached
from app.core.models import Fill, Side, TradingState
from app.portfolio.service import PortfolioService
from app.risk.service import RiskService

D = Decimal


async def test_price_updates_run_no_sql_and_a_resumed_flat_book_trips_the_daily_loss(
    db: object, bus: EventBus, clock: SimulatedClock
) -> None:
    quotes = QuoteBook(clock)
    portfolio = PortfolioService(bus, clock, quotes)
    await portfolio.start()
    risk = RiskService(bus, clock, Settings().replace(max_daily_loss=D("5")), quotes, portfolio)
    await risk.start()
    limits: list[RiskLimitReached] = []
    bus.subscribe(RiskLimitReached, limits.append)

    async def trade(side: Side, qty: str, price: str) -> None:
        fill = Fill(str(uuid.uuid4()), str(uuid.uuid4()), "TQQQ", side, D(qty), D(price),
                    clock.now())  # fmt: skip
        await portfolio.apply_fill(fill)

    async def tick(bid: str) -> None:
        await bus.publish(PriceUpdated(time=clock.now(), quote=quotes.set("TQQQ", bid)))

    await tick("50")  # the first flat update checks (and caches the answer)
    await trade(Side.BUY, "1", "50")
    seen: list[str] = []
    connection = db.connection()  # type: ignore[attr-defined]
    connection.set_trace_callback(seen.append)
    for bid in ("50.1", "49.9", "50"):
        await tick(bid)  # an open position: exit and daily-loss checks from memory
    connection.set_trace_callback(None)
    assert seen == []

    await risk.halt("kill switch")
    await trade(Side.SELL, "1", "44")  # realized -6.00 while halted: no check applies
    await tick("44")
    assert limits == [] and risk.state is TradingState.HALTED
    seen.clear()
    connection.set_trace_callback(seen.append)
    await tick("44")  # flat: nothing to recompute
    connection.set_trace_callback(None)
    assert seen == []
    await risk.resume()  # now the flat book's loss counts on the next price
    await tick("44")
    assert [e.limit for e in limits] == ["max_daily_loss"]
    assert risk.state is TradingState.REDUCING
    await risk.stop()
    await portfolio.stop()
