"""The auto-trader: turns signals and exits into orders under the original bot's rules.

Rules (one position per symbol; the symbols and each one's strategy in
``BOT_SYMBOLS``, see :meth:`~app.config.Settings.bot_plan`; by default
``SYMBOL`` with ``STRATEGY``):

* BUY signal, flat, nothing pending -> a dollar buy of ``MAX_INVESTMENT``
  (Robinhood-style fractional order: $20 of TQQQ buys 0.3 shares instead of
  never buying, the original's whole-share defect);
* SELL signal while holding -> sell the whole position;
* profit target / stop loss while holding -> sell the whole position, source
  BOT, reason "profit target" / "stop loss" (a reducing sell passes REDUCING);
* an exit whose sell is refused (the market is closed, trading is halted, ...)
  is tried again while the position is held, on the first price of the next
  regular session (the next trading day's if it was refused in the regular
  session), or at once when trading resumes after a halt: a stop loss is
  never forgotten, and a refusal costs one order a day, not one a quote;
* anything else is ignored with a reason: "bot disabled", "already holding",
  "order pending", "not holding", "stale quote". Signals of symbols the bot
  does not trade, or of another strategy than the symbol's, are not the bot's.

The limits across symbols (MAX_POSITION_VALUE per symbol, MAX_TOTAL_EXPOSURE
in total) and the day-trade count (across all symbols) are the order
pipeline's checks: a refused order comes back DENIED with the reason.

Never a second entry while an order for the symbol is pending: the pending
check reads the order pipeline's open orders, which include an order from
the moment it is journaled, and a per-symbol guard covers the checks before.
Every decision is a :class:`~app.core.events.DecisionMade` (the order
pipeline publishes "ordered"/"denied"; this module publishes "ignored").

The bot sees the order pipeline only through :class:`OrderPort` (submit an
order request, list open orders), positions through
:class:`~app.core.ports.PositionSource` and quotes through
:class:`~app.core.ports.QuoteSource`; the composition root wires them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from app.calendar import Session, trade_date
from app.config import Settings
from app.core.bus import EventBus, Subscription
from app.core.clock import Clock
from app.core.events import (
    DecisionMade,
    PriceUpdated,
    ProfitTargetReached,
    SignalGenerated,
    StopLossTriggered,
    TradingStateChanged,
)
from app.core.models import (
    Order,
    OrderRequest,
    OrderSource,
    OrderStatus,
    Side,
    Signal,
    SignalAction,
    TradingState,
)
from app.core.ports import PositionSource, QuoteSource
from app.core.service import Service

log = logging.getLogger("sherwood.autotrader")


class OrderPort(Protocol):
    """The order pipeline as the bot sees it."""

    async def submit(self, request: OrderRequest, *, signal: Signal | None = None) -> Order:
        """Check, journal and send ``request`` (DENIED with a reason if refused)."""
        ...

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Orders not yet in a terminal state (of ``symbol``)."""
        ...


@dataclass(frozen=True, slots=True)
class RefusedExit:
    """An exit whose sell was refused: tried again in the regular session after ``day``
    (``same_day``: already on ``day``, when it was refused outside the regular session)."""

    reason: str
    day: date
    same_day: bool

    def due(self, session: Session, today: date) -> bool:
        if session is not Session.REGULAR:
            return False
        return today > self.day or (self.same_day and today == self.day)


class AutoTrader(Service):
    """See the module docstring."""

    name = "bot"

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        settings: Settings,
        orders: OrderPort,
        positions: PositionSource,
        quotes: QuoteSource,
        session_at: Callable[[datetime], Session],
    ) -> None:
        super().__init__(bus, clock)
        self.settings = settings
        self.session_at = session_at
        self.orders = orders
        self.positions = positions
        self.quotes = quotes
        self.enabled = settings.bot_enabled
        self._strategies = self._plan(settings)
        self._busy: set[str] = set()
        self._refused_exits: dict[str, RefusedExit] = {}
        self._subscriptions: list[Subscription] = []

    async def on_start(self) -> None:
        self._subscriptions = [
            self.bus.subscribe(SignalGenerated, self._on_signal),
            self.bus.subscribe(ProfitTargetReached, self._on_exit),
            self.bus.subscribe(StopLossTriggered, self._on_exit),
            self.bus.subscribe(PriceUpdated, self._on_price),
            self.bus.subscribe(TradingStateChanged, self._on_trading_state),
        ]

    async def on_stop(self) -> None:
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions.clear()

    def update_settings(self, settings: Settings) -> None:
        self.settings = settings
        self._strategies = self._plan(settings)

    @staticmethod
    def _plan(settings: Settings) -> dict[str, str]:
        return {entry.symbol: entry.strategy.value for entry in settings.bot_plan()}

    @property
    def symbols(self) -> list[str]:
        """The symbols the bot trades, in the order of ``BOT_SYMBOLS``."""
        return list(self._strategies)

    @property
    def waiting_exits(self) -> list[str]:
        """Symbols whose refused exit waits to be tried again on a price (see RefusedExit)."""
        return list(self._refused_exits)

    async def set_enabled(self, enabled: bool) -> None:
        """Turn the bot on or off (a "enabled"/"disabled" decision is published)."""
        if enabled == self.enabled:
            return
        self.enabled = enabled
        log.info("bot %s", "enabled" if enabled else "disabled")
        await self.bus.publish(
            DecisionMade(
                time=self.clock.now(), symbol=", ".join(self._strategies),
                outcome="enabled" if enabled else "disabled",
                reason="bot enabled" if enabled else "bot disabled",
            )
        )  # fmt: skip

    # --- helpers -----------------------------------------------------------------------------

    def _holding(self, symbol: str) -> bool:
        position = self.positions.get_position(symbol)
        return position is not None and position.quantity > 0

    def _pending(self, symbol: str) -> bool:
        return symbol in self._busy or bool(self.orders.open_orders(symbol))

    def _quote_ok(self, symbol: str) -> bool:
        quote = self.quotes.latest_quote(symbol)
        if quote is None or quote.stale:
            return False
        age = (self.clock.now() - quote.time).total_seconds()
        return age <= self.settings.quote_stale_seconds

    @staticmethod
    def _request(
        symbol: str, side: Side, quantity: Decimal | None, notional: Decimal | None, reason: str
    ) -> OrderRequest:
        """The bot's market order (source BOT)."""
        return OrderRequest(
            symbol=symbol, side=side, quantity=quantity, notional=notional,
            source=OrderSource.BOT, reason=reason,
        )  # fmt: skip

    async def _ignore(self, symbol: str, reason: str, signal: Signal | None = None) -> None:
        log.info("ignored %s: %s", symbol, reason)
        await self.bus.publish(
            DecisionMade(
                time=self.clock.now(), symbol=symbol, outcome="ignored", reason=reason,
                signal=signal,
            )
        )  # fmt: skip

    async def _order(self, request: OrderRequest, signal: Signal | None) -> Order:
        """Submit ``request`` with the symbol marked busy until the submit returns."""
        symbol = request.symbol
        self._busy.add(symbol)
        try:
            return await self.orders.submit(request, signal=signal)
        finally:
            self._busy.discard(symbol)

    # --- signals -----------------------------------------------------------------------------

    async def _on_signal(self, event: SignalGenerated) -> None:
        signal = event.signal
        symbol = signal.symbol
        settings = self.settings
        if self._strategies.get(symbol) != signal.strategy.lower():
            return  # a symbol the bot does not trade, or another strategy than its own
        if not self.enabled:
            await self._ignore(symbol, "bot disabled", signal)
            return
        action = signal.action
        if action is SignalAction.BUY:
            if self._pending(symbol):
                await self._ignore(symbol, "order pending", signal)
            elif self._holding(symbol):
                await self._ignore(symbol, "already holding", signal)
            elif not self._quote_ok(symbol):
                await self._ignore(symbol, "stale quote", signal)
            else:
                reason = f"{signal.strategy} BUY signal"
                request = self._request(symbol, Side.BUY, None, settings.max_investment, reason)
                await self._order(request, signal)
        elif action is SignalAction.SELL:
            if self._pending(symbol):
                await self._ignore(symbol, "order pending", signal)
                return
            position = self.positions.get_position(symbol)
            if position is None or position.quantity <= 0:
                await self._ignore(symbol, "not holding", signal)
            else:
                reason = f"{signal.strategy} SELL signal"
                request = self._request(symbol, Side.SELL, position.quantity, None, reason)
                await self._order(request, signal)

    # --- exits -------------------------------------------------------------------------------

    async def _on_exit(self, event: ProfitTargetReached | StopLossTriggered) -> None:
        symbol = event.symbol
        if symbol not in self._strategies:
            return  # positions the user opened by hand in other symbols are theirs
        reason = "profit target" if isinstance(event, ProfitTargetReached) else "stop loss"
        if not self.enabled:
            await self._ignore(symbol, f"{reason}: bot disabled")
            return
        position = self.positions.get_position(symbol)
        if position is None or position.quantity <= 0:
            await self._ignore(symbol, f"{reason}: not holding")
        elif self._pending(symbol):
            await self._ignore(symbol, f"{reason}: order pending")
        else:
            await self._sell_to_exit(symbol, position.quantity, reason)

    async def _sell_to_exit(self, symbol: str, quantity: Decimal, reason: str) -> None:
        """Sell the whole position; a refused sell is remembered to be tried again."""
        self._refused_exits.pop(symbol, None)
        order = await self._order(self._request(symbol, Side.SELL, quantity, None, reason), None)
        if order.status in (OrderStatus.DENIED, OrderStatus.REJECTED):
            now = self.clock.now()
            regular = self.session_at(now) is Session.REGULAR
            self._refused_exits[symbol] = RefusedExit(reason, trade_date(now), not regular)
            log.warning(
                "%s exit of %s refused (%s); trying again in the %s regular session",
                reason, symbol, order.reason, "next" if regular else "coming",
            )  # fmt: skip

    def _on_trading_state(self, event: TradingStateChanged) -> None:
        """Trading resumed: the refused exits are due on their symbols' next prices."""
        if event.state is TradingState.HALTED or not self._refused_exits:
            return
        today = trade_date(self.clock.now())
        for symbol, refused in self._refused_exits.items():
            self._refused_exits[symbol] = RefusedExit(refused.reason, today, same_day=True)

    async def _on_price(self, event: PriceUpdated) -> None:
        if not self._refused_exits:
            return
        symbol = event.quote.symbol
        refused = self._refused_exits.get(symbol)
        if refused is None:
            return
        now = self.clock.now()
        if not refused.due(self.session_at(now), trade_date(now)):
            return
        position = self.positions.get_position(symbol)
        if position is None or position.quantity <= 0:
            del self._refused_exits[symbol]  # sold or closed some other way
        elif self.enabled and not self._pending(symbol) and self._quote_ok(symbol):
            await self._sell_to_exit(symbol, position.quantity, f"{refused.reason} (retried)")
