"""The broker contract: what Sherwood needs from any broker, paper or live.

Only :class:`~app.execution.service.ExecutionService` calls a broker. Every
method is a coroutine; a live broker runs its blocking I/O off the event loop.

Identity and idempotency
    Every order carries the caller's ``client_order_id``, persisted in the
    order journal before :meth:`Broker.submit` is called. A real broker
    receives it as its idempotency key (Robinhood's ``ref_id``): submitting
    the same id twice never creates two orders. After a timeout or an unclear
    answer (:class:`~app.core.errors.BrokerUnavailable`), the caller looks
    the order up with :meth:`Broker.get_order` before anything else, and
    never resubmits blindly.

Order updates
    The broker reports every change of an order (accepted, each fill,
    cancelled, rejected, expired) by awaiting the listener given to
    :meth:`Broker.set_listener` with the order's latest :class:`BrokerOrder`
    and the fills that are new in this update. A broker without push (Robinhood)
    polls its open orders and reports what changed. Fills carry unique
    ``execution_id``; a listener may receive a fill again and must ignore it.

What it raises (all from :mod:`app.core.errors`)
    ``OrderRejected(reason)``: the broker refused the order (reason in its words);
    ``DuplicateOrder``: that client order id is already known (look it up);
    ``BrokerUnavailable``: network/server failure, outcome unknown;
    ``RateLimited(retry_after)``: throttled; ``AuthenticationRequired``: log in again;
    ``OrderNotFound``: no such order; ``CancelRejected``: the order can no longer be
    cancelled (already filled or done). Nothing else escapes a broker.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from app.core.models import (
    Account,
    Fill,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from app.core.money import ZERO


@dataclass(frozen=True, slots=True)
class BrokerOrder:
    """The broker's view of one order."""

    client_order_id: str
    broker_order_id: str
    symbol: str
    side: Side
    status: OrderStatus  # ACCEPTED, PARTIALLY_FILLED, FILLED, CANCEL_PENDING, CANCELLED, ...
    quantity: Decimal | None  # shares; None while a dollar order has not been priced
    filled_quantity: Decimal = ZERO
    average_fill_price: Decimal | None = None
    reason: str = ""
    updated_at: datetime | None = None
    fills: tuple[Fill, ...] = field(default=())
    # how it was placed (what an order placed outside Sherwood is journaled with)
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GFD
    extended_hours: bool = False


@dataclass(frozen=True, slots=True)
class BrokerPosition:
    symbol: str
    quantity: Decimal
    average_cost: Decimal


OrderListener = Callable[[BrokerOrder, tuple[Fill, ...]], Awaitable[None]]


class Broker(ABC):
    """Abstract broker; see the module docstring for the contract."""

    name: str = "broker"

    @abstractmethod
    def set_listener(self, listener: OrderListener) -> None:
        """Register the one coroutine that receives order updates."""

    @abstractmethod
    async def connect(self) -> None:
        """Prepare for trading (load state, start polling); idempotent."""

    @abstractmethod
    async def close(self) -> None:
        """Stop background work; the broker keeps its orders."""

    @abstractmethod
    async def submit(self, client_order_id: str, request: OrderRequest) -> BrokerOrder:
        """Place an order under ``client_order_id``; returns its state as acknowledged."""

    @abstractmethod
    async def cancel(self, client_order_id: str) -> BrokerOrder:
        """Ask to cancel; returns the state after asking (CANCEL_PENDING or CANCELLED).

        The cancel is confirmed only when an update reports CANCELLED.
        """

    @abstractmethod
    async def get_order(self, client_order_id: str) -> BrokerOrder | None:
        """The order with this client order id, or None if the broker never saw it."""

    @abstractmethod
    async def open_orders(self) -> list[BrokerOrder]:
        """Orders not yet in a terminal state."""

    @abstractmethod
    async def positions(self) -> list[BrokerPosition]:
        """Open positions as the broker holds them."""

    @abstractmethod
    async def account(self) -> Account:
        """Balances: cash, settled and unsettled cash, buying power, equity."""

    @abstractmethod
    async def fills_since(self, since: datetime) -> list[Fill]:
        """Executions at or after ``since`` (for reconciliation after a restart)."""
