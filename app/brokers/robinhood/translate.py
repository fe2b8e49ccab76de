"""Robinhood's JSON -> Sherwood's values: orders and their executions, positions, balances.

Prices and quantities arrive as strings and stay ``Decimal``; times are UTC
ISO. Anything missing or malformed where a value must be raises
``BrokerUnavailable`` (the answer cannot be trusted), never passes None on.
An order placed outside Sherwood has no Sherwood ``ref_id``; it is named
``robinhood:<id>`` so it can be told apart and adopted.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.brokers.base import BrokerOrder
from app.core.errors import BrokerUnavailable
from app.core.models import (
    Account,
    AccountType,
    Fill,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from app.core.money import ZERO

OUTSIDE_PREFIX = "robinhood:"
_OPEN = {"queued", "unconfirmed", "confirmed", "partially_filled", "pending"}
_DONE = {
    "filled": OrderStatus.FILLED,
    "cancelled": OrderStatus.CANCELLED,
    "canceled": OrderStatus.CANCELLED,
    "rejected": OrderStatus.REJECTED,
    "failed": OrderStatus.REJECTED,
    "voided": OrderStatus.REJECTED,
}


def decimal(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BrokerUnavailable(f"Robinhood sent {value!r} as {what}") from None


def maybe_decimal(value: Any, what: str) -> Decimal | None:
    return None if value in (None, "") else decimal(value, what)


def timestamp(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BrokerUnavailable(f"Robinhood sent {value!r} as a time") from None


def client_id_of(row: dict[str, Any]) -> str:
    ref = row.get("ref_id")
    return str(ref) if ref else f"{OUTSIDE_PREFIX}{row.get('id')}"


def is_open(row: dict[str, Any]) -> bool:
    return str(row.get("state")) in _OPEN


def status_of(state: str, filled: Decimal) -> OrderStatus:
    if state in _DONE:
        return _DONE[state]
    return OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.ACCEPTED


def fills_of(row: dict[str, Any], client_order_id: str, symbol: str, side: Side) -> list[Fill]:
    return [
        Fill(
            execution_id=str(e["id"]),
            client_order_id=client_order_id,
            symbol=symbol,
            side=side,
            quantity=decimal(e.get("quantity"), "an execution's quantity"),
            price=decimal(e.get("price"), "an execution's price"),
            time=timestamp(e.get("timestamp")),
        )
        for e in row.get("executions") or []
        if isinstance(e, dict) and e.get("id")
    ]


def broker_order(row: dict[str, Any], symbol: str) -> BrokerOrder:
    """One order as the broker contract describes it, with every execution as a fill."""
    if not row.get("id"):
        raise BrokerUnavailable("Robinhood's order answer has no id")
    side = Side(str(row.get("side")))
    coid = client_id_of(row)
    fills = tuple(fills_of(row, coid, symbol, side))
    filled = sum((f.quantity for f in fills), ZERO)
    state = str(row.get("state"))
    # a market buy goes to Robinhood as a limit at the ask with a collar: not a limit order
    limit = (row.get("type") == "limit" and row.get("price") is not None
             and row.get("preset_percent_limit") is None)  # fmt: skip
    return BrokerOrder(
        client_order_id=coid, broker_order_id=str(row["id"]), symbol=symbol, side=side,
        status=status_of(state, filled),
        quantity=maybe_decimal(row.get("quantity"), "an order's quantity"),
        filled_quantity=filled,
        average_fill_price=maybe_decimal(row.get("average_price"), "an average price")
        if filled else None,
        reason=str(row.get("reject_reason") or "") if state in ("rejected", "failed") else "",
        updated_at=timestamp(row["updated_at"]) if row.get("updated_at") else None,
        fills=fills,
        order_type=OrderType.LIMIT if limit else OrderType.MARKET,
        limit_price=decimal(row.get("price"), "an order's limit price") if limit else None,
        time_in_force=TimeInForce.GTC if row.get("time_in_force") == "gtc" else TimeInForce.GFD,
        extended_hours=row.get("extended_hours") is True,
    )  # fmt: skip


def account(row: dict[str, Any], portfolio: dict[str, Any], day_trades: int) -> Account:
    cash = decimal(row.get("cash"), "cash")
    unsettled = maybe_decimal(row.get("unsettled_funds"), "unsettled funds") or ZERO
    equity = decimal(portfolio.get("equity"), "equity")
    previous = maybe_decimal(portfolio.get("equity_previous_close"), "previous equity")
    kind = AccountType.MARGIN if row.get("type") == "margin" else AccountType.CASH
    return Account(
        account_type=kind, cash=cash, settled_cash=cash - unsettled, unsettled_cash=unsettled,
        buying_power=decimal(row.get("buying_power"), "buying power"), equity=equity,
        equity_previous_close=equity if previous is None else previous,
        broker_day_trades=day_trades,
    )  # fmt: skip
