"""Order look-ups of :class:`~app.execution.service.ExecutionService` (a mixin).

Reads of the order store and the journal, the broker look-up by client id that
every unclear outcome goes through, and :meth:`OrderQueries.resolve_unknown`,
which asks the broker about SUBMITTED orders it never confirmed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from app.brokers.base import Broker, BrokerOrder
from app.core.clock import Clock
from app.core.models import Fill, Order, OrderStatus
from app.execution.orders import OrderStore
from app.execution.updates import UpdateApplier

Update = tuple[BrokerOrder, tuple[Fill, ...]]


class OrderQueries:
    """Mixed into ExecutionService, which sets these attributes."""

    broker: Broker
    clock: Clock
    log: logging.Logger
    store: OrderStore
    updates: UpdateApplier
    _inflight: dict[str, list[Update]]

    async def _lookup(self, client_order_id: str) -> BrokerOrder | None:
        try:
            return await self.broker.get_order(client_order_id)
        except Exception as exc:
            self.log.warning("could not look up order %s: %s", client_order_id, exc)
            return None

    def get_order(self, client_order_id: str) -> Order | None:
        return self.store.get(client_order_id)

    def status(self, client_order_id: str) -> OrderStatus | None:
        order = self.store.get(client_order_id)
        return None if order is None else order.status

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return self.store.open_orders(symbol)

    def orders(self, limit: int = 200) -> list[Order]:
        return self.store.recent(limit)

    def fills(self, limit: int = 200) -> list[Fill]:
        return self.store.journal.recent_fills(limit)

    def pending(self) -> Sequence[Order]:
        return self.store.open_orders()

    async def resolve_unknown(self, older_than: timedelta = timedelta(seconds=30)) -> int:
        """Look up SUBMITTED orders the broker never confirmed; returns how many were resolved."""
        resolved = 0
        cutoff = self.clock.now() - older_than
        for order in list(self.store.open_orders()):
            if order.status is not OrderStatus.SUBMITTED or order.created_at > cutoff:
                continue
            if order.client_order_id in self._inflight:
                continue
            found = await self._lookup(order.client_order_id)
            if found is not None:
                await self.updates.apply(found, found.fills)
                resolved += 1
        return resolved
