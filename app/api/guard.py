"""Who gets in: the loopback ``Host`` check, the bearer token, CORS only when configured.

The middlewares run in this order on every request: errors become JSON
(:func:`json_errors`), a ``Host`` that is not the loopback name or address is
refused with 403 (a web page that rebinds its own DNS name to 127.0.0.1 still
sends its own name), then the ``Authorization: Bearer <token>`` header is
compared in constant time (401 without it or with a wrong one). Browsers get
CORS headers only for the origins listed in ``API_CORS_ORIGINS``.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from aiohttp.typedefs import Middleware

from app.api.errors import ApiError, from_exception

log = logging.getLogger("sherwood.api")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port (``[::1]:8000`` -> ``::1``)."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def is_loopback_host(header: str | None) -> bool:
    return header is not None and host_name(header) in LOOPBACK_HOSTS


def error_response(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.status)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure as ``{"error", "reason"}`` with its status; never an HTML page."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status, "http_error")
        reason = exc.reason
        if exc.status == 404:
            reason = f"no endpoint {request.method} {request.path} (see /openapi.json)"
        elif exc.status == 405:
            reason = f"{request.path} does not take {request.method}"
        return error_response(ApiError(exc.status, code, reason))
    except Exception as exc:
        known = from_exception(exc)
        if known is None:
            log.exception("%s %s failed", request.method, request.path)
            known = ApiError(500, "internal_error", f"{type(exc).__name__}: {exc}")
        return error_response(known)


def loopback_only() -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        host = request.headers.get("Host")
        if not is_loopback_host(host):
            log.warning("refused a request for Host %r (not the loopback)", host)
            raise ApiError(
                403, "forbidden_host",
                f"Host {host!r} is not this machine's loopback (127.0.0.1, localhost, [::1])",
            )  # fmt: skip
        return await handler(request)

    return middleware


def bearer_token(token: str, cors_origins: Iterable[str] = ()) -> Middleware:
    expected = f"Bearer {token}".encode()
    origins = frozenset(o.strip() for o in cors_origins if o.strip())

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        allowed_origin = origin if origin is not None and origin in origins else None
        if request.method == "OPTIONS" and allowed_origin is not None:
            return _preflight(allowed_origin)
        given = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise ApiError(
                401, "unauthorized",
                "send the token of <data dir>/api-token as 'Authorization: Bearer <token>'"
                if not given else "wrong token",
            )  # fmt: skip
        response = await handler(request)
        if allowed_origin is not None and not response.prepared:
            response.headers["Access-Control-Allow-Origin"] = allowed_origin
            response.headers["Vary"] = "Origin"
        return response

    return middleware


def _preflight(origin: str) -> web.Response:
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST, DELETE",
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Vary": "Origin",
        },
    )
