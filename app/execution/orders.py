"""The in-memory order cache over the journal: the one place order state lives at run time.

Open orders stay in memory, indexed by client order id and by symbol, so
:meth:`OrderStore.open_orders` costs O(open orders) however long the history;
terminal ones are dropped from the cache after a while and read back from the
journal when asked for. Every change is committed to the journal first
(``save``, ``save_fill``) and the cache is updated in the same synchronous
step, so an event handler never sees an order the journal does not know.
"""

from __future__ import annotations

from collections import OrderedDict

from app.core.models import TERMINAL_STATUSES, Fill, Order
from app.execution.journal import Journal

_KEEP_TERMINAL = 500


class OrderStore:
    """Orders by client order id: cache in front of the :class:`Journal`."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._orders: OrderedDict[str, Order] = OrderedDict()
        self._open: dict[str, Order] = {}  # open orders, least recently saved first
        self._open_by_symbol: dict[str, dict[str, Order]] = {}

    def load_open(self) -> list[Order]:
        """Load every non-terminal journal order (on start)."""
        orders = self.journal.open_orders()
        for order in orders:
            self._remember(order)
        return orders

    def get(self, client_order_id: str) -> Order | None:
        order = self._orders.get(client_order_id)
        if order is None:
            order = self.journal.load_order(client_order_id)
            if order is not None:
                self._remember(order)
        return order

    def save(self, order: Order) -> None:
        """Journal the order (committed) and cache it."""
        self.journal.write_order(order)
        self._remember(order)

    def save_fill(self, fill: Fill, order: Order) -> bool:
        """Journal a new fill and the order's state in one transaction (False: known fill)."""
        written = self.journal.record_fill(fill, order)
        self._remember(order)
        return written

    def _remember(self, order: Order) -> None:
        coid = order.client_order_id
        orders = self._orders
        orders[coid] = order
        orders.move_to_end(coid)
        self._index(order)
        if len(orders) > _KEEP_TERMINAL * 2:
            done = [k for k, o in orders.items() if o.status in TERMINAL_STATUSES]
            for key in done[:_KEEP_TERMINAL]:
                del orders[key]

    def _index(self, order: Order) -> None:
        """Keep ``order`` in the open-order index exactly while it is open."""
        coid = order.client_order_id
        symbol = order.request.symbol
        by_symbol = self._open_by_symbol.setdefault(symbol, {})
        self._open.pop(coid, None)
        by_symbol.pop(coid, None)
        if order.status not in TERMINAL_STATUSES:  # most recently saved last, like the cache
            self._open[coid] = order
            by_symbol[coid] = order
        elif not by_symbol:
            del self._open_by_symbol[symbol]

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Non-terminal orders (of ``symbol``), least recently saved first; O(open orders)."""
        bucket = self._open if symbol is None else self._open_by_symbol.get(symbol, {})
        return [o for o in bucket.values() if o.status not in TERMINAL_STATUSES]

    def recent(self, limit: int = 200) -> list[Order]:
        """Newest first, from the journal, with cached (live) objects where we have them."""
        return [self._orders.get(o.client_order_id, o) for o in self.journal.recent_orders(limit)]
