"""Start-up reconciliation of the journal with the broker.

1. Every journal order that is not terminal is looked up by client order id.
   * Unknown to the broker, journaled NEW (the app stopped between the journal
     write and the broker call): resubmitted under the SAME client id when it
     is under a minute old (idempotent at the broker) -- on the symbol's first
     fresh quote, since none exists yet at start; older than that it is
     marked REJECTED "not sent before restart" -- a stale market order sent
     hours later is more dangerous than a missed one.
   * Unknown to the broker, journaled SUBMITTED or ACCEPTED without fills:
     the broker never got it or lost it. Handled exactly like NEW: resent
     under the SAME client id when under a minute old, else REJECTED -- never
     lost, never duplicated (the broker refuses a second order under one
     client id).
   * Older than that: REJECTED "the broker never received it (not sent
     before restart)"; an order with journaled fills is never resent.
   * Known: the broker's state is adopted and missing fills are applied
     through the normal fill path.
2. ``broker.fills_since(last journaled fill)`` catches fills made while down.
3. Fills journaled but whose effects (portfolio, compliance ledger) were
   never committed (the app stopped between the two) are applied now.
4. Broker positions are compared with the portfolio, broker open orders with
   the journal; every mismatch is logged and published as ``ErrorOccurred``
   (positions opened outside the app are reported, not adopted).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.brokers.base import Broker, BrokerOrder
from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import ErrorOccurred, ReconciliationCompleted
from app.core.models import Order, OrderStatus, describe
from app.core.money import ZERO
from app.core.ports import PositionSource
from app.execution.orders import OrderStore
from app.execution.updates import UpdateApplier

log = logging.getLogger("sherwood.reconcile")

RESUBMIT_WINDOW = timedelta(minutes=1)
# Journal states of an order the broker may never have received (resent when young).
_RESENDABLE = frozenset({OrderStatus.NEW, OrderStatus.SUBMITTED, OrderStatus.ACCEPTED})


@dataclass
class ReconcileReport:
    orders_checked: int = 0
    resubmitted: int = 0
    expired: int = 0
    fills_recovered: int = 0
    fills_applied: int = 0
    problems: list[str] = field(default_factory=list)


class Reconciler:
    """One start-up reconciliation; see the module docstring."""

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        broker: Broker,
        store: OrderStore,
        updates: UpdateApplier,
        positions: PositionSource,
        *,
        resend: Callable[[Order], None],
        reject: Callable[[Order, str], Awaitable[None]],
    ) -> None:
        self.bus = bus
        self.clock = clock
        self.broker = broker
        self.store = store
        self.updates = updates
        self.positions = positions
        self.resend = resend
        self.reject = reject
        self.report = ReconcileReport()

    async def run(self) -> ReconcileReport:
        journal = self.store.journal
        since = _earliest(journal.last_fill_time(), journal.first_open_order_time())
        for order in list(self.store.open_orders()):
            self.report.orders_checked += 1
            try:
                await self._order(order)
            except Exception as exc:
                self._problem(f"could not reconcile {describe(order)}: {exc}")
        if since is not None:
            await self._missed_fills(since)
        await self._unapplied()
        await self._positions()
        await self._foreign_orders()
        report = self.report
        log.info(
            "reconciled %d open orders: %d resubmitted, %d expired, %d fills recovered, "
            "%d unapplied fills applied, %d problems",
            report.orders_checked, report.resubmitted, report.expired,
            report.fills_recovered, report.fills_applied, len(report.problems),
        )  # fmt: skip
        await self.bus.publish(
            ReconciliationCompleted(
                time=self.clock.now(), orders_checked=report.orders_checked,
                fills_recovered=report.fills_recovered, problems=tuple(report.problems),
            )
        )  # fmt: skip
        return report

    async def _order(self, order: Order) -> None:
        found = await self.broker.get_order(order.client_order_id)
        if found is not None:
            before = len(order.fill_ids)
            await self.updates.apply(found, found.fills)
            self.report.fills_recovered += len(order.fill_ids) - before
            return
        age = self.clock.now() - order.created_at
        unfilled = not order.fill_ids and not order.filled_quantity
        if order.status in _RESENDABLE and unfilled and age <= RESUBMIT_WINDOW:
            log.info("will resubmit %s under the same client id", describe(order))
            self.report.resubmitted += 1
            self.resend(order)
            return
        reason = "not sent before restart"
        if order.status is not OrderStatus.NEW:
            reason = "the broker never received it (not sent before restart)"
        self.report.expired += 1
        await self.reject(order, reason)

    async def _missed_fills(self, since: datetime) -> None:
        journal = self.store.journal
        try:
            fills = await self.broker.fills_since(since)
        except Exception as exc:
            self._problem(f"could not fetch fills since {since.isoformat()}: {exc}")
            return
        for fill in fills:
            if journal.has_fill(fill.execution_id):
                continue
            found = await self.broker.get_order(fill.client_order_id)
            if found is None or self.store.get(fill.client_order_id) is None:
                self._problem(
                    f"fill {fill.execution_id} ({fill.side.value} {fill.quantity} {fill.symbol}) "
                    "belongs to an order Sherwood did not place"
                )
                continue
            await self.updates.apply(found, (fill,))
            self.report.fills_recovered += 1

    async def _unapplied(self) -> None:
        for fill in self.store.journal.unapplied_fills():
            if await self.updates.fold(fill):
                self.report.fills_applied += 1
            else:
                self._problem(f"fill {fill.execution_id} could not be applied")

    async def _positions(self) -> None:
        try:
            broker_positions = {p.symbol: p.quantity for p in await self.broker.positions()}
        except Exception as exc:
            self._problem(f"could not fetch broker positions: {exc}")
            return
        ours = {p.symbol: p.quantity for p in self.positions.open_positions()}
        for symbol in sorted(set(broker_positions) | set(ours)):
            theirs = broker_positions.get(symbol, ZERO)
            mine = ours.get(symbol, ZERO)
            if theirs != mine:
                self._problem(
                    f"position mismatch in {symbol}: broker holds {theirs}, Sherwood has {mine} "
                    "(a trade made outside the app?)"
                )

    async def _foreign_orders(self) -> None:
        try:
            open_at_broker = await self.broker.open_orders()
        except Exception as exc:
            self._problem(f"could not fetch open orders: {exc}")
            return
        for broker_order in open_at_broker:
            if self.store.get(broker_order.client_order_id) is None:
                self._problem(
                    f"open order {broker_order.broker_order_id} ({broker_order.side.value} "
                    f"{broker_order.symbol}) was not placed by Sherwood"
                )

    def _problem(self, message: str) -> None:
        log.warning(message)
        self.report.problems.append(message)
        self.bus.publish_nowait(
            ErrorOccurred(time=self.clock.now(), source="reconcile", message=message)
        )


def _earliest(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


async def resolve_unknown(
    store: OrderStore,
    updates: UpdateApplier,
    lookup: Callable[[str], Awaitable[BrokerOrder | None]],
    created_before: datetime,
    in_flight: Collection[str] = (),
) -> int:
    """Look up SUBMITTED orders the broker never confirmed (created before ``created_before``,
    not being submitted right now) and apply what the broker says; returns how many."""
    resolved = 0
    for order in list(store.open_orders()):
        if order.status is not OrderStatus.SUBMITTED or order.created_at > created_before:
            continue
        if order.client_order_id in in_flight:
            continue
        found = await lookup(order.client_order_id)
        if found is not None:
            await updates.apply(found, found.fills)
            resolved += 1
    return resolved
