"""ExecutionService: the order pipeline, and the only caller of the broker.

Every order goes the same way, forward only: order command -> risk check ->
compliance check (any error in a check denies: fail closed) -> the order's row
(NEW, with a fresh client order id) committed to SQLite -> ``broker.submit``
with that id -> the broker's answer through the one update applier
(:class:`~app.execution.updates.UpdateApplier`) -> events. Denials are
journaled as DENIED orders and published as ``OrderDenied`` with the reason;
nothing raises for a business refusal. Malformed input (no quantity, negative
price, bad symbol) raises :class:`~app.core.errors.InvalidOrder` because no
order can be built from it; it is also published as ``ErrorOccurred``.

After a timeout or an unclear broker answer the order is looked up by its
client id before anything else and never resubmitted blindly; if the broker
still cannot say, the order stays SUBMITTED and reconciliation resolves it.
``OrderSubmitted`` says the order went to the broker (status SUBMITTED). The
broker's acknowledgement and any update that arrived while the submit call was
in flight (a zero-latency paper fill, a live broker's poller) are then handed
to the bus as :class:`ApplyBrokerUpdate`, in that order: with first-in
first-out delivery the applier takes them once ``OrderSubmitted`` has reached
every subscriber, so subscribers always see submitted -> accepted -> filled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Protocol

from app.brokers.base import Broker, BrokerOrder
from app.core.bus import EventBus, Subscription
from app.core.clock import Clock
from app.core.errors import (
    AuthenticationRequired,
    BrokerError,
    CancelRejected,
    DuplicateOrder,
    InvalidOrder,
    OrderNotFound,
    OrderRejected,
    RateLimited,
)
from app.core.events import (
    CancelOrder,
    Command,
    DecisionMade,
    ErrorOccurred,
    OrderCancelRequested,
    OrderDenied,
    OrderSubmitted,
    PriceUpdated,
    SubmitOrder,
)
from app.core.events import OrderRejected as OrderRejectedEvent
from app.core.models import (
    Fill,
    Order,
    OrderRequest,
    OrderSource,
    OrderStatus,
    OrderType,
    Side,
    Signal,
    TradingState,
    describe,
    new_client_order_id,
)
from app.core.ports import QuoteSource
from app.core.service import Service
from app.execution import reconcile
from app.execution.checks import ComplianceCheck, RiskCheck, run_checks
from app.execution.journal import Journal
from app.execution.orders import OrderStore
from app.execution.reconcile import (
    RESUBMIT_WINDOW,
    PositionAdopter,
    Reconciler,
    ReconcileReport,
)
from app.execution.updates import PositionBook, TradeRecorder, UpdateApplier

Update = tuple[BrokerOrder, tuple[Fill, ...]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyBrokerUpdate(Command):
    """Apply a broker update that arrived while its order's submit was in flight."""

    update: BrokerOrder
    fills: tuple[Fill, ...]


class Risk(RiskCheck, Protocol):
    """What execution needs of risk: the pre-trade check and the trading state."""

    @property
    def state(self) -> TradingState: ...


class Compliance(ComplianceCheck, TradeRecorder, Protocol):
    """What execution needs of compliance: the pre-trade check and a fill's day trades."""


class Portfolio(PositionBook, PositionAdopter, Protocol):
    """What execution needs of the portfolio: booking fills, reading positions and taking
    the broker's where they differ (reconciliation)."""


class ExecutionService(Service):
    """Orders in, broker calls out; see the module docstring."""

    name = "execution"

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        broker: Broker,
        journal: Journal,
        risk: Risk,
        compliance: Compliance,
        portfolio: Portfolio,
        quotes: QuoteSource,
    ) -> None:
        super().__init__(bus, clock)
        self.quotes = quotes
        self.broker = broker
        self.risk = risk
        self.compliance = compliance
        self.portfolio = portfolio
        self.store = OrderStore(journal)
        self.updates = UpdateApplier(bus, clock, self.store, portfolio, compliance)
        self.last_reconcile: ReconcileReport | None = None
        self._inflight: dict[str, list[Update]] = {}
        self._resend: dict[str, Order] = {}
        self._subscriptions: list[Subscription] = []
        self.reconciler = Reconciler(
            bus, clock, broker, self.store, self.updates, portfolio,
            resend=self.resend_when_priced, reject=self.reject_unsent,
            busy=lambda: [*self._inflight, *self._resend],
        )  # fmt: skip

    # --- lifecycle ---------------------------------------------------------------------------

    async def attach_broker(self) -> None:
        """Become the broker's listener and connect it (idempotent).

        The composition root calls this before the other services start, so the
        broker sees each new quote before anyone can react to it with an order.
        """
        self.broker.set_listener(self._on_broker_update)
        await self.broker.connect()

    async def on_start(self) -> None:
        await self.attach_broker()
        self.store.load_open()
        await self.reconcile()
        self._subscriptions = [
            self.bus.subscribe(SubmitOrder, self._on_submit_command),
            self.bus.subscribe(CancelOrder, self._on_cancel_command),
            self.bus.subscribe(PriceUpdated, self._on_price),
            self.bus.subscribe(ApplyBrokerUpdate, self._on_held_update),
        ]

    async def on_stop(self) -> None:
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions.clear()

    # --- placing orders ----------------------------------------------------------------------

    async def buy(
        self,
        symbol: str,
        *,
        quantity: Decimal | None = None,
        notional: Decimal | None = None,
        order_type: OrderType = OrderType.MARKET,
        limit_price: Decimal | None = None,
        extended_hours: bool = False,
        source: OrderSource = OrderSource.MANUAL,
        reason: str = "",
    ) -> Order:
        """Buy by shares (``quantity``) or by dollars (``notional``), market or limit."""
        return await self.place(
            symbol, Side.BUY, quantity=quantity, notional=notional, order_type=order_type,
            limit_price=limit_price, extended_hours=extended_hours, source=source, reason=reason,
        )  # fmt: skip

    async def sell(
        self,
        symbol: str,
        *,
        quantity: Decimal | None = None,
        notional: Decimal | None = None,
        order_type: OrderType = OrderType.MARKET,
        limit_price: Decimal | None = None,
        extended_hours: bool = False,
        source: OrderSource = OrderSource.MANUAL,
        reason: str = "",
    ) -> Order:
        """Sell by shares (``quantity``) or by dollars (``notional``), market or limit."""
        return await self.place(
            symbol, Side.SELL, quantity=quantity, notional=notional, order_type=order_type,
            limit_price=limit_price, extended_hours=extended_hours, source=source, reason=reason,
        )  # fmt: skip

    async def place(
        self,
        symbol: str,
        side: Side,
        *,
        quantity: Decimal | None = None,
        notional: Decimal | None = None,
        order_type: OrderType = OrderType.MARKET,
        limit_price: Decimal | None = None,
        extended_hours: bool = False,
        source: OrderSource = OrderSource.MANUAL,
        reason: str = "",
    ) -> Order:
        try:
            request = OrderRequest(
                symbol=symbol, side=side, quantity=quantity, notional=notional,
                order_type=order_type, limit_price=limit_price,
                extended_hours=extended_hours, source=source, reason=reason,
            )  # fmt: skip
        except InvalidOrder as exc:
            await self._error(f"order not placed: {exc}")
            raise
        return await self.submit(request)

    async def submit(self, request: OrderRequest, *, signal: Signal | None = None) -> Order:
        """Check, journal, send ``request``; return the order (DENIED with a reason if refused)."""
        now = self.clock.now()
        order = Order(
            client_order_id=new_client_order_id(), request=request, created_at=now, updated_at=now
        )
        verdict = await run_checks(self.risk, self.compliance, request, self.store.open_orders())
        if not verdict.allowed:
            order.transition(OrderStatus.DENIED, self.clock.now(), verdict.reason)
            self.store.save(order)
            self.log.info("denied by %s: %s: %s", verdict.source, describe(request), verdict.reason)
            await self.bus.publish(
                OrderDenied(
                    time=self.clock.now(), request=request, reason=verdict.reason,
                    source=verdict.source, client_order_id=order.client_order_id,
                    max_quantity=verdict.max_quantity,
                )
            )  # fmt: skip
            await self._decide(order, "denied", f"{verdict.source}: {verdict.reason}", signal)
            return order
        self.store.save(order)  # write ahead: committed before the broker sees the order
        why = request.reason or request.source.value
        if verdict.warnings:
            why = f"{why} (warning: {'; '.join(verdict.warnings)})"
            self.log.warning("%s: %s", describe(request), "; ".join(verdict.warnings))
        await self._decide(order, "ordered", why, signal)
        return await self.send(order)

    async def send(self, order: Order) -> Order:
        """Send a journaled NEW order to the broker under its client id."""
        coid = order.client_order_id
        if order.status is OrderStatus.NEW:
            order.transition(OrderStatus.SUBMITTED, self.clock.now())
        self._inflight[coid] = []
        try:
            ack: BrokerOrder | None = None
            try:
                ack = await self.broker.submit(coid, order.request)
            except DuplicateOrder:
                ack = await self.lookup(coid)
            except OrderRejected as exc:
                await self._reject(order, exc.reason)
                return order
            except (RateLimited, AuthenticationRequired) as exc:
                await self._reject(order, f"not sent: {exc}")
                return order
            except Exception as exc:  # BrokerUnavailable, timeouts, broker bugs: outcome unknown
                self.log.warning("submit of %s unclear (%s); looking it up", coid, exc)
                ack = await self.lookup(coid)
                if ack is None:
                    order.reason = f"broker did not confirm ({exc}); will reconcile"
            if ack is None:
                self.store.save(order)  # SUBMITTED, outcome unknown: reconciliation decides
            self.log.info("submitted %s (%s)", describe(order), coid)
            await self.bus.publish(OrderSubmitted(time=self.clock.now(), order=order.snapshot()))
            if ack is None:
                await self._error(f"{describe(order)}: {order.reason}")
        finally:
            queued = self._inflight.pop(coid, [])
        if ack is not None:  # the broker's answer goes through the applier like any update
            queued.insert(0, (ack, ()))
        for update, fills in queued:
            held = ApplyBrokerUpdate(time=self.clock.now(), update=update, fills=fills)
            await self.bus.publish(held)
        return order

    def resend_when_priced(self, order: Order) -> None:
        """Send a journaled, never-sent order on its symbol's next fresh (not stale) quote
        (reconciliation)."""
        self._resend[order.client_order_id] = order

    async def _on_price(self, event: PriceUpdated) -> None:
        if not self._resend:
            return
        symbol = event.quote.symbol
        quote = self.quotes.latest_quote(symbol)
        if quote is None or quote.stale:  # e.g. the last quote before a restart, replayed
            return
        for coid, order in list(self._resend.items()):
            if order.symbol != symbol:
                continue
            del self._resend[coid]
            if self.clock.now() - order.created_at > RESUBMIT_WINDOW:
                await self.reject_unsent(order, "not sent before restart")
            elif self.risk.state is TradingState.HALTED:
                await self.reject_unsent(order, "not sent before restart: trading is halted")
            else:
                await self.send(order)

    async def reject_unsent(self, order: Order, reason: str) -> None:
        """Mark a journaled order the broker never received as REJECTED."""
        await self._reject(order, reason)

    async def _reject(self, order: Order, reason: str) -> None:
        order.transition(OrderStatus.REJECTED, self.clock.now(), reason)
        self.store.save(order)
        self.log.warning("rejected %s: %s", describe(order), reason)
        await self.bus.publish(
            OrderRejectedEvent(time=self.clock.now(), order=order.snapshot(), reason=reason)
        )

    async def _on_held_update(self, command: ApplyBrokerUpdate) -> None:
        await self.updates.apply(command.update, command.fills)

    async def _on_broker_update(self, update: BrokerOrder, fills: tuple[Fill, ...]) -> None:
        queued = self._inflight.get(update.client_order_id)
        if queued is not None:
            queued.append((update, fills))
            return
        await self.updates.apply(update, fills)

    async def _decide(self, order: Order, outcome: str, reason: str, signal: Signal | None) -> None:
        await self.bus.publish(
            DecisionMade(
                time=self.clock.now(), symbol=order.symbol, outcome=outcome, reason=reason,
                signal=signal, client_order_id=order.client_order_id,
            )
        )  # fmt: skip

    async def _error(self, message: str) -> None:
        self.log.warning(message)
        await self.bus.publish(
            ErrorOccurred(time=self.clock.now(), source=self.name, message=message)
        )

    # --- cancel ------------------------------------------------------------------------------

    async def cancel(self, client_order_id: str) -> Order:
        """Ask the broker to cancel; CANCEL_PENDING until the broker confirms CANCELLED.

        Raises :class:`OrderNotFound` for an id Sherwood never journaled. A refused
        cancel keeps the order's state and is published as an error.
        """
        order = self.store.get(client_order_id)
        if order is None:
            raise OrderNotFound(f"no order with client id {client_order_id}")
        if order.status.is_terminal:
            await self._error(
                f"cannot cancel {describe(order)}: it is already {order.status.value}"
            )
            return order
        try:
            answer = await self.broker.cancel(client_order_id)
        except (CancelRejected, OrderNotFound) as exc:
            await self._error(f"cancel of {describe(order)} refused: {exc}")
            found = await self.lookup(client_order_id)
            if found is not None:
                await self.updates.apply(found, found.fills)
            return order
        except BrokerError as exc:
            await self._error(f"cancel of {describe(order)} not confirmed: {exc}")
            return order
        if order.status is not OrderStatus.CANCEL_PENDING and order.can_transition(
            OrderStatus.CANCEL_PENDING
        ):
            order.transition(OrderStatus.CANCEL_PENDING, self.clock.now())
            self.store.save(order)
            self.log.info("cancel requested for %s", describe(order))
            await self.bus.publish(
                OrderCancelRequested(time=self.clock.now(), order=order.snapshot())
            )
        # The broker's answer is a report like any other: CANCELLED here is its confirmation.
        await self.updates.apply(answer, answer.fills)
        return order

    async def _on_submit_command(self, command: SubmitOrder) -> None:
        await self.submit(command.request)

    async def _on_cancel_command(self, command: CancelOrder) -> None:
        try:
            await self.cancel(command.client_order_id)
        except BrokerError as exc:
            await self._error(f"cancel failed: {exc}")

    # --- look-ups ----------------------------------------------------------------------------

    async def lookup(self, client_order_id: str) -> BrokerOrder | None:
        """The broker's view of an order by client id (None if unknown or unreachable)."""
        try:
            return await self.broker.get_order(client_order_id)
        except Exception as exc:
            self.log.warning("could not look up order %s: %s", client_order_id, exc)
            return None

    def get_order(self, client_order_id: str) -> Order | None:
        return self.store.get(client_order_id)

    def status(self, client_order_id: str) -> OrderStatus | None:
        order = self.store.get(client_order_id)
        return None if order is None else order.status

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return self.store.open_orders(symbol)

    def orders(self, limit: int = 200) -> list[Order]:
        return self.store.recent(limit)

    def fills(self, limit: int = 200) -> list[Fill]:
        return self.store.journal.recent_fills(limit)

    async def reconcile(self) -> ReconcileReport:
        """Reconcile orders, executions and positions with the broker now (at start, after a
        login, every RECONCILE_MINUTES); see :mod:`app.execution.reconcile`."""
        self.last_reconcile = await self.reconciler.run()
        return self.last_reconcile

    async def resolve_unknown(self, older_than: timedelta = timedelta(seconds=30)) -> int:
        """Look up SUBMITTED orders the broker never confirmed; returns how many were resolved."""
        return await reconcile.resolve_unknown(
            self.store, self.updates, self.lookup, self.clock.now() - older_than,
            in_flight=self._inflight.keys(),
        )  # fmt: skip
