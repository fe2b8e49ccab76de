"""Kill switch, daily loss -> REDUCING, and trading-state commands on the bus."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.config import Settings
from app.core.events import OrderDenied, SetTradingState, TradingStateChanged
from app.core.models import OrderSource, OrderStatus, OrderType, TradingState

SYMBOL = "TQQQ"


async def test_kill_switch_halts_cancels_and_flattens(trading) -> None:
    bought = await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    await trading.quote("10.00")
    assert bought.status is OrderStatus.FILLED
    resting = await trading.execution.buy(
        SYMBOL, quantity=Decimal("0.5"), order_type=OrderType.LIMIT, limit_price=Decimal("9")
    )
    await trading.quote("10.00")
    assert resting.status is OrderStatus.ACCEPTED

    flatten = await trading.controls.kill_switch(flatten=True)
    await trading.quote("10.00")

    assert trading.risk.state is TradingState.HALTED
    assert resting.status is OrderStatus.CANCELLED
    assert len(flatten) == 1
    assert flatten[0].request.source is OrderSource.RISK
    assert flatten[0].status is OrderStatus.FILLED
    assert trading.portfolio.get_position(SYMBOL) is None

    refused = await trading.execution.buy(SYMBOL, quantity=Decimal("0.5"))
    assert refused.status is OrderStatus.DENIED
    assert trading.of(OrderDenied)[-1].source == "risk"

    await trading.controls.resume()
    assert trading.risk.state is TradingState.ACTIVE
    again = await trading.execution.buy(SYMBOL, quantity=Decimal("0.5"))
    await trading.quote("10.00")
    assert again.status is OrderStatus.FILLED


async def test_kill_switch_command_on_the_bus(trading) -> None:
    await trading.bus.publish(
        SetTradingState(time=trading.clock.now(), state=TradingState.HALTED, reason="user")
    )
    await trading.settle()
    assert trading.risk.state is TradingState.HALTED
    assert any(e.state is TradingState.HALTED for e in trading.of(TradingStateChanged))


@pytest.mark.parametrize(
    "trade_settings", [Settings().replace(paper_latency_ms=0, max_daily_loss=Decimal("5"))]
)
async def test_daily_loss_switches_to_reducing_buy_denied_sell_allowed(trading) -> None:
    bought = await trading.execution.buy(SYMBOL, quantity=Decimal("1.9"))
    await trading.quote("10.00")
    assert bought.status is OrderStatus.FILLED
    await trading.quote("7.00")  # (6.99 - 10.01) x 1.9 = -5.74: past MAX_DAILY_LOSS $5
    assert trading.risk.state is TradingState.REDUCING

    buy = await trading.execution.buy(SYMBOL, quantity=Decimal("0.5"))
    assert buy.status is OrderStatus.DENIED
    sell = await trading.execution.sell(SYMBOL, quantity=Decimal("1.9"))
    await trading.quote("7.00")
    assert sell.status is OrderStatus.FILLED
    assert trading.portfolio.get_position(SYMBOL) is None
