"""MAX_TOTAL_EXPOSURE: positions in every symbol plus open buy orders plus the new buy.

A denial names the limit and the figures it added up; a buy that fits is allowed.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from quote_book import QuoteBook

from app.config import Settings
from app.core.clock import SimulatedClock
from app.core.models import Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from app.portfolio.service import PortfolioService
from app.risk.service import RiskService

D = Decimal

# per order $100, per symbol $200, all symbols together $300
LIMITS = Settings().replace(
    max_investment=D("100"), max_position_value=D("200"), max_total_exposure=D("300")
)


@pytest.fixture
def quotes(clock: SimulatedClock) -> QuoteBook:
    return QuoteBook(clock, spread="0", size="100")


@pytest.fixture
def settings() -> Settings:
    return LIMITS


async def hold(portfolio: PortfolioService, clock: SimulatedClock, symbol: str, qty: str,
               price: str) -> None:  # fmt: skip
    fill = Fill(str(uuid.uuid4()), str(uuid.uuid4()), symbol, Side.BUY, D(qty), D(price),
                clock.now())  # fmt: skip
    await portfolio.apply_fill(fill)


def buy(symbol: str, qty: str | None = None, dollars: str | None = None,
        limit: str | None = None) -> OrderRequest:  # fmt: skip
    return OrderRequest(
        symbol=symbol, side=Side.BUY, quantity=D(qty) if qty else None,
        notional=D(dollars) if dollars else None,
        order_type=OrderType.LIMIT if limit else OrderType.MARKET,
        limit_price=D(limit) if limit else None,
    )  # fmt: skip


def working(request: OrderRequest, clock: SimulatedClock) -> Order:
    order = Order(str(uuid.uuid4()), request, clock.now())
    order.status = OrderStatus.ACCEPTED
    return order


async def test_a_buy_over_the_total_is_denied_with_the_figures(
    risk: RiskService, quotes: QuoteBook, portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    # two symbols, each under its own $200: $150 + $120 = $270 held in all
    await hold(portfolio, clock, "AAA", "3", "50")
    await hold(portfolio, clock, "BBB", "4", "30")
    quotes.set("AAA", "50")
    quotes.set("BBB", "30")
    quotes.set("CCC", "10")

    result = risk.validate_order(buy("CCC", dollars="40"))  # $270 + $40 = $310 > $300

    assert not result.allowed
    assert result.reason == (
        "total exposure would be $310.00 ($270.00 in positions, $0.00 in open buy orders, "
        "$40.00 this order), over MAX_TOTAL_EXPOSURE $300.00; at most 3 shares"
    )
    assert result.max_quantity == D("3")
    # the largest size it offers passes
    assert risk.validate_order(buy("CCC", qty="3")).allowed


async def test_a_buy_that_fits_under_the_total_is_allowed(
    risk: RiskService, quotes: QuoteBook, portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    await hold(portfolio, clock, "AAA", "3", "50")
    await hold(portfolio, clock, "BBB", "4", "30")
    quotes.set("AAA", "50")
    quotes.set("BBB", "30")
    quotes.set("CCC", "10")

    result = risk.validate_order(buy("CCC", dollars="30"))  # $270 + $30 = $300: at the limit

    assert result.allowed, result.reason
    assert result.quantity == D("3")


async def test_open_buy_orders_in_other_symbols_count(
    risk: RiskService, quotes: QuoteBook, portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    await hold(portfolio, clock, "AAA", "3", "50")  # $150 held
    quotes.set("AAA", "50")
    quotes.set("BBB", "30")
    quotes.set("CCC", "10")
    pending = [
        working(buy("BBB", dollars="80"), clock),  # a dollar order: $80 still to spend
        working(buy("AAA", qty="1", limit="45"), clock),  # 1 share at its $45 limit
    ]

    denied = risk.validate_order(buy("CCC", dollars="50"), pending)  # 150 + 125 + 50 = 325
    allowed = risk.validate_order(buy("CCC", dollars="20"), pending)  # 150 + 125 + 20 = 295

    assert not denied.allowed
    assert "$125.00 in open buy orders" in denied.reason
    assert "total exposure would be $325.00" in denied.reason
    assert allowed.allowed, allowed.reason


async def test_positions_count_at_the_bid_and_the_per_symbol_limit_still_holds(
    risk: RiskService, quotes: QuoteBook, portfolio: PortfolioService, clock: SimulatedClock
) -> None:
    await hold(portfolio, clock, "AAA", "2", "50")  # bought at $50, now bid $90: $180
    await hold(portfolio, clock, "BBB", "3", "10")  # $30
    quotes.set("AAA", "90")
    quotes.set("BBB", "10")
    quotes.set("CCC", "10")

    over_total = risk.validate_order(buy("CCC", dollars="100"))  # 180 + 30 + 100 = 310
    assert not over_total.allowed
    assert over_total.reason.startswith("total exposure would be $310.00 ($210.00 in positions")

    # AAA alone would be $225: MAX_POSITION_VALUE ($200) denies it though the total fits
    over_symbol = risk.validate_order(buy("AAA", qty="0.5"))
    assert not over_symbol.allowed
    assert "over MAX_POSITION_VALUE $200.00" in over_symbol.reason


async def test_the_limit_is_a_setting_in_the_risk_config(risk: RiskService) -> None:
    assert risk.config()["MAX_TOTAL_EXPOSURE"] == "300"
    assert risk.exposure().limit == D("300")


async def test_open_buys_without_a_price_count_at_their_own_or_deny(
    risk: RiskService, quotes: QuoteBook, clock: SimulatedClock
) -> None:
    quotes.set("CCC", "10")  # DDD has no quote and no position
    limit_buy = working(buy("DDD", qty="4", limit="40"), clock)  # $160 at its limit
    dollar_buy = working(buy("DDD", dollars="50"), clock)  # $50 to spend
    market_buy = working(buy("DDD", qty="1"), clock)  # worth what DDD trades at: unknown

    counted = risk.validate_order(buy("CCC", dollars="100"), [limit_buy, dollar_buy])
    assert not counted.allowed
    assert counted.reason.startswith("total exposure would be $310.00 ($0.00 in positions, "
                                     "$210.00 in open buy orders")  # fmt: skip
    unknown = risk.validate_order(buy("CCC", dollars="20"), [market_buy])
    assert not unknown.allowed
    assert unknown.reason == (
        "no price for DDD to count its open buy orders toward MAX_TOTAL_EXPOSURE"
    )
