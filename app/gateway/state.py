"""The session's states and the snapshot every gateway event carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SessionState(StrEnum):
    LOGGED_OUT = "logged out"
    LOGGING_IN = "logging in"
    CHALLENGE = "challenge"  # waiting for a code or an approval on the phone
    LOGGED_IN = "logged in"
    EXPIRED = "expired"  # the session ended and could not be refreshed: log in again
    THROTTLED = "throttled"  # Robinhood asked us to wait until ``retry_at``


class ChallengeKind(StrEnum):
    TOTP = "totp"  # a code from an authenticator app
    SMS = "sms"
    EMAIL = "email"
    PROMPT = "prompt"  # approve the login in the Robinhood app

    @property
    def asks_for_code(self) -> bool:
        return self is not ChallengeKind.PROMPT

    def describe(self) -> str:
        return {
            ChallengeKind.TOTP: "the code from your authenticator app",
            ChallengeKind.SMS: "the code Robinhood sent you by text message",
            ChallengeKind.EMAIL: "the code Robinhood sent you by e-mail",
            ChallengeKind.PROMPT: "approve this login in the Robinhood app on your phone",
        }[self]


@dataclass(frozen=True, slots=True)
class SessionStatus:
    """What the user sees about the session; never holds a token."""

    state: SessionState
    detail: str = ""
    username: str = ""
    expires_at: datetime | None = None  # access token expiry (logged in)
    retry_at: datetime | None = None  # throttled until
    challenge: ChallengeKind | None = None
    deadline: datetime | None = None  # the challenge must be answered by then
    persistent: bool = True  # False: no keyring, the session ends with this run

    @property
    def logged_in(self) -> bool:
        return self.state is SessionState.LOGGED_IN
