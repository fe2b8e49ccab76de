"""Why a login or a Robinhood request failed, as types the UI and the command line tell apart.

Network, server and throttling failures reuse the broker errors of
:mod:`app.core.errors` (``BrokerUnavailable``, ``RateLimited``,
``AuthenticationRequired``), so the broker built on the gateway raises the
same types.
"""

from __future__ import annotations

from app.core.errors import BrokerUnavailable, SherwoodError


class LoginFailed(SherwoodError):
    """The login did not complete; the message says why in one line."""


class WrongCredentials(LoginFailed):
    """Robinhood refused the username or password."""


class ChallengeFailed(LoginFailed):
    """A code was wrong, a prompt was denied, or the verification did not finish."""


class LoginCancelled(LoginFailed):
    """The user cancelled the login (Cancel, Ctrl+C, no code given)."""


class LoginTimedOut(ChallengeFailed):
    """A code or an approval on the phone did not come in time."""


class ServerError(BrokerUnavailable):
    """Robinhood answered with a 5xx status."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


class UnexpectedAnswer(BrokerUnavailable):
    """Robinhood answered something this version does not understand."""
