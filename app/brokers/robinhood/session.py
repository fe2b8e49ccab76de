"""What the Robinhood broker and feed need from the logged-in session: one narrow Protocol.

The gateway (:class:`app.gateway.service.GatewayService`) fits it: its
``authorized`` runs a blocking call on the one worker thread every Robinhood
request shares (robin-stocks' session is global and not thread-safe), renews
the token before it expires and once after a 401, and raises
``AuthenticationRequired`` when there is no session. The composition root
passes the gateway; nothing here imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from app.brokers.robinhood.api import RobinhoodApi

T = TypeVar("T")


class RobinhoodSession(Protocol):
    async def authorized(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the worker thread with a valid session."""
        ...


class Reader:
    """Authorized GETs for the market-data feed (``await reader.get(url, params)``)."""

    def __init__(self, session: RobinhoodSession, api: RobinhoodApi) -> None:
        self._session = session
        self._api = api

    async def get(self, target: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        return await self._session.authorized(self._api.get, target, params)
