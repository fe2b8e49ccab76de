"""The API server: aiohttp on the app's own asyncio loop, bound to 127.0.0.1 only.

``await server.start()`` makes (or reads) the token, binds the port
(``API_PORT``; 0 picks a free one), starts the event stream and writes
``api.json`` so clients find it; ``stop`` undoes it. If the port is taken the
app runs on without the API and says why in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from aiohttp import web

from app.api import discovery, guard, openapi
from app.api.ports import Backends
from app.api.routes import compliance, market, orders, portfolio, risk, session, strategy
from app.api.stream import EventStream
from app.core.bus import EventBus

log = logging.getLogger("sherwood.api")

HOST = "127.0.0.1"
SHUTDOWN_SECONDS = 2.0  # how long open requests (and /events streams) get at stop


def build_application(
    backends: Backends,
    token: str,
    events: EventStream,
    *,
    cors_origins: Iterable[str] = (),
    extra_routes: Iterable[web.RouteDef] = (),
) -> web.Application:
    """The aiohttp application: the guards, then every route of the original services."""
    app = web.Application(
        middlewares=[
            guard.json_errors,
            guard.loopback_only(),
            guard.bearer_token(token, cors_origins),
        ]
    )
    document = openapi.document()

    async def openapi_json(request: web.Request) -> web.Response:
        return web.json_response(document)

    for module in (session, market, strategy, orders, risk, compliance, portfolio):
        app.add_routes(module.routes(backends))
    app.add_routes([web.get("/events", events.handle), web.get("/openapi.json", openapi_json)])
    app.add_routes(list(extra_routes))
    return app


class ApiServer:
    """Serves :func:`build_application` on ``127.0.0.1:port`` while the app runs."""

    def __init__(
        self,
        backends: Backends,
        bus: EventBus,
        data_dir: Path,
        *,
        port: int = 8000,
        cors_origins: Iterable[str] = (),
        extra_routes: Iterable[web.RouteDef] = (),
    ) -> None:
        self.backends = backends
        self.data_dir = data_dir
        self.port = port
        self.cors_origins = tuple(cors_origins)
        self.extra_routes = tuple(extra_routes)
        self.events = EventStream(bus)
        self.url: str | None = None
        self.token_file: Path | None = None
        self._runner: web.AppRunner | None = None
        self._application: web.Application | None = None

    def routes(self) -> list[web.AbstractRoute]:
        """The served routes (empty before ``start``)."""
        return list(self._application.router.routes()) if self._application else []

    async def start(self) -> bool:
        """Serve; False (and a logged reason) when the port cannot be bound."""
        token, self.token_file = discovery.load_or_create_token(self.data_dir)
        app = build_application(
            self.backends, token, self.events,
            cors_origins=self.cors_origins, extra_routes=self.extra_routes,
        )  # fmt: skip
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await runner.setup()
        site = web.TCPSite(runner, HOST, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            log.error("the API could not listen on %s:%s (%s); running without it",
                      HOST, self.port, exc.strerror or exc)  # fmt: skip
            return False
        self._runner = runner
        self._application = app
        self.events.start()
        port = runner.addresses[0][1]
        self.url = f"http://{HOST}:{port}"
        discovery.write_discovery(self.data_dir, self.url, self.token_file)
        log.info("API listening on %s (token in %s)", self.url, self.token_file)
        return True

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        discovery.remove_discovery(self.data_dir)
        self.events.stop()
        await runner.cleanup()
        log.info("API stopped")
