"""What the broker has already reported about each order, so each change is reported once.

Robinhood has no push: the broker polls and compares. The tracker keeps, per
client order id, Robinhood's order id, the last status reported and the
execution ids reported; :meth:`OrderTracker.changes` returns the update to
send (the order and only its new fills) or None when nothing changed. An
order whose cancel was asked stays CANCEL_PENDING until Robinhood shows it
cancelled or filled (a poll that still sees it open reports nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.brokers.base import BrokerOrder
from app.core.models import Fill, OrderStatus


@dataclass
class Tracked:
    broker_order_id: str
    symbol: str
    status: OrderStatus
    execution_ids: set[str] = field(default_factory=set)


class OrderTracker:
    def __init__(self) -> None:
        self._orders: dict[str, Tracked] = {}

    def seen(self, order: BrokerOrder) -> None:
        """Take ``order`` as known by the caller (an acknowledgement it returned)."""
        self._orders[order.client_order_id] = Tracked(
            order.broker_order_id, order.symbol, order.status,
            {f.execution_id for f in order.fills},
        )  # fmt: skip

    def get(self, client_order_id: str) -> Tracked | None:
        return self._orders.get(client_order_id)

    def open_orders(self) -> dict[str, Tracked]:
        return {k: t for k, t in self._orders.items() if not t.status.is_terminal}

    def changes(self, order: BrokerOrder) -> tuple[BrokerOrder, tuple[Fill, ...]] | None:
        """The update to report for ``order``'s latest state, recorded as reported."""
        tracked = self._orders.get(order.client_order_id)
        if tracked is None:
            self.seen(order)
            return order, order.fills
        if tracked.status is OrderStatus.CANCEL_PENDING and order.status is OrderStatus.ACCEPTED:
            order = replace(order, status=OrderStatus.CANCEL_PENDING)  # not cancelled yet
        new = tuple(f for f in order.fills if f.execution_id not in tracked.execution_ids)
        if not new and order.status is tracked.status:
            return None
        tracked.execution_ids.update(f.execution_id for f in new)
        tracked.status = order.status
        return order, new

    def mark_cancel_pending(self, client_order_id: str) -> None:
        tracked = self._orders.get(client_order_id)
        if tracked is not None and not tracked.status.is_terminal:
            tracked.status = OrderStatus.CANCEL_PENDING
