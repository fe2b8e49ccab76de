"""The original Gateway's endpoints: ``/auth/login|logout|status`` and ``/health``.

Login goes to the Robinhood gateway's session when the app has one; without
it (paper mode needs no login) the /auth endpoints answer 503 with the
reason. The password is passed on and never logged or echoed.
"""

from __future__ import annotations

from aiohttp import web

from app.api.bodies import json_object, text
from app.api.encode import plain
from app.api.errors import unavailable
from app.api.ports import Backends, Session
from app.core.models import HealthState

NO_GATEWAY = (
    "this Sherwood has no Robinhood gateway session ({mode} mode): "
    "paper trading needs no login; run it in live mode to log in"
)


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
        mfa_code = text(body, "mfa_code")
        result = await gateway.login(username, password, mfa_code)
        return web.json_response({"success": True, "status": plain(result)})

    async def logout(request: web.Request) -> web.Response:
        result = await session().logout()
        return web.json_response({"success": True, "status": plain(result)})

    async def status(request: web.Request) -> web.Response:
        return web.json_response(plain(session().status()))

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
        web.post("/auth/logout", logout),
        web.get("/auth/status", status),
        web.get("/health", health),
    ]
