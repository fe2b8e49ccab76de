"""The one update applier: broker order updates -> order state, journal, fill effects, events.

Every broker update goes through :meth:`UpdateApplier.apply`, whether it comes
from the broker's listener, a submit acknowledgement, a cancel answer or
reconciliation. It is idempotent: a fill whose ``execution_id`` is journaled
is ignored, and a status the order already has (or cannot reach) changes
nothing.

For each update, in this order:

1. the order's new state and each new fill are committed to the journal (a
   fill and its order's state in one transaction: a committed fill is never
   lost);
2. each new fill's effects -- the portfolio's transaction and position rows,
   the compliance ledger, and the fill's ``applied`` flag -- are committed in
   one more transaction, all or nothing. If the app stops between (1) and
   (2), the fill is journaled but not applied, and the next start applies it
   through the same step (:meth:`UpdateApplier.fold`). In-memory positions
   change only after that commit;
3. events are published, in causal order: per fill ``OrderFilled`` (or
   ``OrderPartiallyFilled``), then the portfolio's position events and
   ``TradeCompleted``, then the day trades it made; then the order's status
   event (accepted, cancelled, rejected).

So the cache and the database are current before anyone hears about it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
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


class PositionBook(Protocol):
    """The portfolio's side of a fill (see :class:`~app.portfolio.service.PortfolioService`)."""

    def book(self, fill: Fill) -> Any | None:
        """Write the fill's rows in the caller's transaction; None if booked before."""

    def commit(self, booking: Any) -> None:
        """Update the in-memory positions once the transaction has committed."""

    async def announce(self, booking: Any) -> None:
        """Publish the position events of a committed booking."""


class TradeRecorder(Protocol):
    """Compliance's side of a fill: day trades and the settlement ledger."""

    def record(self, fill: Fill) -> Sequence[Any]:
        """Write the fill's day trades and ledger in the caller's transaction; the new ones."""

    async def announce(self, new: Sequence[Any]) -> None:
        """Publish the day trades ``record`` returned."""


@dataclass
class Changes:
    """What one update changed: the new fills and the status moved to (if any)."""

    fills: list[Fill] = field(default_factory=list)
    status: OrderStatus | None = None

    @property
    def empty(self) -> bool:
        return not self.fills and self.status is None


@dataclass
class Effects:
    """One fill's committed effects, to announce after its order event."""

    booking: Any | None
    day_trades: Sequence[Any]


class UpdateApplier:
    """Applies broker updates to orders; see the module docstring."""

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        store: OrderStore,
        portfolio: PositionBook,
        compliance: TradeRecorder,
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
        await self.publish(order, changes)
        return order

    # --- step 1: order state and journal -----------------------------------------------------

    def absorb(self, order: Order, update: BrokerOrder, fills: tuple[Fill, ...] = ()) -> Changes:
        """Fold ``update`` into ``order`` and commit it to the journal."""
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
            self.store.save(order)
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

    # --- step 2: a fill's effects, all or nothing --------------------------------------------

    def record_effects(self, fill: Fill) -> Effects | None:
        """Commit the fill's portfolio and compliance rows and its ``applied`` flag together.

        None when that failed: nothing of it is stored, the fill stays unapplied
        in the journal and the next start applies it again.
        """
        journal = self.store.journal
        try:
            with journal.db.atomic():
                booking = self.portfolio.book(fill)
                journal.mark_applied(fill.execution_id)
                day_trades = self.compliance.record(fill)
        except Exception:
            log.exception("the effects of fill %s were not recorded", fill.execution_id)
            return None
        if booking is not None:
            self.portfolio.commit(booking)
        return Effects(booking, day_trades)

    async def announce_effects(self, effects: Effects | None) -> None:
        if effects is None:
            return
        if effects.booking is not None:
            await self.portfolio.announce(effects.booking)
        if effects.day_trades:
            await self.compliance.announce(effects.day_trades)

    async def fold(self, fill: Fill) -> bool:
        """Apply a journaled fill's effects (after a restart); False if they failed again."""
        effects = self.record_effects(fill)
        await self.announce_effects(effects)
        return effects is not None

    # --- step 3: events ----------------------------------------------------------------------

    async def publish(self, order: Order, changes: Changes) -> None:
        if changes.empty:
            return
        effects = [self.record_effects(fill) for fill in changes.fills]
        snapshot = order.snapshot()
        now = self.clock.now()
        for index, fill in enumerate(changes.fills):
            last = index == len(changes.fills) - 1
            done = last and snapshot.status is OrderStatus.FILLED
            log.info(
                "%s %s %s %s @ %s (%s)",
                "filled" if done else "partial fill", fill.side.value, fill.quantity,
                fill.symbol, fill.price, order.client_order_id,
            )  # fmt: skip
            if done:
                await self.bus.publish(OrderFilled(time=now, order=snapshot, fill=fill))
            else:
                await self.bus.publish(OrderPartiallyFilled(time=now, order=snapshot, fill=fill))
            await self.announce_effects(effects[index])
        status = changes.status
        if status is OrderStatus.ACCEPTED:
            await self.bus.publish(OrderAccepted(time=now, order=snapshot))
        elif status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
            log.info("order %s %s: %s", order.client_order_id, status.value, order.reason)
            await self.bus.publish(OrderCancelled(time=now, order=snapshot, reason=order.reason))
        elif status is OrderStatus.REJECTED:
            log.warning("order %s rejected by the broker: %s", order.client_order_id, order.reason)
            await self.bus.publish(OrderRejected(time=now, order=snapshot, reason=order.reason))


def _merge(first: tuple[Fill, ...], second: tuple[Fill, ...]) -> list[Fill]:
    seen: set[str] = set()
    merged: list[Fill] = []
    for fill in (*first, *second):
        if fill.execution_id not in seen:
            seen.add(fill.execution_id)
            merged.append(fill)
    merged.sort(key=lambda f: f.time)
    return merged
