"""The original Execution endpoints: ``POST /orders/buy|sell``, ``GET|DELETE /orders/{order_id}``.

An order goes to execution's ``submit``, the path of the window's ticket:
risk check, compliance check, journal, broker. The answer is the original's
``{success, order_id, message, order}``: 200 when the broker took it, 409
with ``error`` and ``reason`` when risk or compliance denied it or the broker
rejected it (the denied order is journaled and has an id too). ``GET /orders``
(Sherwood's addition) lists recent orders, ``?status=open`` only the open ones.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app.api.bodies import count, json_object, order_request
from app.api.encode import order_json
from app.api.errors import ApiError, bad_request, not_found
from app.api.ports import Backends
from app.core.models import Order, OrderStatus, Side, describe

REFUSED = {OrderStatus.DENIED: "denied", OrderStatus.REJECTED: "rejected"}


def order_answer(order: Order, message: str) -> web.Response:
    body: dict[str, Any] = {
        "success": order.status not in REFUSED,
        "order_id": order.client_order_id,
        "message": message,
        "order": order_json(order),
    }
    error = REFUSED.get(order.status)
    if error is None:
        return web.json_response(body)
    body.update(error=error, reason=order.reason)
    return web.json_response(body, status=409)


def placed_message(order: Order) -> str:
    if order.status is OrderStatus.DENIED:
        return f"{describe(order)} denied: {order.reason}"
    if order.status is OrderStatus.REJECTED:
        return f"{describe(order)} rejected: {order.reason}"
    return f"{describe(order)} {order.status.value}"


def routes(b: Backends) -> list[web.RouteDef]:
    def place(side: Side) -> web.RouteDef:
        async def handler(request: web.Request) -> web.Response:
            order = await b.orders.submit(order_request(await json_object(request), side))
            return order_answer(order, placed_message(order))

        return web.post(f"/orders/{side.value}", handler)

    def find(request: web.Request) -> Order:
        order_id = request.match_info["order_id"]
        order = b.orders.get_order(order_id)
        if order is None:
            raise not_found(f"no order {order_id}")
        return order

    async def status(request: web.Request) -> web.Response:
        order = find(request)
        return web.json_response(
            {"order_id": order.client_order_id, "status": order.status.value,
             "order": order_json(order)}
        )  # fmt: skip

    async def cancel(request: web.Request) -> web.Response:
        order = find(request)
        if order.status.is_terminal:
            raise ApiError(
                409, "not_cancellable", f"{describe(order)} is already {order.status.value}",
                order_id=order.client_order_id,
            )  # fmt: skip
        order = await b.orders.cancel(order.client_order_id)
        return order_answer(order, f"cancel of {describe(order)}: {order.status.value}")

    async def listing(request: web.Request) -> web.Response:
        which = request.query.get("status", "all")
        if which not in ("all", "open"):
            raise bad_request(f"status must be all or open, got {which!r}")
        if which == "open":
            orders = b.orders.open_orders()
        else:
            orders = b.orders.orders(count(request.query, "limit", 50, most=1000))
        return web.json_response({"orders": [order_json(o) for o in orders]})

    return [
        place(Side.BUY),
        place(Side.SELL),
        web.get("/orders", listing),
        web.get("/orders/{order_id}", status),
        web.delete("/orders/{order_id}", cancel),
    ]
