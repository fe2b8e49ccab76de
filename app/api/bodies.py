"""Reading request bodies and query strings: JSON objects, money, counts, the order body.

The order body keeps the original fields ``{symbol, side, order_type,
quantity, limit_price, stop_price, strategy}``; Sherwood adds fractional
``quantity``, ``dollars`` (a dollar amount instead of shares) and
``extended_hours``. Numbers may be JSON numbers or strings; they become
``Decimal`` through their text, never through a float.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from app.api.errors import bad_request
from app.core.errors import InvalidOrder
from app.core.models import OrderRequest, OrderSource, OrderType, Side

ORDER_FIELDS = frozenset(
    {"symbol", "side", "order_type", "quantity", "dollars", "limit_price", "stop_price",
     "strategy", "extended_hours"}
)  # fmt: skip


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object (an empty body is ``{}``); 400 otherwise."""
    text = await request.text()
    if not text.strip():
        return {}
    try:
        body = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise bad_request(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def decimal(body: Mapping[str, Any], name: str, *, required: bool = False) -> Decimal | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise bad_request(f"{name} must be a number, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise bad_request(f"{name} must be a number, got {value!r}") from None
    if not number.is_finite():
        raise bad_request(f"{name} must be a finite number, got {value!r}")
    return number


def text(body: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name} must be text, got {value!r}")
    return value


def count(query: Mapping[str, str], name: str, default: int, *, most: int) -> int:
    """A whole number from 1 to ``most`` in the query string."""
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a whole number, got {raw!r}") from None
    if not 1 <= value <= most:
        raise bad_request(f"{name} must be between 1 and {most}, got {value}")
    return value


def order_request(body: Mapping[str, Any], side: Side | None = None) -> OrderRequest:
    """The order body as an :class:`OrderRequest`; 400 saying what is wrong."""
    unknown = sorted(set(body) - ORDER_FIELDS)
    if unknown:
        raise bad_request(f"unknown field(s) {', '.join(unknown)}; an order takes "
                          f"{', '.join(sorted(ORDER_FIELDS))}")  # fmt: skip
    if side is None:
        side_text = (text(body, "side", required=True) or "").lower()
        try:
            side = Side(side_text)
        except ValueError:
            raise bad_request(f"side must be buy or sell, got {side_text!r}") from None
    elif body.get("side") not in (None, "", side.value, side.value.upper()):
        raise bad_request(f"side {body.get('side')!r} contradicts the path ({side.value})")
    if decimal(body, "stop_price") is not None:
        raise bad_request("stop orders are not supported: use market or limit")
    type_text = (text(body, "order_type") or "market").lower()
    try:
        order_type = OrderType(type_text)
    except ValueError:
        raise bad_request(f"order_type must be market or limit, got {type_text!r}") from None
    extended = body.get("extended_hours", False)
    if not isinstance(extended, bool):
        raise bad_request(f"extended_hours must be true or false, got {extended!r}")
    strategy = text(body, "strategy")
    try:
        return OrderRequest(
            symbol=text(body, "symbol", required=True) or "",
            side=side,
            quantity=decimal(body, "quantity"),
            notional=decimal(body, "dollars"),
            order_type=order_type,
            limit_price=decimal(body, "limit_price"),
            extended_hours=extended,
            source=OrderSource.MANUAL,
            reason=strategy or "api",
        )
    except InvalidOrder as exc:
        raise bad_request(str(exc)) from None
