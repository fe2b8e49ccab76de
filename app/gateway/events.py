"""Gateway events: every step of the session is published on the bus.

Each event carries a :class:`~app.gateway.state.SessionStatus` snapshot (never
a token), so a subscriber renders it without asking the gateway back.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import Event
from app.gateway.state import SessionStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStateChanged(Event):
    """Any change of state, challenge, expiry or detail text."""

    status: SessionStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ChallengeIssued(Event):
    """Robinhood asks for a code or for an approval on the phone (see ``status.challenge``)."""

    status: SessionStatus
    message: str  # what the user must do, e.g. "wrong code, 2 attempts left: ..."


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedIn(Event):
    status: SessionStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginFailedEvent(Event):
    """The login ended without a session; ``reason`` is one line for the user."""

    status: SessionStatus
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionRefreshed(Event):
    status: SessionStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionLost(Event):
    """The session expired and could not be refreshed: live trading pauses (no new
    orders, open orders left as they are) until the user logs in again."""

    status: SessionStatus
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedOut(Event):
    status: SessionStatus
    revoked: bool  # False when Robinhood could not be told (the local session is gone anyway)
