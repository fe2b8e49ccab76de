"""RobinhoodBroker: the Broker contract over Robinhood's API, one order per click whatever
the network does.

All HTTP runs on the gateway's one worker thread (``session.authorized``);
nothing here blocks the event loop.

Placing (:meth:`RobinhoodBroker.submit`): the order goes out with Sherwood's
client order id as ``ref_id``. After a timeout, a dropped connection, a 5xx
or "ref_id already exists", the order is looked up by ``ref_id`` among recent
orders first; it is sent again -- with the same ``ref_id`` -- only when that
look-up read every page and found nothing (Robinhood never made it). A
refusal is ``OrderRejected`` with Robinhood's words; so is a failure while
the order is built (account, instrument, quote), before anything is sent.

Following: while any order is open, each is read every ``poll_seconds`` (2 s)
and each change reported once to the listener (accepted, each execution by
its id, cancelled, a late rejection with Robinhood's reason). A cancel is
reported only when a poll shows it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import datetime, timedelta

from app.brokers.base import Broker, BrokerOrder, BrokerPosition, OrderListener
from app.brokers.robinhood.calls import RobinhoodCalls
from app.brokers.robinhood.session import RobinhoodSession
from app.brokers.robinhood.tracker import OrderTracker
from app.brokers.robinhood.translate import OUTSIDE_PREFIX
from app.core.clock import Clock
from app.core.errors import (
    AuthenticationRequired,
    BrokerError,
    BrokerUnavailable,
    DuplicateOrder,
    OrderNotFound,
    OrderRejected,
)
from app.core.models import Account, Fill, OrderRequest, OrderStatus
from app.core.tasks import cancel_and_wait

log = logging.getLogger("sherwood.robinhood")

POLL_SECONDS = 2.0
LOOKBACK = timedelta(days=2)  # how far back an order is looked up by ref_id


class RobinhoodBroker(Broker):
    name = "robinhood"

    def __init__(
        self, session: RobinhoodSession, calls: RobinhoodCalls, clock: Clock, *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:  # fmt: skip
        self._session = session
        self._calls = calls
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._listener: OrderListener | None = None
        self._tracker = OrderTracker()
        self._wake = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def set_listener(self, listener: OrderListener) -> None:
        self._listener = listener

    async def connect(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = asyncio.get_running_loop().create_task(
                self._poll_loop(), name="robinhood order polling"
            )

    async def close(self) -> None:
        task, self._poller = self._poller, None
        if task is not None:
            await cancel_and_wait((task,))

    # --- orders ---------------------------------------------------------------------------

    async def submit(self, client_order_id: str, request: OrderRequest) -> BrokerOrder:
        try:
            payload = await self._session.authorized(self._calls.payload, client_order_id, request)
        except BrokerUnavailable as exc:  # nothing was sent: the outcome is known
            raise OrderRejected(f"not sent: Robinhood could not price the order ({exc})") from None
        for attempt in (1, 2):
            try:
                placed = await self._session.authorized(self._calls.place, payload)
            except BrokerUnavailable as exc:  # timeout, dropped, 5xx: did Robinhood make it?
                log.warning("order %s: %s; looking it up by ref_id", client_order_id, exc)
                found = await self._find(client_order_id)
                if found is not None:
                    return self._follow(found)
                if attempt == 2:
                    raise
                log.info("order %s never reached Robinhood; sending it again", client_order_id)
                continue
            if placed.order is not None:
                log.info("order %s placed as %s", client_order_id, placed.order.broker_order_id)
                return self._follow(placed.order)
            found = await self._find(client_order_id)  # "ref_id already exists"
            if found is None:
                raise DuplicateOrder(
                    f"Robinhood already has an order with ref_id {client_order_id}"
                )
            return self._follow(found)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _find(self, client_order_id: str) -> BrokerOrder | None:
        """Look the order up by ref_id (one placed outside Sherwood has none: by Robinhood's
        id); BrokerUnavailable when that cannot be known."""
        if client_order_id.startswith(OUTSIDE_PREFIX):
            broker_order_id = client_order_id.removeprefix(OUTSIDE_PREFIX)
            return await self._session.authorized(self._calls.order, broker_order_id)
        since = self._clock.now() - LOOKBACK
        return await self._session.authorized(self._calls.find, client_order_id, since)

    def _follow(self, order: BrokerOrder) -> BrokerOrder:
        """Remember ``order`` as the caller knows it and poll it while it is open."""
        self._tracker.seen(order)
        if not order.status.is_terminal:
            self._wake.set()
        return order

    async def cancel(self, client_order_id: str) -> BrokerOrder:
        tracked = self._tracker.get(client_order_id)
        if tracked is None:
            found = await self._find(client_order_id)
            if found is None:
                raise OrderNotFound(f"Robinhood has no order with ref_id {client_order_id}")
            self._follow(found)
            broker_id = found.broker_order_id
        else:
            broker_id = tracked.broker_order_id
        current = await self._session.authorized(self._calls.cancel, broker_id)
        if current.status.is_terminal:
            return current  # cancelled (or filled first): the caller applies it
        self._tracker.mark_cancel_pending(client_order_id)
        self._wake.set()
        return dataclasses.replace(current, status=OrderStatus.CANCEL_PENDING)

    async def get_order(self, client_order_id: str) -> BrokerOrder | None:
        tracked = self._tracker.get(client_order_id)
        if tracked is not None:
            return await self._session.authorized(self._calls.order, tracked.broker_order_id)
        found = await self._find(client_order_id)
        if found is not None and not found.status.is_terminal:
            self._follow(found)
        return found

    async def open_orders(self) -> list[BrokerOrder]:
        return await self._session.authorized(self._calls.open_orders)

    async def positions(self) -> list[BrokerPosition]:
        return await self._session.authorized(self._calls.positions)

    async def account(self) -> Account:
        return await self._session.authorized(self._calls.account)

    async def fills_since(self, since: datetime) -> list[Fill]:
        orders = await self._session.authorized(self._calls.orders_since, since)
        return [f for o in orders for f in o.fills if f.time >= since]

    # --- polling --------------------------------------------------------------------------

    async def poll(self) -> int:
        """Read every open order once and report what changed; returns how many updates."""
        reported = 0
        for client_order_id, tracked in self._tracker.open_orders().items():
            try:
                order = await self._session.authorized(self._calls.order, tracked.broker_order_id)
            except AuthenticationRequired as exc:
                log.warning("order polling paused: %s", exc)
                return reported
            except BrokerError as exc:
                log.warning("could not read order %s: %s", client_order_id, exc)
                continue
            update = self._tracker.changes(order)
            if update is not None:
                reported += 1
                await self._report(*update)
        return reported

    async def _report(self, order: BrokerOrder, fills: tuple[Fill, ...]) -> None:
        if order.status is OrderStatus.REJECTED:
            log.warning("Robinhood rejected %s: %s", order.client_order_id, order.reason)
        if self._listener is None:
            return
        try:
            await self._listener(order, fills)
        except Exception:  # the listener's failure must not stop the polling
            log.exception("order listener failed on %s", order.client_order_id)

    async def _poll_loop(self) -> None:
        while True:
            await self._wake.wait()
            await self._clock.sleep(self._poll_seconds)
            try:
                await self.poll()
            except Exception:  # never let polling die silently
                log.exception("order polling failed")
            if not self._tracker.open_orders():
                self._wake.clear()
