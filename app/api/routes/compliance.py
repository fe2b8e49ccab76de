"""The original Compliance endpoints: PDT status, the pre-trade check, the day trades.

``POST /compliance/record-trade`` wrote day trades directly in the original;
in Sherwood day trades follow from fills, so it answers 405 and says so.
``can-trade`` takes an order body; without a quantity or dollars it checks
one share (the day-trade rule does not depend on the size).
"""

from __future__ import annotations

from aiohttp import web

from app.api.bodies import json_object, order_request
from app.api.encode import plain
from app.api.errors import ApiError
from app.api.ports import Backends

RECORD_REFUSED = (
    "day trades are not recorded by hand: Sherwood counts them from the fills of its "
    "own orders (place orders with POST /orders/buy|sell)"
)


def routes(b: Backends) -> list[web.RouteDef]:
    async def pdt_status(request: web.Request) -> web.Response:
        return web.json_response(plain(b.compliance.status()))

    async def can_trade(request: web.Request) -> web.Response:
        body = await json_object(request)
        if body.get("quantity") in (None, "") and body.get("dollars") in (None, ""):
            body = {**body, "quantity": "1"}
        order = order_request(body)
        result = b.compliance.can_trade(order, b.orders.open_orders())
        return web.json_response(
            {"can_trade": result.allowed, "reason": result.reason or None,
             "warning": result.warning or None}
        )  # fmt: skip

    async def day_trades(request: web.Request) -> web.Response:
        window_only = request.query.get("all", "false").lower() not in ("1", "true", "yes")
        trades = b.compliance.day_trades(window_only)
        return web.json_response({"count": len(trades), "day_trades": plain(trades)})

    async def record_trade(request: web.Request) -> web.Response:
        raise ApiError(405, "method_not_allowed", RECORD_REFUSED)

    return [
        web.get("/compliance/pdt-status", pdt_status),
        web.post("/compliance/can-trade", can_trade),
        web.get("/compliance/day-trades", day_trades),
        web.post("/compliance/record-trade", record_trade),
    ]
