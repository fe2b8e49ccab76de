"""The in-memory order cache over the journal: the one place order state lives at run time.

Open orders stay in memory; terminal ones are dropped from the cache after a
while and read back from the journal when asked for. Every change goes to the
journal first (``save``) and the cache is updated in the same synchronous
step, so an event handler never sees an order the journal does not know.
"""

from __future__ import annotations

from collections import OrderedDict

from app.core.models import Fill, Order
from app.execution.journal import Journal

_KEEP_TERMINAL = 500


class OrderStore:
    """Orders by client order id: cache in front of the :class:`Journal`."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._orders: OrderedDict[str, Order] = OrderedDict()

    def load_open(self) -> list[Order]:
        """Load every non-terminal journal order into the cache (on start)."""
        orders = self.journal.open_orders()
        for order in orders:
            self._orders[order.client_order_id] = order
        return orders

    def get(self, client_order_id: str) -> Order | None:
        order = self._orders.get(client_order_id)
        if order is None:
            order = self.journal.load_order(client_order_id)
            if order is not None:
                self._orders[client_order_id] = order
        return order

    def save(self, order: Order) -> None:
        """Journal the order (committed) and cache it."""
        self.journal.write_order(order)
        self._remember(order)

    def save_fill(self, fill: Fill, order: Order) -> bool:
        """Journal a new fill and the order's state in one transaction."""
        written = self.journal.record_fill(fill, order)
        self._remember(order)
        return written

    def _remember(self, order: Order) -> None:
        self._orders[order.client_order_id] = order
        self._orders.move_to_end(order.client_order_id)
        if len(self._orders) > _KEEP_TERMINAL * 2:
            for key in [k for k, o in self._orders.items() if o.status.is_terminal][
                :_KEEP_TERMINAL
            ]:
                del self._orders[key]

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [
            o
            for o in self._orders.values()
            if o.status.is_open and (symbol is None or o.symbol == symbol)
        ]

    def recent(self, limit: int = 200) -> list[Order]:
        """Newest first, from the journal, with cached (live) objects where we have them."""
        result = []
        for order in self.journal.recent_orders(limit):
            result.append(self._orders.get(order.client_order_id, order))
        return result
