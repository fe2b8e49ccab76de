"""When the Robinhood session is lost mid-session (the token expired and Robinhood refuses to
renew it), trading pauses: no order reaches Robinhood, the reason says to log in. Logging in
again resumes trading."""

from __future__ import annotations

from decimal import Decimal

from live_robinhood import SYMBOL, Live

from app.core.models import OrderStatus, TradingState
from app.gateway.pause import REASON, SessionPause
from app.gateway.service import GatewayService


async def test_lost_session_pauses_trading_until_the_user_logs_in_again(
    live: Live, gateway: GatewayService
) -> None:
    SessionPause(gateway.bus, live.risk)
    with live.fake.lock:  # Robinhood ends the session: tokens expired, renewal refused
        for grant in live.fake.state.grants.values():
            grant.revoked = True

    first = await live.execution.buy(SYMBOL, quantity=Decimal(1))

    assert first.status is OrderStatus.REJECTED and "not sent" in first.reason
    assert live.risk.state is TradingState.HALTED
    assert live.risk.state_reason.startswith(REASON)
    second = await live.execution.buy(SYMBOL, quantity=Decimal(1))
    assert second.status is OrderStatus.DENIED
    assert live.fake.trading.orders == []

    await gateway.login("dave", "hunter2")

    assert live.risk.state is TradingState.ACTIVE
    third = await live.execution.buy(SYMBOL, quantity=Decimal(1))
    await live.settled(third)
    assert third.status is OrderStatus.FILLED and len(live.fake.trading.orders) == 1
    live.assert_books_match()


async def test_a_halt_the_user_made_is_not_lifted_by_a_login(
    live: Live, gateway: GatewayService
) -> None:
    SessionPause(gateway.bus, live.risk)
    await live.risk.halt("kill switch")

    await gateway.logout()
    await gateway.login("dave", "hunter2")

    assert live.risk.state is TradingState.HALTED and live.risk.state_reason == "kill switch"
