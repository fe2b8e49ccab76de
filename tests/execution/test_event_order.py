"""Events come out in causal order on every path: submitted before its fill, the fill before
the position and trade events it caused; manual orders, bot orders (placed from inside a
bus handler) and exits triggered by a price."""

from __future__ import annotations

from decimal import Decimal

from app.core.events import (
    Event,
    OrderAccepted,
    OrderFilled,
    OrderSubmitted,
    PositionClosed,
    PositionOpened,
    SignalGenerated,
    TradeCompleted,
)
from app.core.models import Interval, Signal, SignalAction

SYMBOL = "TQQQ"
CHAIN = (OrderSubmitted, OrderAccepted, OrderFilled, PositionOpened, PositionClosed,
         TradeCompleted)  # fmt: skip


def chain(events: list[Event]) -> list[str]:
    """The order and position events, by name, in delivery order."""
    return [type(e).__name__ for e in events if isinstance(e, CHAIN)]


ROUND_TRIP = [
    "OrderSubmitted", "OrderAccepted", "OrderFilled", "PositionOpened", "TradeCompleted",
    "OrderSubmitted", "OrderAccepted", "OrderFilled", "PositionClosed", "TradeCompleted",
]  # fmt: skip


async def test_manual_round_trip(trading) -> None:
    await trading.execution.buy(SYMBOL, quantity=Decimal("1"))
    await trading.execution.sell(SYMBOL, quantity=Decimal("1"))
    assert chain(trading.events) == ROUND_TRIP


async def test_bot_round_trip_placed_from_inside_a_handler(trading) -> None:
    await trading.bot.set_enabled(True)
    for action in (SignalAction.BUY, SignalAction.SELL):
        now = trading.clock.now()
        signal = Signal(SYMBOL, "rsi", action, 0.9, {}, now, Interval.M1, Decimal("10"))
        await trading.bus.publish(SignalGenerated(time=now, signal=signal))
    assert chain(trading.events) == ROUND_TRIP


async def test_stop_loss_exit_triggered_by_a_price(trading) -> None:
    await trading.bot.set_enabled(True)
    now = trading.clock.now()
    signal = Signal(SYMBOL, "rsi", SignalAction.BUY, 0.9, {}, now, Interval.M1, Decimal("10"))
    await trading.bus.publish(SignalGenerated(time=now, signal=signal))
    await trading.quote("9.00")  # far below the stop loss: the bot sells on this price
    assert trading.portfolio.get_position(SYMBOL) is None
    assert chain(trading.events) == ROUND_TRIP
    filled = [e for e in trading.events if isinstance(e, OrderFilled)]
    closed = next(e for e in trading.events if isinstance(e, PositionClosed))
    assert trading.events.index(filled[-1]) < trading.events.index(closed)
