"""The OpenAPI 3.1 document served at ``/openapi.json``: every endpoint, in one place.

Hand-written and short; a test checks that it lists exactly the routes the
server has. Shared shapes (the order body and answer, the error) are
components; money and quantities are strings, times ISO 8601 with offset.
"""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
ORDER_BODY = {"$ref": "#/components/schemas/OrderBody"}
ORDER_ANSWER = {"$ref": "#/components/schemas/OrderAnswer"}
MONEY = {"type": "string", "description": 'decimal as text, e.g. "20.00"'}


def _op(
    summary: str,
    *,
    body: Any = None,
    answer: Any = None,
    errors: tuple[int, ...] = (),
    params: tuple[str, ...] = (),
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": answer or {}}}},
        "401": {
            "description": "no or wrong token",
            "content": {"application/json": {"schema": ERROR}},
        },
        "403": {
            "description": "Host is not the loopback",
            "content": {"application/json": {"schema": ERROR}},
        },
    }
    for status in errors:
        responses[str(status)] = {
            "description": _REASONS[status],
            "content": {"application/json": {"schema": ERROR}},
        }
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = [
            {
                "name": p,
                "in": "path" if p in ("symbol", "order_id") else "query",
                "required": p in ("symbol", "order_id"),
                "schema": {"type": "string"},
            }
            for p in params
        ]
    return op


_REASONS = {
    400: "bad input",
    404: "unknown symbol, order or position",
    405: "not allowed: state follows from fills",
    409: "denied by risk or compliance, or rejected",
    503: "broker, gateway or market data unavailable",
}

PATHS: dict[str, dict[str, Any]] = {
    "/auth/login": {
        "post": _op(
            "Log in to Robinhood (gateway)",
            errors=(400, 503),
            body={
                "type": "object",
                "required": ["username", "password"],
                "properties": {
                    "username": {"type": "string"},
                    "password": {"type": "string"},
                    "mfa_code": {"type": "string"},
                },
            },
        )
    },
    "/auth/code": {
        "post": _op(
            "Answer the code challenge of a login in progress",
            errors=(400, 409, 503),
            body={
                "type": "object",
                "required": ["code"],
                "properties": {"code": {"type": "string"}},
            },
        )
    },
    "/auth/logout": {"post": _op("Log out of Robinhood", errors=(503,))},
    "/auth/status": {"get": _op("Robinhood session status", errors=(503,))},
    "/health": {"get": _op("Health of every service, mode, trading state")},
    "/data/{symbol}/historical": {
        "get": _op(
            "Closed OHLCV bars, oldest first",
            errors=(400, 404, 503),
            params=("symbol", "interval", "count"),
        )
    },
    "/data/{symbol}/quote": {"get": _op("Latest quote", errors=(404, 503), params=("symbol",))},
    "/data/{symbol}/price": {"get": _op("Last price", errors=(404, 503), params=("symbol",))},
    "/data/{symbol}/closes": {
        "get": _op("Recent closes", errors=(400, 404, 503), params=("symbol", "interval", "count"))
    },
    "/strategy/rsi/signal": {
        "post": _op(
            "RSI signal on the latest closed bar",
            errors=(404, 503),
            body={"type": "object", "properties": {"symbol": {"type": "string"}}},
        )
    },
    "/strategy/macd/signal": {
        "post": _op(
            "MACD signal on the latest closed bar",
            errors=(404, 503),
            body={"type": "object", "properties": {"symbol": {"type": "string"}}},
        )
    },
    "/strategy/rsi/calculate": {
        "get": _op("Raw RSI values", errors=(404, 503), params=("symbol",))
    },
    "/strategy/macd/calculate": {
        "get": _op("Raw MACD values", errors=(404, 503), params=("symbol",))
    },
    "/strategies": {"get": _op("Available strategies and their parameters")},
    "/orders/buy": {
        "post": _op(
            "Place a buy order (risk, compliance, journal, broker)",
            body=ORDER_BODY,
            answer=ORDER_ANSWER,
            errors=(400, 409, 503),
        )
    },
    "/orders/sell": {
        "post": _op(
            "Place a sell order (risk, compliance, journal, broker)",
            body=ORDER_BODY,
            answer=ORDER_ANSWER,
            errors=(400, 409, 503),
        )
    },
    "/orders": {
        "get": _op(
            "Recent orders (status=open: open ones)", params=("status", "limit"), errors=(400,)
        )
    },
    "/orders/{order_id}": {
        "get": _op("Order status", errors=(404,), params=("order_id",)),
        "delete": _op(
            "Cancel an order", answer=ORDER_ANSWER, errors=(404, 409, 503), params=("order_id",)
        ),
    },
    "/risk/validate-order": {
        "post": _op("Run the risk check on an order, place nothing", body=ORDER_BODY, errors=(400,))
    },
    "/risk/calculate-position": {
        "post": _op(
            "Shares for a budget at a price",
            errors=(400, 503),
            body={
                "type": "object",
                "properties": {"price": MONEY, "symbol": {"type": "string"}, "budget": MONEY},
            },
        )
    },
    "/risk/check-exit": {
        "post": _op(
            "Profit target / stop loss check of a position",
            errors=(400, 404),
            body={
                "type": "object",
                "properties": {"symbol": {"type": "string"}, "current_price": MONEY},
            },
        )
    },
    "/risk/exposure": {"get": _op("Money at risk per position and in total")},
    "/risk/config": {"get": _op("Risk limits and trading state")},
    "/compliance/pdt-status": {"get": _op("Day trades used, left, window, by date")},
    "/compliance/can-trade": {
        "post": _op("Day-trade / cash-account pre-trade check", body=ORDER_BODY, errors=(400,))
    },
    "/compliance/day-trades": {
        "get": _op("Day trades in the window (all=true: every one)", params=("all",))
    },
    "/compliance/record-trade": {
        "post": _op("Refused: day trades follow from fills", errors=(405,))
    },
    "/portfolio/positions": {"get": _op("Open positions")},
    "/portfolio/positions/{symbol}": {
        "get": _op("One position", errors=(404,), params=("symbol",))
    },
    "/portfolio/transactions": {
        "get": _op("Fills, newest first", errors=(400,), params=("limit", "symbol"))
    },
    "/portfolio/pnl": {"get": _op("Realized and unrealized P&L")},
    "/portfolio/summary": {"get": _op("Positions, P&L, cash and equity")},
    "/portfolio/update": {"post": _op("Refused: positions follow from fills", errors=(405,))},
    "/events": {
        "get": {
            "summary": "Server-sent events of the bus (event: class name, data: JSON fields)",
            "parameters": [
                {
                    "name": "types",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "comma-separated names",
                }
            ],
            "responses": {"200": {"description": "text/event-stream"}},
        }
    },
    "/openapi.json": {
        "get": {"summary": "This document", "responses": {"200": {"description": "OK"}}}
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "reason"],
        "properties": {"error": {"type": "string"}, "reason": {"type": "string"}},
    },
    "OrderBody": {
        "type": "object",
        "required": ["symbol"],
        "properties": {
            "symbol": {"type": "string"},
            "side": {"enum": ["buy", "sell"]},
            "order_type": {"enum": ["market", "limit"]},
            "quantity": {**MONEY, "description": "shares, fractional allowed"},
            "dollars": {**MONEY, "description": "dollar amount instead of quantity"},
            "limit_price": MONEY,
            "stop_price": {"description": "not supported: 400"},
            "strategy": {"type": "string"},
            "extended_hours": {"type": "boolean"},
        },
    },
    "OrderAnswer": {
        "type": "object",
        "required": ["success", "order_id", "message", "order"],
        "properties": {
            "success": {"type": "boolean"},
            "order_id": {"type": "string"},
            "message": {"type": "string"},
            "order": {"type": "object"},
            "error": {"type": "string"},
            "reason": {"type": "string"},
        },
    },
}


def document(version: str = "1") -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sherwood API",
            "version": version,
            "description": "The original services' endpoints on a running Sherwood, "
            "loopback only; every request needs 'Authorization: Bearer "
            "<token>' (the token is in <data dir>/api-token).",
        },
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
