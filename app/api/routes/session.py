"""The original Gateway's endpoints: ``/auth/login|logout|status`` and ``/health``.

Login goes to the Robinhood gateway's session when the app has one; without
it (paper mode needs no login) the /auth endpoints answer 503 with the
reason. The password is passed on and never logged or echoed. A login that
Robinhood challenges waits (the request stays open) until the code arrives
with ``POST /auth/code {"code": ...}`` from another request, or a ``mfa_code``
given up front answers it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app.api.bodies import json_object, text
from app.api.encode import plain
from app.api.errors import ApiError, unavailable
from app.api.ports import Backends, Session
from app.core.models import HealthState
from app.gateway.state import SessionStatus

NO_GATEWAY = (
    "this Sherwood has no Robinhood gateway session ({mode} mode): "
    "paper trading needs no login; run it in live mode to log in"
)


def status_json(status: SessionStatus) -> dict[str, Any]:
    """The session as the original's status: ``authenticated``, ``username``, valid until."""
    return {"authenticated": status.logged_in, **plain(status)}


def routes(b: Backends) -> list[web.RouteDef]:
    def session() -> Session:
        if b.session is None:
            raise unavailable(NO_GATEWAY.format(mode=b.mode))
        return b.session

    async def login(request: web.Request) -> web.Response:
        gateway = session()
        body = await json_object(request)
        username = text(body, "username", required=True) or ""
        password = text(body, "password", required=True) or ""
        status = await gateway.login(username, password, text(body, "mfa_code"))
        return web.json_response({"success": True, **status_json(status)})

    async def code(request: web.Request) -> web.Response:
        gateway = session()
        answer = text(await json_object(request), "code", required=True) or ""
        if not gateway.submit_code(answer):
            raise ApiError(409, "no_challenge", "no login is waiting for a code")
        return web.json_response({"success": True})

    async def logout(request: web.Request) -> web.Response:
        revoked = await session().logout()
        return web.json_response({"success": True, "revoked": revoked})

    async def status(request: web.Request) -> web.Response:
        return web.json_response(status_json(session().status))

    async def health(request: web.Request) -> web.Response:
        services = b.health()
        healthy = all(h.state is HealthState.HEALTHY for h in services.values())
        return web.json_response(
            {
                "status": "healthy" if healthy else "degraded",
                "mode": b.mode,
                "trading_state": b.risk.state.value,
                "services": {name: plain(h) for name, h in services.items()},
            }
        )

    return [
        web.post("/auth/login", login),
        web.post("/auth/code", code),
        web.post("/auth/logout", logout),
        web.get("/auth/status", status),
        web.get("/health", health),
    ]
