"""Write-behind of the paper broker's accepted orders (a mixin of PaperBroker).

A remote broker acknowledges an order and persists it on its own side; the
client never waits for the broker's disk. The paper broker is that remote
side run in process, so ``submit`` answers from memory and its accept INSERT
runs on the next turn of the event loop (``loop.call_soon``), off the
client's tick -> ``OrderSubmitted`` path; the same callback starts the
order's simulated-latency task (one loop turn later than before: nothing
observable, the latency runs on the clock).

Invariants kept: the order's first status change or fill inserts a still
pending row in the same transaction (a fill is never stored without its
order, see :mod:`app.brokers.paper_store`); ``get_order`` / ``open_orders``
answer from memory, so a pending order is visible at once; duplicate client
ids are refused from an in-memory set of every id the broker knows (read
once on start, no read per order); ``close`` writes whatever is pending. A
crash before the flush looks like "the broker never received the order":
reconciliation (see :mod:`app.execution.reconcile`) resends a young order
under the same client id and rejects an older one, so the order is neither
lost nor duplicated. Orders refused at submit are still written at once (off
the fast path).

``submit`` queues an accepted order inline (no extra call on its path)::

    self._accepted.append(row)
    if self._flush_handle is None:
        self._flush_handle = asyncio.get_running_loop().call_soon(self._after_accept)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from app.brokers import paper_store as store
from app.brokers.paper_rows import PaperOrder

log = logging.getLogger("app.brokers.paper")


class WriteBehind:
    """The pending accept INSERTs of a PaperBroker and the loop-turn callback that writes them."""

    _open: dict[str, PaperOrder]  # the broker's open orders
    _accepted: list[PaperOrder]  # accepted since the last loop turn
    _flush_handle: asyncio.Handle | None

    if TYPE_CHECKING:  # provided by PaperBroker

        def _spawn(self, coro: Coroutine[Any, Any, None]) -> None: ...

        async def _activate(self, client_order_id: str) -> None: ...

    def _init_write_behind(self) -> None:
        self._accepted = []
        self._flush_handle = None

    def flush(self) -> None:
        """Write every accepted order whose INSERT is still pending (write-behind)."""
        for row in self._accepted:
            try:
                store.store_order(row)  # nothing when a fill or status change stored it
            except Exception:  # e.g. the database was closed under us: a crash, to reconcile
                log.exception("paper order %s could not be stored", row.client_order_id)

    def _after_accept(self) -> None:
        """Next loop turn after accepts: store them, then start their latency timers."""
        self.flush()
        self._flush_handle = None
        accepted, self._accepted = self._accepted, []
        for row in accepted:
            if row.client_order_id in self._open:
                self._spawn(self._activate(row.client_order_id))

    def _drop_pending(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._accepted.clear()
