"""A stop loss whose sell is refused is sold later, never forgotten, and never retried on
every quote."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from app.core.events import SignalGenerated
from app.core.models import Interval, OrderStatus, Side, Signal, SignalAction

SYMBOL = "TQQQ"


async def hold_a_position(trading) -> Decimal:
    await trading.bot.set_enabled(True)
    signal = Signal(SYMBOL, "rsi", SignalAction.BUY, 0.8, {"rsi": 25.0}, trading.clock.now(),
                    Interval.M1, Decimal("10"))  # fmt: skip
    await trading.bus.publish(SignalGenerated(time=trading.clock.now(), signal=signal))
    await trading.quote("10.00")
    position = trading.portfolio.get_position(SYMBOL)
    assert position is not None
    return position.quantity


def bot_sells(trading) -> list[tuple[OrderStatus, str]]:
    """(final status, reason) of every sell the bot sent to the pipeline, in order."""
    orders = trading.execution.orders()
    sells = [o for o in orders if o.side is Side.SELL]
    return [(o.status, o.request.reason) for o in sorted(sells, key=lambda o: o.created_at)]


async def test_a_stop_loss_refused_while_halted_sells_once_trading_resumes(trading) -> None:
    held = await hold_a_position(trading)
    await trading.risk.halt("kill switch")
    trading.clock.advance(timedelta(minutes=1))
    await trading.quote("8.00")  # far below the stop loss
    assert [status for status, _ in bot_sells(trading)] == [OrderStatus.DENIED]
    for price in ("7.90", "7.80", "7.70"):  # still halted: no order per quote
        trading.clock.advance(timedelta(minutes=1))
        await trading.quote(price)
    assert len(bot_sells(trading)) == 1
    assert trading.portfolio.get_position(SYMBOL).quantity == held

    await trading.risk.resume()
    trading.clock.advance(timedelta(minutes=1))
    await trading.quote("7.60")
    assert bot_sells(trading) == [
        (OrderStatus.DENIED, "stop loss"), (OrderStatus.FILLED, "stop loss (retried)"),
    ]  # fmt: skip
    assert trading.portfolio.get_position(SYMBOL) is None
    trading.clock.advance(timedelta(minutes=1))
    await trading.quote("7.50")
    assert len(bot_sells(trading)) == 2  # nothing left to retry


async def test_a_refused_exit_is_tried_once_a_trading_day_not_once_a_quote(trading) -> None:
    await hold_a_position(trading)
    await trading.risk.halt("kill switch")
    for minute in range(30):  # half an hour of quotes past the stop, still halted
        trading.clock.advance(timedelta(minutes=1))
        await trading.quote(str(Decimal("8.00") - Decimal(minute) / 100))
    assert len(bot_sells(trading)) == 1
    trading.clock.advance(timedelta(days=1))  # Wednesday, same time: the next regular session
    await trading.quote("7.50")
    trading.clock.advance(timedelta(minutes=1))
    await trading.quote("7.40")
    assert [status for status, _ in bot_sells(trading)] == [OrderStatus.DENIED] * 2
    assert trading.portfolio.get_position(SYMBOL) is not None  # halted: the user decides
