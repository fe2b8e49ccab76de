"""The fill path: broker order updates -> order state, journal, portfolio, compliance, events.

One path for every update, whether it comes from the broker's listener, a
submit acknowledgement, a cancel answer or reconciliation. It is idempotent:
a fill whose ``execution_id`` is journaled is ignored, and a status the order
already has (or cannot reach) changes nothing.

Order of work for each update: (1) synchronously, with no ``await`` in
between, the in-memory order changes and the journal rows are committed (a
new fill and its order state in one transaction); (2) the portfolio and
compliance fold in the new fills; (3) events are published. So the cache and
the database are current before anyone hears about it.

One exception, the submit acknowledgement (``absorb(..., write=False)``): the
order's NEW row with its client id is committed before the broker call, so
its status change to ACCEPTED (and the broker's order id) is written right
after ``OrderSubmitted`` is published rather than before (``Changes.unsaved``;
the caller saves). The in-memory order is current before the event either
way; a crash in between leaves a NEW row that reconciliation resolves by
client id. Fills and terminal statuses are never deferred.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from app.brokers.base import BrokerOrder
from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.errors import IllegalTransition
from app.core.events import (
    ErrorOccurred,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
)
from app.core.models import Fill, Order, OrderStatus
from app.execution.orders import OrderStore

log = logging.getLogger("sherwood.execution")

# Statuses a broker report may move an order to directly; fills drive the others.
_REPORTABLE = frozenset(
    {
        OrderStatus.ACCEPTED,
        OrderStatus.CANCEL_PENDING,
        OrderStatus.CANCELLED,
        OrderStatus.REJECTED,
        OrderStatus.EXPIRED,
    }
)


class FillSink(Protocol):
    async def apply_fill(self, fill: Fill) -> Any: ...


class FillRecorder(Protocol):
    async def record_fill(self, fill: Fill) -> Any: ...


@dataclass
class Changes:
    """What one update changed: the new fills and the status moved to (if any)."""

    fills: list[Fill] = field(default_factory=list)
    status: OrderStatus | None = None
    unsaved: bool = False  # the order changed but is not journaled yet (``absorb(write=False)``)

    @property
    def empty(self) -> bool:
        return not self.fills and self.status is None


class UpdateApplier:
    """Applies broker updates to orders; see the module docstring."""

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        store: OrderStore,
        portfolio: FillSink,
        compliance: FillRecorder,
    ) -> None:
        self.bus = bus
        self.clock = clock
        self.store = store
        self.portfolio = portfolio
        self.compliance = compliance

    async def apply(self, update: BrokerOrder, fills: tuple[Fill, ...] = ()) -> Order | None:
        """Apply one broker update end to end; returns the order (None if unknown)."""
        order = self.store.get(update.client_order_id)
        if order is None:
            message = (
                f"the broker reported order {update.client_order_id} ({update.symbol}) "
                "that Sherwood did not place"
            )
            log.warning(message)
            await self.bus.publish(
                ErrorOccurred(time=self.clock.now(), source="execution", message=message)
            )
            return None
        changes = self.absorb(order, update, fills)
        await self.effects(order, changes)
        return order

    # --- step 1: state and journal (synchronous) ---------------------------------------------

    def absorb(
        self, order: Order, update: BrokerOrder, fills: tuple[Fill, ...] = (), write: bool = True
    ) -> Changes:
        """Fold ``update`` into ``order`` and journal it.

        With ``write=False`` a change that is neither a fill nor a terminal status
        is left for the caller to save (``changes.unsaved``).
        """
        changes = Changes()
        now = self.clock.now()
        dirty = False
        if update.broker_order_id and order.broker_order_id != update.broker_order_id:
            order.broker_order_id = update.broker_order_id
            dirty = True
        if order.quantity is None and update.quantity is not None:
            order.quantity = update.quantity
            dirty = True
        if order.status is OrderStatus.NEW:
            order.transition(OrderStatus.SUBMITTED, now)
            dirty = True
        for fill in _merge(fills, update.fills):
            if fill.client_order_id != order.client_order_id:
                continue
            if fill.execution_id in order.fill_ids:  # loaded from the journal with the order
                continue
            try:
                order.apply_fill(fill)
            except (ValueError, IllegalTransition) as exc:
                log.error("fill %s of %s not applied: %s", fill.execution_id, order.symbol, exc)
                continue
            if not self.store.save_fill(fill, order):
                log.error("fill %s was journaled already; not applied twice", fill.execution_id)
                continue
            changes.fills.append(fill)
            dirty = False
        if self._adopt_status(order, update, now):
            changes.status = order.status
            dirty = True
        if dirty:
            if write or order.status.is_terminal:
                self.store.save(order)
            else:
                changes.unsaved = True
        return changes

    def _adopt_status(self, order: Order, update: BrokerOrder, now: Any) -> bool:
        target = update.status
        if target is order.status:
            return False
        if target is OrderStatus.FILLED:
            # Only when every fill the broker counts is here (a dollar order learns its size late).
            broker_filled: Decimal = update.filled_quantity
            complete = order.filled_quantity > 0 and order.filled_quantity >= broker_filled
            if complete and order.can_transition(OrderStatus.FILLED):
                order.quantity = order.filled_quantity
                order.transition(OrderStatus.FILLED, now)
                return True
            return False
        if target not in _REPORTABLE or not order.can_transition(target):
            return False
        order.transition(target, now, update.reason)
        return True

    # --- steps 2 and 3: portfolio, compliance, events ----------------------------------------

    async def effects(self, order: Order, changes: Changes) -> None:
        if changes.empty:
            return
        for fill in changes.fills:
            await self.fold_fill(fill)
        snapshot = order.snapshot()
        now = self.clock.now()
        for index, fill in enumerate(changes.fills):
            last = index == len(changes.fills) - 1
            if last and snapshot.status is OrderStatus.FILLED:
                log.info(
                    "filled %s %s %s @ %s (%s)",
                    fill.side.value, fill.quantity, fill.symbol, fill.price, order.client_order_id,
                )  # fmt: skip
                await self.bus.publish(OrderFilled(time=now, order=snapshot, fill=fill))
            else:
                log.info(
                    "partial fill %s %s %s @ %s (%s)",
                    fill.side.value, fill.quantity, fill.symbol, fill.price, order.client_order_id,
                )  # fmt: skip
                await self.bus.publish(OrderPartiallyFilled(time=now, order=snapshot, fill=fill))
        status = changes.status
        if status is OrderStatus.ACCEPTED:
            await self.bus.publish(OrderAccepted(time=now, order=snapshot))
        elif status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
            log.info("order %s %s: %s", order.client_order_id, status.value, order.reason)
            await self.bus.publish(OrderCancelled(time=now, order=snapshot, reason=order.reason))
        elif status is OrderStatus.REJECTED:
            log.warning("order %s rejected by the broker: %s", order.client_order_id, order.reason)
            await self.bus.publish(OrderRejected(time=now, order=snapshot, reason=order.reason))

    async def fold_fill(self, fill: Fill) -> None:
        """Portfolio then compliance; a failure leaves the fill unapplied for the next start."""
        try:
            await self.portfolio.apply_fill(fill)
        except Exception:
            log.exception("portfolio could not apply fill %s", fill.execution_id)
            raise
        try:
            await self.compliance.record_fill(fill)
        except Exception:
            log.exception("compliance could not record fill %s", fill.execution_id)


def _merge(first: tuple[Fill, ...], second: tuple[Fill, ...]) -> list[Fill]:
    seen: set[str] = set()
    merged: list[Fill] = []
    for fill in (*first, *second):
        if fill.execution_id not in seen:
            seen.add(fill.execution_id)
            merged.append(fill)
    merged.sort(key=lambda f: f.time)
    return merged
