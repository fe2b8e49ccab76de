"""The original Risk Management endpoints: validate an order, size a position, check an exit,
exposure and the risk configuration.

``validate-order`` runs the same check execution runs before an order (with
the open orders counted), without placing anything.
"""

from __future__ import annotations

from aiohttp import web

from app.api.bodies import decimal, json_object, order_request, text
from app.api.encode import plain
from app.api.errors import bad_request
from app.api.ports import Backends
from app.risk.decisions import CheckResult


def check_json(result: CheckResult) -> dict[str, object]:
    return {
        "valid": result.allowed,
        "reason": result.reason or None,
        "warning": result.warning or None,
        "max_quantity": plain(result.max_quantity),
        "quantity": plain(result.quantity),
        "price": plain(result.price),
    }


def routes(b: Backends) -> list[web.RouteDef]:
    async def validate(request: web.Request) -> web.Response:
        order = order_request(await json_object(request))
        result = b.risk.validate_order(order, b.orders.open_orders())
        return web.json_response(check_json(result))

    async def position_size(request: web.Request) -> web.Response:
        body = await json_object(request)
        price = decimal(body, "price")
        symbol = text(body, "symbol")
        if price is None:
            if symbol is None:
                raise bad_request("give a price, or a symbol to size at its ask")
            price = b.market.get_quote(symbol).ask
        if price <= 0:
            raise bad_request(f"price must be positive, got {price}")
        budget = decimal(body, "budget")
        if budget is not None and budget <= 0:
            raise bad_request(f"budget must be positive, got {budget}")
        quantity = b.risk.calculate_position_size(price, budget)
        return web.json_response(
            {"symbol": symbol, "price": str(price), "budget": plain(budget),
             "quantity": str(quantity), "value": str(quantity * price)}
        )  # fmt: skip

    async def check_exit(request: web.Request) -> web.Response:
        body = await json_object(request)
        symbol = b.market.check_symbol(text(body, "symbol") or b.default_symbol)
        price = decimal(body, "current_price") or decimal(body, "price")
        result = b.risk.check_exit(symbol, price)
        return web.json_response({"symbol": symbol, **plain(result)})

    async def exposure(request: web.Request) -> web.Response:
        return web.json_response(plain(b.risk.exposure()))

    async def config(request: web.Request) -> web.Response:
        return web.json_response(b.risk.config())

    return [
        web.post("/risk/validate-order", validate),
        web.post("/risk/calculate-position", position_size),
        web.post("/risk/check-exit", check_exit),
        web.get("/risk/exposure", exposure),
        web.get("/risk/config", config),
    ]
