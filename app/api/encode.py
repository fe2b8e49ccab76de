"""Domain values as JSON: money and quantities as strings, times with their UTC offset.

Decimal is never turned into a float on the way out (a client parses
``"20.00"`` exactly); datetimes are timezone-aware and written in ISO 8601
with their offset; enumerations by value; dataclasses field by field. The
order shape keeps the original service's field names (``order_id``, ``symbol``,
``side``, ``order_type``, ``quantity``, ``limit_price``, ``stop_price``, ``strategy``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from app.core.models import Order

JsonValue = Any


def plain(value: Any) -> JsonValue:
    """``value`` as JSON-ready lists, dicts, strings, numbers, booleans and None."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Order):  # one order shape everywhere, events included
        return order_json(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)  # anything else (a path, an exception) as its text


def _key(key: Any) -> str:
    text = plain(key)
    return text if isinstance(text, str) else str(text)


def order_json(order: Order) -> dict[str, JsonValue]:
    """An order in the original service's field names, plus Sherwood's state and fill."""
    request = order.request
    return {
        "order_id": order.client_order_id,
        "symbol": request.symbol,
        "side": request.side.value,
        "order_type": request.order_type.value,
        "quantity": plain(order.quantity),
        "dollars": plain(request.notional),
        "limit_price": plain(request.limit_price),
        "stop_price": None,
        "strategy": request.reason or None,
        "source": request.source.value,
        "extended_hours": request.extended_hours,
        "status": order.status.value,
        "filled_quantity": plain(order.filled_quantity),
        "average_fill_price": plain(order.average_fill_price),
        "reason": order.reason or None,
        "broker_order_id": order.broker_order_id,
        "created_at": plain(order.created_at),
        "updated_at": plain(order.updated_at),
    }
