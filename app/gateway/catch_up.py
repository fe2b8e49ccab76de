"""After a time without a Robinhood session, a login fetches again what could not be fetched.

Why: live mode starts even when there is no session (none stored, or expired), so
the user is never locked out of the window; but meanwhile every history request,
strategy warm-up and account refresh failed. Without this, logging in would bring
quotes back while the chart stayed empty and the strategy warmed from nothing.
:class:`SessionCatchUp` follows :class:`~app.gateway.events.SessionStateChanged`:
once a state without a session was seen (after :meth:`follow` armed it with the
state at start), the next login runs ``catch_up`` (given by the composition root:
forget the failed history, warm the strategies again, refresh the account). A
session that was there all along triggers nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from app.core.bus import EventBus, Subscription
from app.gateway.events import SessionStateChanged
from app.gateway.state import SessionState, SessionStatus

log = logging.getLogger("sherwood.gateway")

_NO_SESSION = frozenset({SessionState.EXPIRED, SessionState.LOGGED_OUT, SessionState.THROTTLED})


class SessionCatchUp:
    def __init__(self, bus: EventBus, catch_up: Callable[[], Awaitable[None]]) -> None:
        self.catch_up = catch_up
        self.armed = False  # follow() arms it once the services run
        self.missed = False  # a state without a session was seen since the last login
        self.subscription: Subscription = bus.subscribe(SessionStateChanged, self._on_change)

    async def _on_change(self, event: SessionStateChanged) -> None:
        if self.armed:
            await self.follow(event.status)

    async def follow(self, status: SessionStatus) -> None:
        """Arm with the state at start, then act on each change."""
        self.armed = True
        if status.state in _NO_SESSION:
            self.missed = True
        elif status.state is SessionState.LOGGED_IN and self.missed:
            self.missed = False
            log.info("logged in again: fetching the history and account missed meanwhile")
            await self.catch_up()


__all__ = ["SessionCatchUp"]
