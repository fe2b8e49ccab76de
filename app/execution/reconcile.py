"""Reconciliation of the journal and the portfolio with the broker: at start, after a login,
and every few minutes (``RECONCILE_MINUTES``).

One :class:`Reconciler` lives as long as the execution service and remembers
when it last looked (the checkpoint). A round:

0. At start, journaled fills whose effects were never committed (the app
   stopped between the two) are applied (this needs no broker).
1. Every journal order that is not terminal is looked up by client order id
   (orders being sent right now are left alone).
   * Known: the broker's state is adopted and missing fills are applied
     through the one update applier.
   * Unknown to the broker (it answered, and it has none) and never filled:
     at start, an order under a minute old is resent under the SAME client id
     on the symbol's first fresh quote (idempotent at the broker); an older
     one is marked REJECTED ("not sent before restart" / "the broker never
     received it") -- a stale market order sent hours later is more dangerous
     than a missed one. In a later round only the second rule applies
     (nothing is ever sent from here then). An order placed outside Sherwood
     is never resent.
2. ``broker.fills_since(checkpoint)`` catches executions missed while the
   broker's updates did not reach us (the app was down, the poller stopped).
   Each execution counts once, by its execution id. An execution of an order
   Sherwood did not place ADOPTS that order: it is journaled (source
   EXTERNAL, the broker's id, e.g. ``robinhood:<id>``) and its fills go
   through the same applier, so the portfolio and the day-trade count see it.
3. Open orders at the broker that the journal does not know are adopted the
   same way (journaled; followed like Sherwood's own from then on).
4. Broker positions are compared with the portfolio. A difference no fill
   explains (a position older than the journal's memory) is ADOPTED into the
   portfolio at the broker's average cost. A symbol with an open or in-flight
   order is left to the next round, and so is one whose executions at the
   broker are not all journaled yet, so nothing is counted twice.

Every adoption is a warning log line and an :class:`OutsideTradeAdopted` event
(the window shows it); problems are logged and published as ``ErrorOccurred``.
``ReconciliationCompleted`` ends the start-up round and any later round that
found something. Without a broker session (``AuthenticationRequired``) a round
stops quietly and the checkpoint stays: the next round (after the login) catches up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from app.brokers.base import Broker, BrokerOrder
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.errors import AuthenticationRequired
from app.core.events import ErrorOccurred, OutsideTradeAdopted, ReconciliationCompleted
from app.core.models import Fill, Order, OrderRequest, OrderSource, OrderStatus, Side, describe
from app.core.money import ZERO
from app.core.ports import PositionSource
from app.core.tasks import cancel_and_wait
from app.execution.orders import OrderStore
from app.execution.updates import UpdateApplier

log = logging.getLogger("sherwood.reconcile")

RESUBMIT_WINDOW = timedelta(minutes=1)
# Executions are asked for from a little before the last round (ids make the overlap harmless).
OVERLAP = timedelta(minutes=1)
OUTSIDE = "outside Sherwood"
# Journal states of an order the broker may never have received (resent when young).
_RESENDABLE = frozenset({OrderStatus.NEW, OrderStatus.SUBMITTED, OrderStatus.ACCEPTED})


class PositionAdopter(PositionSource, Protocol):
    """The portfolio's side of reconciliation: read positions, take the broker's."""

    async def adopt(
        self, symbol: str, quantity: Decimal, average_cost: Decimal, *, reference: str
    ) -> object: ...


@dataclass
class ReconcileReport:
    orders_checked: int = 0
    resubmitted: int = 0
    expired: int = 0
    fills_recovered: int = 0
    fills_applied: int = 0
    adopted: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: str = ""  # why the round stopped early (no session)

    @property
    def found_something(self) -> bool:
        return bool(
            self.resubmitted or self.expired or self.fills_recovered or self.fills_applied
            or self.adopted or self.problems
        )  # fmt: skip


class Reconciler:
    """Brings the journal and the portfolio in line with the broker; see the module docstring."""

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        broker: Broker,
        store: OrderStore,
        updates: UpdateApplier,
        positions: PositionAdopter,
        *,
        resend: Callable[[Order], None],
        reject: Callable[[Order, str], Awaitable[None]],
        busy: Callable[[], Collection[str]] = tuple,
    ) -> None:
        self.bus = bus
        self.clock = clock
        self.broker = broker
        self.store = store
        self.updates = updates
        self.positions = positions
        self.resend = resend
        self.reject = reject
        self.busy = busy  # client ids being sent or waiting to be resent right now
        self.checkpoint: datetime | None = None  # executions before it are journaled
        self.rounds = 0
        self.report = ReconcileReport()
        self._lock = asyncio.Lock()

    async def run(self) -> ReconcileReport:
        """One round (rounds never overlap). Until one has run through (a session may be
        missing at start), each is the start-up round."""
        async with self._lock:
            starting = self.rounds == 0
            self.report = ReconcileReport()
            began = self.clock.now()
            try:
                await self._round(starting, began)
                self.rounds += 1
            except AuthenticationRequired as exc:
                self.report.skipped = f"no broker session ({exc})"
                log.info("reconciliation waits for a login: %s", exc)
            report = self.report
            if report.skipped and not starting:
                return report
            if not report.skipped:
                log.log(
                    logging.INFO if starting or report.found_something else logging.DEBUG,
                    "reconciled %d open orders: %d resubmitted, %d expired, %d fills recovered, "
                    "%d unapplied fills applied, %d adopted, %d problems",
                    report.orders_checked, report.resubmitted, report.expired,
                    report.fills_recovered, report.fills_applied, len(report.adopted),
                    len(report.problems),
                )  # fmt: skip
            if starting or report.found_something:
                await self.bus.publish(
                    ReconciliationCompleted(
                        time=self.clock.now(), orders_checked=report.orders_checked,
                        fills_recovered=report.fills_recovered,
                        problems=tuple(report.problems),
                    )
                )  # fmt: skip
            return report

    async def _round(self, starting: bool, began: datetime) -> None:
        journal = self.store.journal
        since = self.checkpoint
        if since is None:
            since = _earliest(journal.last_fill_time(), journal.first_open_order_time())
        if starting:  # needs no broker: done even when the session is missing
            await self._unapplied()
        busy = set(self.busy())
        for order in list(self.store.open_orders()):
            if order.client_order_id in busy or (not starting and order.status is OrderStatus.NEW):
                continue  # being sent, or waiting for its resend
            self.report.orders_checked += 1
            try:
                await self._order(order, starting)
            except AuthenticationRequired:
                raise
            except Exception as exc:
                self._problem(f"could not reconcile {describe(order)}: {exc}")
        # Executions older than this are absorbed by the positions' comparison (step 4).
        window = since if since is not None else began - OVERLAP
        fetched = await self._missed_fills(window)
        await self._outside_open_orders()
        await self._positions(window)
        if fetched:  # later rounds ask for executions from here on
            self.checkpoint = began - OVERLAP

    # --- 0. journaled, not applied -------------------------------------------------------------

    async def _unapplied(self) -> None:
        for fill in self.store.journal.unapplied_fills():
            if await self.updates.fold(fill):
                self.report.fills_applied += 1
            else:
                self._problem(f"fill {fill.execution_id} could not be applied")

    # --- 1. journal orders -------------------------------------------------------------------

    async def _order(self, order: Order, starting: bool) -> None:
        found = await self.broker.get_order(order.client_order_id)
        if found is not None:
            before = len(order.fill_ids)
            await self.updates.apply(found, found.fills)
            self.report.fills_recovered += len(order.fill_ids) - before
            return
        if order.request.source is OrderSource.EXTERNAL:
            self._problem(f"{describe(order)} ({OUTSIDE}) is no longer found at the broker")
            return
        age = self.clock.now() - order.created_at
        unfilled = not order.fill_ids and not order.filled_quantity
        if not unfilled or order.status not in _RESENDABLE:
            self._problem(f"{describe(order)} ({order.status.value}) is unknown to the broker")
            return
        if age <= RESUBMIT_WINDOW:
            if starting:
                log.info("will resubmit %s under the same client id", describe(order))
                self.report.resubmitted += 1
                self.resend(order)
            return  # later rounds send nothing: the next one decides
        reason = "not sent before restart"
        if order.status is not OrderStatus.NEW:
            reason = "the broker never received it (not sent before restart)"
            if not starting:
                reason = "the broker never received it"
        self.report.expired += 1
        await self.reject(order, reason)

    # --- 2. executions since the checkpoint ----------------------------------------------------

    async def _missed_fills(self, since: datetime) -> bool:
        """Apply the executions since ``since`` that the journal lacks; False if unknown."""
        try:
            fills = await self.broker.fills_since(since)
        except AuthenticationRequired:
            raise
        except Exception as exc:
            self._problem(f"could not fetch fills since {since.isoformat()}: {exc}")
            return False
        missing: dict[str, list[Fill]] = {}  # by order, oldest first: a buy before its sale
        for fill in sorted(fills, key=lambda f: f.time):
            if not self._journaled(fill):
                missing.setdefault(fill.client_order_id, []).append(fill)
        for coid, new in missing.items():
            try:
                await self._apply_missed(coid, new)
            except AuthenticationRequired:
                raise
            except Exception as exc:
                self._problem(f"could not apply the executions of order {coid}: {exc}")
        return True

    async def _apply_missed(self, coid: str, fills: list[Fill]) -> None:
        found = await self.broker.get_order(coid)
        if found is None:
            self._problem(
                f"executions {', '.join(f.execution_id for f in fills)} belong to order {coid}, "
                "which the broker no longer finds"
            )
            return
        if self.store.get(coid) is None:
            await self._adopt_order(found)
            return
        order = self.store.get(coid)
        before = len(order.fill_ids) if order is not None else 0
        await self.updates.apply(found, tuple(fills))
        after = self.store.get(coid)
        self.report.fills_recovered += (len(after.fill_ids) if after else 0) - before

    # --- 3. orders placed outside Sherwood -----------------------------------------------------

    async def _outside_open_orders(self) -> None:
        try:
            open_at_broker = await self.broker.open_orders()
        except AuthenticationRequired:
            raise
        except Exception as exc:
            self._problem(f"could not fetch open orders: {exc}")
            return
        for broker_order in open_at_broker:
            coid = broker_order.client_order_id
            if self.store.get(coid) is not None:
                continue
            try:
                # Asked again by id: the broker follows the order from now on, like our own.
                found = await self.broker.get_order(coid)
                await self._adopt_order(found or broker_order)
            except AuthenticationRequired:
                raise
            except Exception as exc:
                self._problem(f"could not adopt open order {coid} ({broker_order.symbol}): {exc}")

    async def _adopt_order(self, found: BrokerOrder) -> None:
        """Journal an order placed outside Sherwood and apply its fills like any other."""
        quantity = found.quantity or found.filled_quantity
        if not quantity:
            log.info("order %s has no size yet; adopted once it has", found.client_order_id)
            return
        await self._cover_outside_sells(found)
        times = [f.time for f in found.fills]
        created = min(times) if times else (found.updated_at or self.clock.now())
        request = OrderRequest(
            symbol=found.symbol, side=found.side, quantity=quantity, order_type=found.order_type,
            limit_price=found.limit_price, time_in_force=found.time_in_force,
            extended_hours=found.extended_hours, source=OrderSource.EXTERNAL, reason=OUTSIDE,
        )  # fmt: skip
        order = Order(
            found.client_order_id, request, created_at=created, status=OrderStatus.SUBMITTED,
            updated_at=self.clock.now(), broker_order_id=found.broker_order_id,
        )  # fmt: skip
        self.store.save(order)
        await self.updates.apply(found, found.fills)
        self.report.fills_recovered += len(order.fill_ids)
        if order.filled_quantity:
            partly = "" if order.status is OrderStatus.FILLED else "partly "
            state = (
                f"{partly}filled {_n(order.filled_quantity)} @ {_price(order.average_fill_price)}"
            )
        else:
            state = "open" if order.status.is_open else order.status.value
        limit = f" limit {_price(found.limit_price)}" if found.limit_price is not None else ""
        await self._notice(
            "order", found.symbol,
            f"adopted an order placed {OUTSIDE}: {found.side.value} {_n(quantity)} {found.symbol}"
            f"{limit}, {state} (broker order {found.broker_order_id})",
        )  # fmt: skip

    async def _cover_outside_sells(self, found: BrokerOrder) -> None:
        """An outside sell of shares the portfolio never knew of: adopt them first."""
        if found.side is not Side.SELL or not found.fills:
            return
        sold = sum((f.quantity for f in found.fills), ZERO)
        held = self.positions.get_position(found.symbol)
        have = held.quantity if held is not None else ZERO
        if have >= sold:
            return
        price = found.fills[0].price
        await self.positions.adopt(found.symbol, sold, price, reference=OUTSIDE)
        await self._notice(
            "position", found.symbol,
            f"position mismatch in {found.symbol}: sold {_n(sold)} {OUTSIDE} while Sherwood held "
            f"{_n(have)}; adopted {_n(sold - have)} more at {_price(price)} before the sale",
        )  # fmt: skip

    # --- 4. positions --------------------------------------------------------------------------

    async def _positions(self, window: datetime) -> None:
        try:
            held = {p.symbol: p for p in await self.broker.positions()}
            ours = {p.symbol: p for p in self.positions.open_positions()}
            differ = [
                s for s in sorted(set(held) | set(ours))
                if (held[s].quantity if s in held else ZERO)
                != (ours[s].quantity if s in ours else ZERO)
            ]  # fmt: skip
            # Every execution in that read of positions is visible now: one not journaled
            # yet is a trade the next round adopts as an order, so its symbol waits.
            recent = await self.broker.fills_since(window) if differ else []
        except AuthenticationRequired:
            raise
        except Exception as exc:
            self._problem(f"could not fetch broker positions: {exc}")
            return
        unjournaled = {f.symbol for f in recent if not self._journaled(f)}
        moving = {o.symbol for o in self.store.open_orders()} | self._busy_symbols()
        ours = {p.symbol: p for p in self.positions.open_positions()}
        for symbol in differ:
            theirs = held[symbol].quantity if symbol in held else ZERO
            mine = ours[symbol].quantity if symbol in ours else ZERO
            if theirs == mine:
                continue
            if symbol in moving or symbol in unjournaled:
                log.info("position in %s differs while orders move; next round", symbol)
                continue
            cost = held[symbol].average_cost if symbol in held else ZERO
            try:
                await self.positions.adopt(symbol, theirs, cost, reference=OUTSIDE)
            except Exception as exc:
                self._problem(f"could not adopt the broker's {_n(theirs)} {symbol}: {exc}")
                continue
            at = f" at {_price(cost)}" if theirs > mine else ""
            await self._notice(
                "position", symbol,
                f"position mismatch in {symbol}: the broker holds {_n(theirs)}, Sherwood had "
                f"{_n(mine)}; adopted the broker's {_n(theirs)}{at} (a trade made {OUTSIDE})",
            )  # fmt: skip

    def _journaled(self, fill: Fill) -> bool:
        """The execution is in the journal (with its order, whose fill ids are at hand)."""
        order = self.store.get(fill.client_order_id)
        return order is not None and fill.execution_id in order.fill_ids

    def _busy_symbols(self) -> set[str]:
        symbols = set()
        for coid in self.busy():
            order = self.store.get(coid)
            if order is not None:
                symbols.add(order.symbol)
        return symbols

    # --- notices -------------------------------------------------------------------------------

    async def _notice(self, kind: str, symbol: str, message: str) -> None:
        log.warning(message)
        self.report.adopted.append(message)
        await self.bus.publish(
            OutsideTradeAdopted(time=self.clock.now(), kind=kind, symbol=symbol, message=message)
        )

    def _problem(self, message: str) -> None:
        log.warning(message)
        self.report.problems.append(message)
        self.bus.publish_nowait(
            ErrorOccurred(time=self.clock.now(), source="reconcile", message=message)
        )


def _n(quantity: Decimal) -> str:
    """A quantity as people write it: 2, 0.5 (not 2.00000000)."""
    return format(quantity.normalize(), "f")


def _price(price: Decimal | None) -> str:
    return "?" if price is None else f"${price:,.2f}"


def _earliest(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


class ReconcileSchedule:
    """Runs a reconciliation every ``every`` of the injected clock, and at once when asked
    (after a login), one at a time. A new ``RECONCILE_MINUTES`` counts from when it is set."""

    def __init__(
        self, clock: Clock, reconcile: Callable[[], Awaitable[object]], every: timedelta
    ) -> None:
        self.clock = clock
        self.reconcile = reconcile
        self.every = every
        self._wake = asyncio.Event()
        self._due = False

    def request(self) -> None:
        """Reconcile as soon as possible (e.g. the user logged in again)."""
        self._due = True
        self._wake.set()

    def update_settings(self, settings: Settings) -> None:
        self.every = timedelta(minutes=settings.reconcile_minutes)
        self._wake.set()  # the wait starts again with the new interval

    async def run(self) -> None:
        while True:
            if not await self._wait():
                continue
            try:
                await self.reconcile()
            except Exception:  # one failed round must not end the schedule
                log.exception("reconciliation failed; next round in %s", self.every)

    async def _wait(self) -> bool:
        """Sleep ``every`` or until woken; True when a round is due."""
        sleep = asyncio.ensure_future(self.clock.sleep(self.every.total_seconds()))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleep, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await cancel_and_wait((sleep, woken))  # a stop arriving meanwhile ends run()
        self._wake.clear()
        due = self._due or not sleep.cancelled()
        self._due = False
        return due


async def resolve_unknown(
    store: OrderStore,
    updates: UpdateApplier,
    lookup: Callable[[str], Awaitable[BrokerOrder | None]],
    created_before: datetime,
    in_flight: Iterable[str] = (),
) -> int:
    """Look up SUBMITTED orders the broker never confirmed (created before ``created_before``,
    not being submitted right now) and apply what the broker says; returns how many."""
    busy = set(in_flight)
    resolved = 0
    for order in list(store.open_orders()):
        if order.status is not OrderStatus.SUBMITTED or order.created_at > created_before:
            continue
        if order.client_order_id in busy or order.request.source is OrderSource.EXTERNAL:
            continue
        found = await lookup(order.client_order_id)
        if found is not None:
            await updates.apply(found, found.fills)
            resolved += 1
    return resolved
