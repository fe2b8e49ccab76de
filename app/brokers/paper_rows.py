"""The paper broker's in-memory mirrors of its table rows, and their conversions.

:class:`PaperAccount`, :class:`PaperOrder` and :class:`PaperPosition` are what
the broker works on; :mod:`app.brokers.paper_store` loads them once and writes
them through. This module only builds them from Peewee rows and turns an order
into the :class:`~app.brokers.base.BrokerOrder` the broker contract returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from app.brokers.base import BrokerOrder
from app.core.models import Fill, OrderStatus, OrderType, Side, TimeInForce
from app.core.money import ZERO
from app.storage.tables import PaperOrderRow


@dataclass(slots=True)
class PaperAccount:
    """The paper account row, in memory."""

    id: int
    account_type: str
    cash: Decimal
    starting_cash: Decimal
    created_at: datetime


@dataclass(slots=True)
class PaperPosition:
    symbol: str
    quantity: Decimal
    average_cost: Decimal


@dataclass(slots=True)
class PaperOrder:
    """The paper broker's view of one order, with its fills (oldest first)."""

    client_order_id: str
    broker_order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    quantity: Decimal | None
    notional: Decimal | None
    limit_price: Decimal | None
    time_in_force: TimeInForce
    extended_hours: bool
    status: OrderStatus
    filled_quantity: Decimal
    average_fill_price: Decimal | None
    reason: str
    created_at: datetime
    updated_at: datetime
    fills: list[Fill] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        """Shares still to fill (an accepted paper order always knows its size)."""
        return (self.quantity or ZERO) - self.filled_quantity


def order_from_row(row: PaperOrderRow, fills: Iterable[Fill]) -> PaperOrder:
    """The mirror of a stored order row, with its ``fills`` (oldest first)."""
    return PaperOrder(
        client_order_id=row.client_order_id,
        broker_order_id=row.broker_order_id,
        symbol=row.symbol,
        side=Side(row.side),
        order_type=OrderType(row.order_type),
        quantity=row.quantity,
        notional=row.notional,
        limit_price=row.limit_price,
        time_in_force=TimeInForce(row.time_in_force),
        extended_hours=bool(row.extended_hours),
        status=OrderStatus(row.status),
        filled_quantity=row.filled_quantity,
        average_fill_price=row.average_fill_price,
        reason=row.reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
        fills=list(fills),
    )


def to_broker_order(order: PaperOrder) -> BrokerOrder:
    """The broker-contract view of ``order`` (a snapshot: its fills are copied)."""
    return BrokerOrder(
        client_order_id=order.client_order_id,
        broker_order_id=order.broker_order_id,
        symbol=order.symbol,
        side=order.side,
        status=order.status,
        quantity=order.quantity,
        filled_quantity=order.filled_quantity,
        average_fill_price=order.average_fill_price,
        reason=order.reason,
        updated_at=order.updated_at,
        fills=tuple(order.fills),
        order_type=order.order_type,
        limit_price=order.limit_price,
        time_in_force=order.time_in_force,
        extended_hours=order.extended_hours,
    )
