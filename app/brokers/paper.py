"""PaperBroker: a simulated broker that behaves like Robinhood on Sherwood's own quotes.

It follows the :class:`~app.brokers.base.Broker` contract exactly. It listens to
:class:`~app.core.events.PriceUpdated` for prices; market orders fill at the
ask/bid plus slippage after a simulated latency on the injected clock; limit
orders rest until a quote crosses; partial fills are optional. Orders are
refused outside the sessions Robinhood allows them in. All state lives in the
paper database (see :mod:`app.brokers.paper_store`) and survives a restart.

``submit`` returns the acknowledged (ACCEPTED) order; the listener then
receives every later change (fills, cancel, expiry).

Latency: with ``paper_latency_ms`` above zero an accepted order becomes
live once that long has passed on the injected clock: at the first quote of
its symbol from then on, or when a task sleeping that long wakes, whichever
comes first; a live order may fill on the quote at hand. With zero, it is
live at once and a market order fills inside ``submit``, reported to the
listener before ``submit`` returns (the execution service holds such updates
back until it has published ``OrderSubmitted``). So a backtest needs no turns
of the event loop for a fill: a zero-latency order fills inside ``submit``,
and an order whose latency has passed fills inside the next quote's delivery.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from app.brokers.base import Broker, BrokerOrder, BrokerPosition, OrderListener
from app.brokers.paper_equity import EquityMarks
from app.brokers.paper_pricing import fill_quantity, limit_fill_price, market_fill_price
from app.brokers.paper_rows import PaperAccount, PaperOrder, PaperPosition, to_broker_order
from app.brokers.paper_rules import buying_power, validate_order
from app.brokers.paper_store import FillBooking, PaperStore, new_order
from app.calendar import NEW_YORK, Session, settlement_date, trade_date
from app.config import Settings
from app.core.bus import EventBus, Subscription
from app.core.clock import Clock
from app.core.errors import CancelRejected, DuplicateOrder, OrderNotFound, OrderRejected
from app.core.events import PriceUpdated
from app.core.models import (
    Account,
    AccountType,
    Fill,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    Side,
    TimeInForce,
)
from app.core.money import ZERO
from app.core.order_rules import session_allows
from app.core.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class PaperBroker(Broker):
    """A Robinhood-like broker on simulated (or replayed) quotes; see the module docstring."""

    name = "paper"

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        settings: Settings,
        session_at: Callable[[datetime], Session],
        store: PaperStore,
    ) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self._settings = settings
        self._session_at = session_at
        self._listener: OrderListener | None = None
        self._subscription: Subscription | None = None
        self._quotes: dict[str, Quote] = {}
        self._account_row: PaperAccount | None = None
        self._positions: dict[str, PaperPosition] = {}
        self._open: dict[str, PaperOrder] = {}
        self._live: set[str] = set()  # open orders past their simulated latency
        self._live_at: dict[str, datetime] = {}  # open orders not yet live: when they will be
        self._tasks: set[asyncio.Task[None]] = set()
        self._id_prefix = uuid.uuid4().hex[:12]  # broker order ids: unique per broker instance
        self._id_seq = itertools.count(1)
        self._equity = EquityMarks(self._quotes, store)

    # ------------------------------------------------------------------ lifecycle

    def set_listener(self, listener: OrderListener) -> None:
        self._listener = listener

    async def connect(self) -> None:
        self._load()
        if self._subscription is None:
            self._subscription = self._bus.subscribe(PriceUpdated, self._on_price)
        await self._expire_due()

    async def close(self) -> None:
        if self._subscription is not None:
            self._subscription.cancel()
            self._subscription = None
        await self._cancel_tasks()
        self._equity.save(self._clock.now())

    async def reset(self, starting_cash: Decimal) -> None:
        """Wipe every order, fill, position and cash entry; start again with ``starting_cash``."""
        await self._cancel_tasks()
        self._store.wipe()
        self._account_row = None
        self._equity.reset()
        self._load(starting_cash)
        log.info("paper account reset to $%s", starting_cash)

    def _load(self, starting_cash: Decimal | None = None) -> PaperAccount:
        if self._account_row is None:
            cash = self._settings.paper_starting_cash if starting_cash is None else starting_cash
            self._account_row = self._store.load_or_create_account(
                cash, self._settings.account_type, self._clock.now()
            )
            self._positions = self._store.positions()
            self._open = {order.client_order_id: order for order in self._store.open_orders()}
            self._live = set(self._open)
            self._live_at = {}
            self._equity.track(self._account_row, self._positions)
        return self._account_row

    async def _cancel_tasks(self) -> None:
        await cancel_and_wait(list(self._tasks))
        self._tasks.clear()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ orders

    async def submit(self, client_order_id: str, request: OrderRequest) -> BrokerOrder:
        account = self._account_row or self._load()
        if client_order_id in self._open:  # a known closed one: the unique key refuses it
            raise DuplicateOrder(f"an order with client id {client_order_id} already exists")
        now = self._clock.now()
        broker_id = f"paper-{self._id_prefix}-{next(self._id_seq)}"
        quote = self._fresh_quote(request.symbol, now)
        try:
            quantity = validate_order(
                request, self._session_at(now), quote, account.cash, self._open.values(),
                self._positions, self._quotes, self._settings.paper_slippage_bps,
            )  # fmt: skip
        except OrderRejected as exc:
            refused = new_order(
                client_order_id, broker_id, request, request.quantity,
                OrderStatus.REJECTED, exc.reason, now,
            )  # fmt: skip
            self._store.create_order(refused)
            log.info("paper order %s rejected: %s", client_order_id, exc.reason)
            raise
        status = OrderStatus.ACCEPTED
        row = new_order(client_order_id, broker_id, request, quantity, status, "", now)
        latency = self._settings.paper_latency_ms
        if latency > 0:
            self._store.create_order(row)
            self._open[client_order_id] = row
            self._live_at[client_order_id] = now + timedelta(milliseconds=latency)
            self._spawn(self._activate(client_order_id))
            return to_broker_order(row)
        # Live at once: an order that fills on the current quote is stored with its fill in
        # one transaction, and the fill is reported before the acknowledgement returns.
        await self._expire_due()
        accepted = to_broker_order(row)
        booking = None if quote is None else self._match(row, quote)
        if booking is None:
            self._store.create_order(row)
        else:
            self._booked(row, booking.fill, self._store.create_filled_order(row, booking))
        if not row.status.is_terminal:
            self._open[client_order_id] = row
            self._live.add(client_order_id)
        if booking is not None:
            await self._notify(row, (booking.fill,))
        return accepted

    async def cancel(self, client_order_id: str) -> BrokerOrder:
        row = self._open.get(client_order_id)
        if row is None:
            done = self._store.find_order(client_order_id)
            if done is None:
                raise OrderNotFound(f"no paper order with client id {client_order_id}")
            raise CancelRejected(f"the order is already {done.status}; it cannot be cancelled")
        await self._finish(row, OrderStatus.CANCELLED, "cancelled at your request")
        return to_broker_order(row)

    async def get_order(self, client_order_id: str) -> BrokerOrder | None:
        row = self._open.get(client_order_id) or self._store.find_order(client_order_id)
        return None if row is None else to_broker_order(row)

    async def open_orders(self) -> list[BrokerOrder]:
        self._load()
        return [to_broker_order(row) for row in self._open.values()]

    async def positions(self) -> list[BrokerPosition]:
        self._load()
        return [
            BrokerPosition(row.symbol, row.quantity, row.average_cost)
            for row in self._positions.values()
        ]

    async def fills_since(self, since: datetime) -> list[Fill]:
        return self._store.fills_since(since)

    async def account(self) -> Account:
        account = self._load()
        now = self._clock.now()
        account_type = AccountType(account.account_type)
        cash: Decimal = account.cash
        unsettled = ZERO
        if account_type is AccountType.CASH:
            unsettled = self._store.unsettled_cash(now.astimezone(NEW_YORK).date())
        equity = self._equity.mark_now(trade_date(now), now)
        previous = self._equity.previous_close(trade_date(now))
        return Account(
            account_type=account_type,
            cash=cash,
            settled_cash=cash - unsettled,
            unsettled_cash=unsettled,
            buying_power=buying_power(
                cash, self._open.values(), self._quotes, self._settings.paper_slippage_bps
            ),
            equity=equity,
            equity_previous_close=equity if previous is None else previous,
        )

    def _fresh_quote(self, symbol: str, now: datetime) -> Quote | None:
        quote = self._quotes.get(symbol)
        if quote is None or quote.stale:
            return None
        if (now - quote.time).total_seconds() > self._settings.quote_stale_seconds:
            return None
        return quote

    # ------------------------------------------------------------------ matching

    async def _activate(self, client_order_id: str) -> None:
        await self._clock.sleep(self._settings.paper_latency_ms / 1000)
        await self._go_live(client_order_id)

    async def _go_live(self, client_order_id: str) -> None:
        """The order reached the simulated exchange: it may fill on the current quote."""
        if client_order_id not in self._open or client_order_id in self._live:
            return  # done, or live already (a quote came first)
        self._live_at.pop(client_order_id, None)
        self._live.add(client_order_id)
        await self._expire_due()
        row = self._open.get(client_order_id)
        if row is None:
            return
        quote = self._fresh_quote(row.symbol, self._clock.now())
        if quote is not None:
            await self._try_fill(row, quote)

    async def _on_price(self, event: PriceUpdated) -> None:
        quote = event.quote
        if self._account_row is None:
            self._quotes[quote.symbol] = quote
            return
        now = self._clock.now()
        self._quotes[quote.symbol] = quote
        self._equity.mark_now(trade_date(now), now)
        if not self._open:
            return
        await self._expire_due()
        if self._fresh_quote(quote.symbol, now) is None:
            return
        for client_order_id, live_at in list(self._live_at.items()):
            if live_at <= now and client_order_id in self._open:
                self._live_at.pop(client_order_id)
                self._live.add(client_order_id)  # its latency has passed: it fills below
        for client_order_id in list(self._open):
            row = self._open.get(client_order_id)
            if row is not None and row.symbol == quote.symbol and client_order_id in self._live:
                await self._try_fill(row, quote)

    async def _try_fill(self, row: PaperOrder, quote: Quote) -> None:
        booking = self._match(row, quote)
        if booking is None:
            return
        self._booked(row, booking.fill, self._store.record_fill(row, booking))
        await self._notify(row, (booking.fill,))

    def _match(self, row: PaperOrder, quote: Quote) -> FillBooking | None:
        """The fill ``row`` gets on ``quote`` now (None: none), with what it moves."""
        now = self._clock.now()
        if not session_allows(row.extended_hours, self._session_at(now)):
            return None
        side = row.side
        bps = self._settings.paper_slippage_bps
        if row.order_type is OrderType.LIMIT:
            assert row.limit_price is not None  # a limit order always has its price
            price = limit_fill_price(side, quote, row.limit_price, bps)
            if price is None:
                return None
        else:
            price = market_fill_price(side, quote, bps)
        remaining = row.remaining
        size = row.quantity or ZERO
        whole = size == size.to_integral_value()
        quantity = fill_quantity(side, remaining, quote, self._settings.paper_partial_fills, whole)
        position = self._positions.get(row.symbol)
        if side is Side.SELL:
            quantity = min(quantity, position.quantity if position is not None else ZERO)
        if quantity <= 0:
            return None
        fill = Fill(
            execution_id=str(uuid.uuid4()),
            client_order_id=row.client_order_id,
            symbol=row.symbol,
            side=side,
            quantity=quantity,
            price=price,
            time=now,
        )
        account = self._account_row or self._load()
        settles_on = None
        if side is Side.SELL and account.account_type == AccountType.CASH.value:
            settles_on = settlement_date(trade_date(now))
        return FillBooking(account, position, fill, settles_on)

    def _booked(self, row: PaperOrder, fill: Fill, position: PaperPosition | None) -> None:
        """The mirrors after ``fill`` of ``row`` was stored: ``position`` is the symbol's now."""
        if position is None:
            self._positions.pop(row.symbol, None)
        else:
            self._positions[row.symbol] = position
        if row.status.is_terminal:
            self._forget(row.client_order_id)
        log.info("paper fill %s %s %s @ %s", fill.side.value, fill.quantity, row.symbol, fill.price)

    async def _expire_due(self) -> None:
        """Expire good-for-day orders whose session is over."""
        if not self._open:
            return
        session = self._session_at(self._clock.now())
        if session is Session.REGULAR:
            return  # every order may trade in the regular session: none expires
        for row in list(self._open.values()):
            is_day_order = row.time_in_force is TimeInForce.GFD
            if is_day_order and not session_allows(row.extended_hours, session):
                await self._finish(row, OrderStatus.EXPIRED, "good for day: the session ended")

    async def _finish(self, row: PaperOrder, status: OrderStatus, reason: str) -> None:
        self._forget(row.client_order_id)
        self._store.set_status(row, status, reason, self._clock.now())
        await self._notify(row, ())

    def _forget(self, client_order_id: str) -> None:
        self._open.pop(client_order_id, None)
        self._live.discard(client_order_id)
        self._live_at.pop(client_order_id, None)

    async def _notify(self, row: PaperOrder, fills: tuple[Fill, ...]) -> None:
        if self._listener is None:
            return
        try:
            await self._listener(to_broker_order(row), fills)
        except Exception:  # the listener's failure must not break the matching loop
            log.exception("order listener failed on %s", row.client_order_id)
