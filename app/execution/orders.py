"""The in-memory order cache over the journal: the one place order state lives at run time.

Open orders stay in memory, indexed by client order id and by symbol, so
:meth:`OrderStore.open_orders` costs O(open orders) however long the history;
terminal ones are dropped from the cache after a while and read back from the
journal when asked for. Every change goes to the journal first (``save``) and
the cache and the open-order index are updated in the same synchronous step,
so an event handler never sees an order the journal does not know.

A new order is written ahead to the journal's intent log (``save_ahead``, a
few microseconds); its SQLite row is written by the next ``save`` or
``save_fill`` of that order (``write_behind`` right after the broker's answer).
Until then it is listed from memory by :meth:`OrderStore.recent`.
"""

from __future__ import annotations

from collections import OrderedDict

from app.core.models import TERMINAL_STATUSES, Fill, Order
from app.execution.intent_log import COMPACT_BYTES
from app.execution.journal import Journal

_KEEP_TERMINAL = 500


class OrderStore:
    """Orders by client order id: cache in front of the :class:`Journal`."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._orders: OrderedDict[str, Order] = OrderedDict()
        # Open orders, least recently saved first (the cache's order), and the same per symbol.
        self._open: dict[str, Order] = {}
        self._open_by_symbol: dict[str, dict[str, Order]] = {}
        # Written ahead to the intent log, SQLite row not yet written.
        self._unwritten: dict[str, Order] = {}

    def load_open(self) -> list[Order]:
        """Replay the intent log, then load every non-terminal journal order (on start)."""
        self.journal.open_intents()
        orders = self.journal.open_orders()
        for order in orders:
            self._orders[order.client_order_id] = order
            self._index(order)
        return orders

    def get(self, client_order_id: str) -> Order | None:
        order = self._orders.get(client_order_id)
        if order is None:
            order = self.journal.load_order(client_order_id)
            if order is not None:
                self._orders[client_order_id] = order
                self._index(order)
        return order

    def save_ahead(self, order: Order) -> None:
        """Write a NEW order ahead (intent log) and cache it; its row follows later."""
        self.journal.write_ahead(order)
        self._unwritten[order.client_order_id] = order
        self._remember(order)

    def write_behind(self, order: Order) -> None:
        """Write the row of an order that so far is only in the intent log."""
        if order.client_order_id in self._unwritten:
            self.save(order)

    def save(self, order: Order) -> None:
        """Journal the order (committed) and cache it."""
        coid = order.client_order_id
        if self._unwritten.pop(coid, None) is not None:
            self.journal.write_order(order)
            self._written_behind()
        else:
            self.journal.write_order(order, journaled=coid in self._orders)
        self._remember(order)

    def save_fill(self, fill: Fill, order: Order) -> bool:
        """Journal a new fill and the order's state in one transaction."""
        journaled = self._unwritten.pop(order.client_order_id, None) is None
        written = self.journal.record_fill(fill, order, journaled=journaled)
        if not journaled:
            if not written:  # the fill was known, the order row still has to be written
                self.journal.write_order(order)
            self._written_behind()
        self._remember(order)
        return written

    def _written_behind(self) -> None:
        intents = self.journal.intents
        if not self._unwritten and intents.size > COMPACT_BYTES:
            intents.clear()  # every order in it has its row

    def _remember(self, order: Order) -> None:
        coid = order.client_order_id
        orders = self._orders
        orders[coid] = order
        orders.move_to_end(coid)
        self._index(order, refresh=True)
        if len(orders) > _KEEP_TERMINAL * 2:
            for key in [k for k, o in orders.items() if o.status in TERMINAL_STATUSES][
                :_KEEP_TERMINAL
            ]:
                del orders[key]

    def _index(self, order: Order, refresh: bool = False) -> None:
        """Keep ``order`` in the open-order index exactly while it is open."""
        coid = order.client_order_id
        symbol = order.request.symbol
        if order.status in TERMINAL_STATUSES:
            if self._open.pop(coid, None) is not None:
                self._drop_from_symbol(symbol, coid)
            return
        by_symbol = self._open_by_symbol.get(symbol)
        if by_symbol is None:
            by_symbol = self._open_by_symbol[symbol] = {}
        if refresh:  # most recently saved last, like the cache
            self._open.pop(coid, None)
            by_symbol.pop(coid, None)
        self._open[coid] = order
        by_symbol[coid] = order

    def _drop_from_symbol(self, symbol: str, coid: str) -> None:
        by_symbol = self._open_by_symbol.get(symbol)
        if by_symbol is not None:
            by_symbol.pop(coid, None)
            if not by_symbol:
                del self._open_by_symbol[symbol]

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Non-terminal orders (of ``symbol``), least recently saved first; O(open orders)."""
        bucket = self._open if symbol is None else self._open_by_symbol.get(symbol)
        if not bucket:
            return []
        result = [o for o in bucket.values() if o.status not in TERMINAL_STATUSES]
        if len(result) != len(bucket):  # an order went terminal without a save: unindex it
            for order in [o for o in bucket.values() if o.status in TERMINAL_STATUSES]:
                self._open.pop(order.client_order_id, None)
                self._drop_from_symbol(order.request.symbol, order.client_order_id)
        return result

    def recent(self, limit: int = 200) -> list[Order]:
        """Newest first, from the journal, with cached (live) objects where we have them."""
        result = list(reversed(self._unwritten.values()))[:limit]
        for order in self.journal.recent_orders(limit - len(result)):
            result.append(self._orders.get(order.client_order_id, order))
        return result
