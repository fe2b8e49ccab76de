"""RiskService pre-trade checks: every denial path with the reason the user sees."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from peewee import Database
from quote_book import QuoteBook

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.models import (
    Fill,
    Order,
    OrderRequest,
    OrderSource,
    OrderStatus,
    OrderType,
    Position,
    Side,
    TradingState,
)
from app.portfolio.service import PortfolioService
from app.risk.service import RiskService
from app.storage.state_store import StateStore

D = Decimal


@pytest.fixture
def quotes(clock: SimulatedClock) -> QuoteBook:
    return QuoteBook(clock, spread="0", size="100")


async def hold(
    portfolio: PortfolioService, clock: SimulatedClock, symbol: str, qty: str, price: str
) -> None:
    fill = Fill(
        str(uuid.uuid4()), str(uuid.uuid4()), symbol, Side.BUY, D(qty), D(price), clock.now()
    )
    await portfolio.apply_fill(fill)


def open_order(request: OrderRequest, when: datetime) -> Order:
    order = Order(str(uuid.uuid4()), request, when)
    order.status = OrderStatus.ACCEPTED
    return order


def buy(qty: str, **kw: object) -> OrderRequest:
    return OrderRequest("TQQQ", Side.BUY, quantity=D(qty), **kw)  # type: ignore[arg-type]


def sell(qty: str, **kw: object) -> OrderRequest:
    return OrderRequest("TQQQ", Side.SELL, quantity=D(qty), **kw)  # type: ignore[arg-type]


async def test_max_investment_denied_with_largest_quantity(
    risk: RiskService, quotes: QuoteBook
) -> None:
    quotes.set("TQQQ", "50.10", "50.20")
    result = risk.validate_order(buy("0.5"))
    assert not result.allowed
    assert result.reason == (
        "order value $25.10 exceeds MAX_INVESTMENT $20.00; at most 0.398406 shares"
    )
    assert result.max_quantity == D("0.398406")
    assert risk.validate_order(buy("0.398406")).allowed


async def test_market_buy_priced_at_the_ask_never_zero(
    risk: RiskService, quotes: QuoteBook
) -> None:
    quotes.set("TQQQ", "49.90", "50.00")
    result = risk.validate_order(buy("0.4"))
    assert result.allowed and result.price == D("50.00") and result.quantity == D("0.4")
    assert not risk.validate_order(buy("0.41")).allowed


async def test_max_position_value_counts_held_and_pending_buys(
    risk: RiskService, quotes: QuoteBook, portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    quotes.set("TQQQ", "50", "50")
    await hold(portfolio, clock, "TQQQ", "1.5", "48")  # worth $75.00 at the quote
    assert risk.validate_order(buy("0.3")).allowed  # 75 + 15 = 90
    pending = [open_order(buy("0.3", order_type=OrderType.LIMIT, limit_price=D("50")), clock.now())]
    result = risk.validate_order(buy("0.3"), pending)
    assert not result.allowed
    assert result.reason == (
        "TQQQ position would be worth $105.00 ($75.00 held, $15.00 in open buy orders), "
        "over MAX_POSITION_VALUE $100.00; at most 0.2 shares"
    )
    assert result.max_quantity == D("0.2")


async def test_sell_more_than_held_counts_pending_sells(
    risk: RiskService, quotes: QuoteBook, portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    quotes.set("TQQQ", "50", "50.05")
    assert risk.validate_order(sell("1")).reason == ("cannot sell 1 TQQQ: 0 held; at most 0 shares")
    await hold(portfolio, clock, "TQQQ", "1", "50")
    assert risk.validate_order(sell("1")).allowed
    pending = [open_order(sell("0.5"), clock.now())]
    result = risk.validate_order(sell("0.6"), pending)
    assert not result.allowed
    assert result.reason == (
        "cannot sell 0.6 TQQQ: 1 held (0.5 already in open sell orders); at most 0.5 shares"
    )
    assert result.max_quantity == D("0.5")
    assert result.price == D("50")  # sells are priced at the bid


@pytest.mark.parametrize(
    "setup",
    ["missing", "flagged_stale", "too_old", "zero_ask"],
)
async def test_no_fresh_price_is_a_denial(risk: RiskService, quotes: QuoteBook, setup: str) -> None:
    if setup == "flagged_stale":
        quotes.set("TQQQ", "50", "50", stale=True)
    elif setup == "too_old":
        quotes.set("TQQQ", "50", "50", age=31)  # QUOTE_STALE_SECONDS = 30
    elif setup == "zero_ask":
        quotes.set("TQQQ", "0", "0")
    result = risk.validate_order(buy("0.1"))
    assert not result.allowed
    assert result.reason == "no fresh price for TQQQ"
    dollars = risk.validate_order(OrderRequest("TQQQ", Side.BUY, notional=D("10")))
    assert dollars.reason == "no fresh price for TQQQ"


async def test_limit_order_uses_its_limit_price_without_a_quote(risk: RiskService) -> None:
    result = risk.validate_order(buy("0.5", order_type=OrderType.LIMIT, limit_price=D("30")))
    assert result.allowed and result.price == D("30")
    denied = risk.validate_order(buy("1", order_type=OrderType.LIMIT, limit_price=D("30")))
    assert denied.max_quantity == D("0.666666")


async def test_dollar_orders_become_fractional_shares(risk: RiskService, quotes: QuoteBook) -> None:
    quotes.set("TQQQ", "39.90", "40")
    result = risk.validate_order(OrderRequest("TQQQ", Side.BUY, notional=D("10")))
    assert result.allowed and result.quantity == D("0.25") and result.price == D("40")
    small = risk.validate_order(OrderRequest("TQQQ", Side.BUY, notional=D("0.99")))
    assert not small.allowed
    assert small.reason == "$0.99 is too small: Robinhood's minimum is $1.00"
    over = risk.validate_order(OrderRequest("TQQQ", Side.BUY, notional=D("25")))
    assert not over.allowed and over.max_quantity == D("0.5")


async def test_reducing_allows_a_sell_and_denies_a_buy(
    risk: RiskService, quotes: QuoteBook, portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    quotes.set("TQQQ", "50", "50")
    await hold(portfolio, clock, "TQQQ", "1", "50")
    await risk.set_state(TradingState.REDUCING, "testing")
    assert risk.validate_order(sell("0.5")).allowed
    result = risk.validate_order(buy("0.1"))
    assert not result.allowed
    assert result.reason == (
        "trading is reducing only (testing): only orders that shrink a position are allowed"
    )


async def test_halted_denies_everything_but_the_flatten_path(
    risk: RiskService, quotes: QuoteBook, portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    quotes.set("TQQQ", "50", "50")
    await hold(portfolio, clock, "TQQQ", "1", "50")
    await risk.halt()
    assert risk.state is TradingState.HALTED
    for request in (buy("0.1"), sell("1"), buy("0.1", source=OrderSource.RISK),
                    sell("1", source=OrderSource.BOT)):  # fmt: skip
        result = risk.validate_order(request)
        assert not result.allowed
        assert result.reason == "trading is halted (kill switch): no new orders"
    assert risk.validate_order(sell("1", source=OrderSource.RISK)).allowed
    await risk.resume()
    assert risk.validate_order(buy("0.1")).allowed


class BrokenPortfolio:
    def get_position(self, symbol: str) -> Position | None:
        raise RuntimeError("database is locked")

    def open_positions(self) -> list[Position]:
        return []

    def realized_pnl_today(self) -> Decimal:
        return D(0)


async def test_an_error_inside_the_check_denies(
    db: Database, bus: EventBus, clock: SimulatedClock, settings: Settings, quotes: QuoteBook
) -> None:
    risk = RiskService(bus, clock, settings, quotes, BrokenPortfolio(), StateStore(db))
    quotes.set("TQQQ", "50", "50")
    result = risk.validate_order(buy("0.1"))
    assert not result.allowed
    assert result.reason == "risk check failed: RuntimeError: database is locked"


async def test_position_size_is_fractional(risk: RiskService) -> None:
    assert risk.calculate_position_size(D("33.33")) == D("0.600060")
    assert risk.calculate_position_size(D("150"), D("100")) == D("0.666666")
    assert risk.calculate_position_size(D("0.5"), D("1")) == D("2")
    with pytest.raises(ValueError, match="price must be positive"):
        risk.calculate_position_size(D("0"))
    with pytest.raises(ValueError, match=r"under Robinhood's minimum of \$1.00"):
        risk.calculate_position_size(D("10"), D("0.99"))


async def test_exposure_and_config(
    risk: RiskService, quotes: QuoteBook, portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    await hold(portfolio, clock, "TQQQ", "1", "50")
    await hold(portfolio, clock, "SPY", "0.1", "500")
    quotes.set("TQQQ", "60", "60.1")  # SPY has no quote: valued at cost
    exposure = risk.exposure()
    assert exposure.per_position == {"SPY": D("50.0"), "TQQQ": D("60")}
    assert exposure.total == D("110")
    assert exposure.limit == D("1000.00")  # MAX_TOTAL_EXPOSURE
    assert exposure.utilisation_pct == D("11")
    assert risk.config()["MAX_INVESTMENT"] == "20.00"
    assert risk.config()["STOP_LOSS_PCT"] == "-0.5"
