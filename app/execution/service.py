"""ExecutionService: the only caller of the broker.

Every order goes the same way: build the request -> risk check -> compliance
check (any error in a check denies: fail closed) -> journal the order with a
fresh client order id (committed) -> ``broker.submit`` with that id. Denials
are journaled as DENIED orders and published as ``OrderDenied`` with the
reason; nothing raises for a business refusal. Malformed input (no quantity,
negative price, bad symbol) raises :class:`~app.core.errors.InvalidOrder`
because no order can be built from it; it is also published as
``ErrorOccurred``.

After a timeout or an unclear broker answer the order is looked up by its
client id before anything else and never resubmitted blindly; if the broker
still cannot say, the order stays SUBMITTED and reconciliation resolves it.
Broker updates (acks, fills, cancels) all go through
:class:`~app.execution.updates.UpdateApplier`. Updates that arrive while the
submit call is still in flight are held back and applied after
``OrderSubmitted`` is published, so subscribers always see submit -> fill.

Latency of tick -> ``OrderSubmitted``: on that path the only write is the
order's record in the journal's intent log (the write-ahead rule; a copy
into a memory-mapped file, see :mod:`app.execution.intent_log`). The acknowledgement's
state change (ACCEPTED, broker order id) is applied in memory before the event
and the order's SQLite row is written right after it; a crash in between
leaves the intent record, which the next start journals as NEW and
reconciliation resolves by client id.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from app.bot.autotrader import AutoTrader
from app.brokers.base import Broker, BrokerOrder
from app.config import Settings
from app.core.bus import EventBus, Subscription
from app.core.clock import Clock
from app.core.errors import (
    AuthenticationRequired,
    BrokerError,
    DuplicateOrder,
    InvalidOrder,
    OrderRejected,
    RateLimited,
)
from app.core.events import (
    CancelOrder,
    ClosePosition,
    DecisionMade,
    ErrorOccurred,
    OrderDenied,
    OrderSubmitted,
    PriceUpdated,
    SetTradingState,
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
from app.core.service import Service
from app.execution import control
from app.execution.checks import run_checks
from app.execution.journal import Journal
from app.execution.orders import OrderStore
from app.execution.queries import OrderQueries, Update
from app.execution.reconcile import RESUBMIT_WINDOW, Reconciler, ReconcileReport
from app.execution.updates import UpdateApplier

if TYPE_CHECKING:
    from app.compliance.service import ComplianceService
    from app.marketdata.service import MarketDataService
    from app.portfolio.service import PortfolioService
    from app.risk.service import RiskService


class ExecutionService(Service, OrderQueries):
    """Orders in, broker calls out; see the module docstring (look-ups: OrderQueries)."""

    name = "execution"

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        settings: Settings,
        broker: Broker,
        risk: RiskService,
        compliance: ComplianceService,
        portfolio: PortfolioService,
        market_data: MarketDataService,
    ) -> None:
        super().__init__(bus, clock)
        self.settings = settings
        self.broker = broker
        self.risk = risk
        self.compliance = compliance
        self.portfolio = portfolio
        self.market_data = market_data
        self.store = OrderStore(Journal())
        self.updates = UpdateApplier(bus, clock, self.store, portfolio, compliance)
        self.autotrader = AutoTrader(self, bus, clock, settings, portfolio, market_data)
        self.last_reconcile: ReconcileReport | None = None
        self._inflight: dict[str, list[Update]] = {}
        self._resend: dict[str, Order] = {}
        self._subscriptions: list[Subscription] = []

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
        self.last_reconcile = await Reconciler(self).run()
        self._subscriptions = [
            self.bus.subscribe(SubmitOrder, self._on_submit_command),
            self.bus.subscribe(CancelOrder, self._on_cancel_command),
            self.bus.subscribe(ClosePosition, self._on_close_command),
            self.bus.subscribe(SetTradingState, self._on_state_command),
            self.bus.subscribe(PriceUpdated, self._on_price),
        ]
        self.autotrader.start()

    async def on_stop(self) -> None:
        self.autotrader.stop()
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions.clear()
        self.store.journal.close()

    def update_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.autotrader.settings = settings

    # --- the bot -----------------------------------------------------------------------------

    @property
    def bot_enabled(self) -> bool:
        return self.autotrader.enabled

    async def set_bot_enabled(self, enabled: bool) -> None:
        await self.autotrader.set_enabled(enabled)

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
        self.store.save_ahead(order)  # write ahead: in the intent log before the broker sees it
        why = request.reason or request.source.value
        if verdict.warnings:
            why = f"{why} (warning: {'; '.join(verdict.warnings)})"
            self.log.warning("%s: %s", describe(request), "; ".join(verdict.warnings))
        await self.bus.publish(self._decision(order, "ordered", why, signal))
        return await self.send(order)

    async def send(self, order: Order) -> Order:
        """Send a journaled NEW order to the broker under its client id."""
        coid = order.client_order_id
        if order.status is OrderStatus.NEW:
            order.transition(OrderStatus.SUBMITTED, self.clock.now())
        self._inflight[coid] = []
        ack: BrokerOrder | None = None
        try:
            try:
                ack = await self.broker.submit(coid, order.request)
            except DuplicateOrder:
                ack = await self._lookup(coid)
            except OrderRejected as exc:
                await self._reject(order, exc.reason)
                return order
            except (RateLimited, AuthenticationRequired) as exc:
                await self._reject(order, f"not sent: {exc}")
                return order
            except Exception as exc:  # BrokerUnavailable, timeouts, broker bugs: outcome unknown
                self.log.warning("submit of %s unclear (%s); looking it up", coid, exc)
                ack = await self._lookup(coid)
                if ack is None:
                    order.reason = f"broker did not confirm ({exc}); will reconcile"
            if ack is None:
                self.store.save(order)  # SUBMITTED, outcome unknown: reconciliation decides
            else:
                changes = self.updates.absorb(order, ack, write=False)
            if self.log.isEnabledFor(logging.INFO):
                self.log.info("submitted %s (%s)", describe(order), coid)
            try:
                await self.bus.publish(
                    OrderSubmitted(time=self.clock.now(), order=order.snapshot())
                )
            finally:  # the row (or the ack's state change), after the event
                if ack is not None and changes.unsaved:
                    self.store.save(order)
                else:
                    self.store.write_behind(order)
            if ack is None:
                await self._error(f"{describe(order)}: {order.reason}")
            else:
                await self.updates.effects(order, changes)
        finally:
            queued = self._inflight.pop(coid, [])
        for update, fills in queued:
            await self.updates.apply(update, fills)
        return order

    def resend_when_priced(self, order: Order) -> None:
        """Send a journaled, never-sent order on its symbol's next fresh quote (reconciliation)."""
        self._resend[order.client_order_id] = order

    async def _on_price(self, event: PriceUpdated) -> None:
        if not self._resend:
            return
        symbol = event.quote.symbol
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

    async def _on_broker_update(self, update: BrokerOrder, fills: tuple[Fill, ...]) -> None:
        queued = self._inflight.get(update.client_order_id)
        if queued is not None:
            queued.append((update, fills))
            return
        await self.updates.apply(update, fills)

    async def _decide(self, order: Order, outcome: str, reason: str, signal: Signal | None) -> None:
        await self.bus.publish(self._decision(order, outcome, reason, signal))

    def _decision(
        self, order: Order, outcome: str, reason: str, signal: Signal | None
    ) -> DecisionMade:
        return DecisionMade(
            time=self.clock.now(), symbol=order.symbol, outcome=outcome, reason=reason,
            signal=signal, client_order_id=order.client_order_id,
        )  # fmt: skip

    async def _error(self, message: str) -> None:
        self.log.warning(message)
        await self.bus.publish(
            ErrorOccurred(time=self.clock.now(), source=self.name, message=message)
        )

    # --- cancel, close, kill switch ----------------------------------------------------------

    async def cancel(self, client_order_id: str) -> Order:
        """Ask the broker to cancel; CANCEL_PENDING until the broker confirms CANCELLED."""
        return await control.cancel(self, client_order_id)

    async def close_position(self, symbol: str) -> Order | None:
        """Market-sell the whole position in ``symbol`` (None when flat)."""
        return await control.close_position(self, symbol, OrderSource.MANUAL, "close position")

    async def kill_switch(self, flatten: bool = False) -> list[Order]:
        """Halt trading, cancel every open order, and optionally flatten every position."""
        return await control.kill_switch(self, flatten)

    async def resume(self) -> None:
        await self.risk.resume()

    # --- commands from the bus ---------------------------------------------------------------

    async def _on_submit_command(self, command: SubmitOrder) -> None:
        await self.submit(command.request)

    async def _on_cancel_command(self, command: CancelOrder) -> None:
        try:
            await self.cancel(command.client_order_id)
        except BrokerError as exc:
            await self._error(f"cancel failed: {exc}")

    async def _on_close_command(self, command: ClosePosition) -> None:
        await self.close_position(command.symbol)

    async def _on_state_command(self, command: SetTradingState) -> None:
        await control.set_trading_state(self, command.state, command.reason, command.flatten)
