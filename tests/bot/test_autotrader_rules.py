"""The auto-trader: signals and exits become orders under the original bot's rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.config import Settings
from app.core.events import DecisionMade, OrderSubmitted, SignalGenerated, StopLossTriggered
from app.core.models import Interval, OrderSource, OrderStatus, Side, Signal, SignalAction

SYMBOL = "TQQQ"


def signal(trading, action: SignalAction, symbol: str = SYMBOL, strategy: str = "rsi") -> object:
    s = Signal(symbol, strategy, action, 0.8, {"rsi": 25.0}, trading.clock.now(), Interval.M1,
               Decimal("10"))  # fmt: skip
    return SignalGenerated(time=trading.clock.now(), signal=s)


def decisions(trading) -> list[tuple[str, str]]:
    return [(d.outcome, d.reason) for d in trading.of(DecisionMade)]


async def test_bot_disabled_ignores_signals(trading) -> None:
    assert not trading.bot.enabled
    await trading.bus.publish(signal(trading, SignalAction.BUY))
    assert decisions(trading)[-1] == ("ignored", "bot disabled")
    assert not trading.of(OrderSubmitted)


async def test_buy_when_flat_then_already_holding_then_sell_all(trading) -> None:
    await trading.bot.set_enabled(True)
    await trading.bus.publish(signal(trading, SignalAction.BUY))
    await trading.quote("10.00")
    orders = trading.of(OrderSubmitted)
    assert len(orders) == 1
    entry = orders[0].order
    assert entry.request.source is OrderSource.BOT
    assert entry.request.notional == trading.settings.max_investment  # a $20 dollar order
    held = trading.portfolio.get_position(SYMBOL).quantity
    assert held > 0

    await trading.bus.publish(signal(trading, SignalAction.BUY))
    assert decisions(trading)[-1] == ("ignored", "already holding")

    await trading.bus.publish(signal(trading, SignalAction.SELL))
    await trading.quote("10.00")
    exit_order = trading.of(OrderSubmitted)[-1].order
    assert exit_order.side is Side.SELL and exit_order.quantity == held
    assert trading.portfolio.get_position(SYMBOL) is None

    await trading.bus.publish(signal(trading, SignalAction.SELL))
    assert decisions(trading)[-1] == ("ignored", "not holding")


@pytest.mark.parametrize("trade_settings", [Settings().replace(paper_latency_ms=200)])
async def test_never_a_duplicate_entry_while_an_order_is_pending(trading) -> None:
    await trading.bot.set_enabled(True)
    # two BUY signals before the broker fills the first order (200 ms away)
    await trading.bus.publish(signal(trading, SignalAction.BUY))
    await trading.bus.publish(signal(trading, SignalAction.BUY))
    assert decisions(trading)[-1] == ("ignored", "order pending")
    await trading.tick(0.5)
    assert len(trading.of(OrderSubmitted)) == 1
    assert trading.execution.orders()[0].status is OrderStatus.FILLED


async def test_stop_loss_sells_the_position(trading) -> None:
    await trading.bot.set_enabled(True)
    await trading.bus.publish(signal(trading, SignalAction.BUY))
    await trading.quote("10.00")
    assert trading.portfolio.get_position(SYMBOL) is not None
    await trading.quote("9.90")  # -1.1 % < -0.5 %: risk publishes StopLossTriggered
    assert trading.of(StopLossTriggered)
    await trading.quote("9.90")
    exit_order = trading.of(OrderSubmitted)[-1].order
    assert exit_order.side is Side.SELL and exit_order.request.reason == "stop loss"
    assert trading.portfolio.get_position(SYMBOL) is None


async def test_stale_quote_and_other_symbols(trading) -> None:
    await trading.bot.set_enabled(True)
    await trading.bus.publish(signal(trading, SignalAction.BUY, symbol="AAPL"))
    await trading.bus.publish(signal(trading, SignalAction.BUY, strategy="macd"))
    assert [d for d in decisions(trading) if d[0] == "ignored"] == []
    await trading.tick(120)  # no quote for two minutes
    await trading.bus.publish(signal(trading, SignalAction.BUY))
    assert decisions(trading)[-1] == ("ignored", "stale quote")
    assert not trading.of(OrderSubmitted)
