"""Live trading pauses while there is no Robinhood session, and resumes when there is one.

Why: without a session no order can reach Robinhood; the user must see trading
paused (and the bot must stop deciding) until they log in again, rather than a
stream of rejected orders. :class:`SessionPause` follows the gateway's
:class:`~app.gateway.events.SessionStateChanged`: expired, logged out or
throttled -> the trading state goes HALTED with a reason naming the session
(only from ACTIVE: a halt or REDUCING the user or a limit set is left alone;
open orders stay as they are at Robinhood); logged in -> a pause made here is
lifted (ACTIVE). It sees the trading state through a narrow port, never the
risk service itself.
"""

from __future__ import annotations

from typing import Protocol

from app.core.bus import EventBus, Subscription
from app.core.models import TradingState
from app.gateway.events import SessionStateChanged
from app.gateway.state import SessionState, SessionStatus

REASON = "no Robinhood session: log in to trade"
_NO_SESSION = frozenset({SessionState.EXPIRED, SessionState.LOGGED_OUT, SessionState.THROTTLED})


class TradingStateControl(Protocol):
    @property
    def state(self) -> TradingState: ...

    @property
    def state_reason(self) -> str: ...

    async def set_state(self, state: TradingState, reason: str) -> None: ...


class SessionPause:
    def __init__(self, bus: EventBus, trading: TradingStateControl) -> None:
        self.trading = trading
        self.subscription: Subscription = bus.subscribe(SessionStateChanged, self._on_change)

    def _paused_here(self) -> bool:
        trading = self.trading
        return trading.state is TradingState.HALTED and trading.state_reason.startswith(REASON)

    async def _on_change(self, event: SessionStateChanged) -> None:
        await self.follow(event.status)

    async def follow(self, status: SessionStatus) -> None:
        """Pause or resume for ``status`` (also called once the trading state is loaded)."""
        if status.state in _NO_SESSION and self.trading.state is TradingState.ACTIVE:
            detail = f" ({status.detail})" if status.detail else ""
            await self.trading.set_state(TradingState.HALTED, REASON + detail)
        elif status.state is SessionState.LOGGED_IN and self._paused_here():
            await self.trading.set_state(TradingState.ACTIVE, "logged in to Robinhood again")
