"""RiskService: pre-trade limits, sizing, exits, exposure, daily loss and the kill switch.

Every check fails closed: a missing price, a zero price or an unexpected error
is a denial with a reason, never a crash and never a pass.

Exits work like a broker's bracket order: when a position, the day's P&L, the
trading state or the settings change, the service computes each open
position's trigger prices (profit target, stop loss, daily-loss stop, see
:mod:`app.risk.triggers`); a price update compares its bid with them and runs
the exact rules only when one is reached (and on a new trade date). The pure
rules live beside this module: :mod:`app.risk.limits` (pre-trade),
:mod:`app.risk.exits`, :mod:`app.risk.triggers`, :mod:`app.risk.state` and
:mod:`app.risk.day_marks` (what survives a restart).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from app.calendar import trade_date
from app.config import Settings
from app.core.bus import EventBus, Subscription
from app.core.clock import Clock
from app.core.events import (
    PriceUpdated,
    ProfitTargetReached,
    RiskLimitReached,
    StopLossTriggered,
    TradeCompleted,
    TradingStateChanged,
)
from app.core.models import (
    Order,
    OrderRequest,
    OrderSource,
    Position,
    Quote,
    Side,
    TradingState,
)
from app.core.money import ZERO, floor_shares
from app.core.order_rules import MIN_NOTIONAL, quote_is_fresh
from app.core.ports import QuoteSource
from app.core.service import Service
from app.risk import limits
from app.risk.day_marks import load_day_marks, save_day_marks
from app.risk.decisions import CheckResult, ExitCheck, Exposure
from app.risk.exits import PROFIT_TARGET, STOP_LOSS, FiredExits, evaluate_exit
from app.risk.limits import fmt_money
from app.risk.state import CAUSE_DAILY_LOSS, CAUSE_USER, StoredState, load_state, save_state
from app.risk.triggers import (
    EVERY_PRICE,
    NO_TRIGGERS,
    Triggers,
    daily_stop_price,
    exit_triggers,
)
from app.storage.state_store import StateStore


class PortfolioView(Protocol):
    """What risk reads from the portfolio."""

    def get_position(self, symbol: str) -> Position | None: ...

    def open_positions(self) -> list[Position]: ...

    def realized_pnl_today(self) -> Decimal: ...


class RiskService(Service):
    """See the module docstring."""

    name = "risk"

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        settings: Settings,
        quotes: QuoteSource,
        portfolio: PortfolioView,
        state: StateStore,
    ) -> None:
        super().__init__(bus, clock)
        self.settings = settings
        self.saved = state  # where the trading state and the day marks are kept
        self.quotes = quotes
        self.portfolio = portfolio
        self._stored = StoredState()
        self._fired = FiredExits()
        self._subscriptions: list[Subscription] = []
        self._day_marks: dict[str, Decimal] = {}
        self._day_marks_date: date | None = None
        self._triggers: dict[str, Triggers] = {}  # trigger prices of the open positions
        self._any_price = True  # the next price of any symbol runs the rules
        self._triggers_date: date | None = None  # the trade date the triggers were made on

    # ------------------------------------------------------------------ lifecycle

    async def on_start(self) -> None:
        self._stored = load_state(self.saved)
        if self._stored.state is not TradingState.ACTIVE:
            self.log.warning(
                "restored trading state %s: %s", self._stored.state, self._stored.reason
            )
        self._subscriptions = [
            self.bus.subscribe(PriceUpdated, self._on_price),
            self.bus.subscribe(TradeCompleted, self._on_trade),
        ]
        await self._roll_day()
        self._update_triggers()

    async def on_stop(self) -> None:
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions = []

    def update_settings(self, settings: Settings) -> None:
        self.settings = settings
        self._update_triggers()

    def _today(self) -> date:
        return trade_date(self.clock.now())

    def config(self) -> dict[str, str]:
        s = self.settings
        return {
            "MAX_INVESTMENT": str(s.max_investment),
            "MAX_POSITION_VALUE": str(s.max_position_value),
            "MAX_TOTAL_EXPOSURE": str(s.max_total_exposure),
            "MAX_DAILY_LOSS": str(s.max_daily_loss),
            "PROFIT_TARGET_PCT": str(s.profit_target_pct),
            "STOP_LOSS_PCT": str(s.stop_loss_pct),
            "QUOTE_STALE_SECONDS": f"{s.quote_stale_seconds:g}",
            "TRADING_STATE": self.state.value,
        }

    # ------------------------------------------------------------------ trading state

    @property
    def state(self) -> TradingState:
        return self._stored.state

    @property
    def state_reason(self) -> str:
        return self._stored.reason

    def _effective_state(self) -> TradingState:
        """The state an order meets now: a daily-loss REDUCING ends with its trade date."""
        stored = self._stored
        if (
            stored.state is TradingState.REDUCING
            and stored.cause == CAUSE_DAILY_LOSS
            and stored.trade_date is not None
            and self._today() > stored.trade_date
        ):
            return TradingState.ACTIVE
        return stored.state

    async def set_state(self, state: TradingState, reason: str, *, cause: str = CAUSE_USER) -> None:
        previous = self._stored.state
        now = self.clock.now()
        day = trade_date(now) if cause == CAUSE_DAILY_LOSS else None
        self._stored = StoredState(state, reason, cause, day)
        save_state(self.saved, self._stored, now)
        self._update_triggers()
        if state is not previous:
            self.log.warning("trading state %s -> %s: %s", previous, state, reason)
            await self.bus.publish(
                TradingStateChanged(time=now, state=state, previous=previous, reason=reason)
            )

    async def halt(self, reason: str = "kill switch") -> None:
        await self.set_state(TradingState.HALTED, reason)

    async def resume(self) -> None:
        await self.set_state(TradingState.ACTIVE, "resumed by the user")

    async def _roll_day(self) -> None:
        if self._stored.state is not self._effective_state():
            await self.set_state(TradingState.ACTIVE, "new trading day: daily loss limit reset")

    # ------------------------------------------------------------------ pre-trade check

    def validate_order(self, request: OrderRequest, pending: Sequence[Order] = ()) -> CheckResult:
        """Trading state, price, $1 minimum, sell <= held, MAX_INVESTMENT, MAX_POSITION_VALUE,
        MAX_TOTAL_EXPOSURE."""
        try:
            return self._validate(request, pending)
        except Exception as exc:  # fail closed
            self.log.exception("risk check failed for %s", request)
            return CheckResult(False, f"risk check failed: {type(exc).__name__}: {exc}")

    def _validate(self, request: OrderRequest, pending: Sequence[Order]) -> CheckResult:
        symbol = request.symbol
        position = self.portfolio.get_position(symbol)
        held = position.quantity if position is not None else ZERO
        reduces = request.side is Side.SELL and held > 0
        state = self._stored.state
        if state is not TradingState.ACTIVE:  # ACTIVE is always effective
            state = self._effective_state()
        if state is TradingState.HALTED and not (reduces and request.source is OrderSource.RISK):
            return CheckResult(False, f"trading is halted ({self._stored.reason}): no new orders")
        if state is TradingState.REDUCING and not reduces:
            return CheckResult(
                False,
                f"trading is reducing only ({self._stored.reason}): "
                "only orders that shrink a position are allowed",
            )
        quote = self.quotes.latest_quote(symbol)
        price = limits.reference_price(
            request, quote, self.clock.now(), self.settings.quote_stale_seconds
        )
        if price is None:
            if quote is not None and quote.halted:
                return CheckResult(False, f"trading in {symbol} is halted")
            return CheckResult(False, f"no fresh price for {symbol}")
        if request.notional is not None:
            if request.notional < MIN_NOTIONAL:
                return CheckResult(
                    False,
                    f"{fmt_money(request.notional)} is too small: Robinhood's minimum is $1.00",
                    price=price,
                )
            quantity = floor_shares(request.notional / price)
            if quantity <= 0:
                return CheckResult(
                    False, f"{fmt_money(request.notional)} buys no shares at {fmt_money(price)}"
                )
        else:
            assert request.quantity is not None
            quantity = request.quantity
        if request.side is Side.SELL:
            return limits.check_sell(symbol, quantity, price, position, pending)
        result = limits.check_buy(symbol, quantity, price, position, pending, self.settings)
        if not result.allowed:
            return result
        return limits.check_total_exposure(
            symbol, quantity, price, self.portfolio.open_positions(), pending, self._price_of,
            self.settings.max_total_exposure,
        )  # fmt: skip

    def _price_of(self, symbol: str) -> Decimal | None:
        """What a position or open buy in ``symbol`` counts at: the bid, else the average cost."""
        quote = self.quotes.latest_quote(symbol)
        if quote is not None and quote.bid > 0:
            return quote.bid
        position = self.portfolio.get_position(symbol)
        return position.average_cost if position is not None else None

    def calculate_position_size(self, price: Decimal, budget: Decimal | None = None) -> Decimal:
        """Fractional shares for ``budget`` (default MAX_INVESTMENT), floored to 1e-6."""
        return limits.calculate_position_size(
            price, self.settings.max_investment if budget is None else budget
        )

    # ------------------------------------------------------------------ exits

    def _fresh_bid(self, symbol: str) -> Decimal | None:
        quote = self.quotes.latest_quote(symbol)
        if not quote_is_fresh(quote, self.clock.now(), self.settings.quote_stale_seconds):
            return None
        assert quote is not None
        return quote.bid if quote.bid > 0 else None

    def check_exit(self, symbol: str, price: Decimal | None = None) -> ExitCheck:
        """Profit target first, then stop loss, at ``price`` (default: the fresh bid)."""
        try:
            if price is None:
                price = self._fresh_bid(symbol)
            return evaluate_exit(self.portfolio.get_position(symbol), price, self.settings)
        except Exception as exc:
            self.log.exception("exit check failed for %s", symbol)
            return ExitCheck(False, "", None, price, f"exit check failed: {exc}")

    def trigger_prices(self, symbol: str) -> Triggers:
        """The bids of ``symbol`` at which a price makes risk act (see :mod:`app.risk.triggers`).

        Recomputed whenever a position, the day's P&L (a trade, another position's
        price), the trading state or the settings change, and on each new trade date.
        A flat symbol has none, unless the rules must run on the next price anyway.
        """
        if self._any_price:
            return EVERY_PRICE
        return self._triggers.get(symbol, NO_TRIGGERS)

    async def _on_price(self, event: PriceUpdated) -> None:
        quote = event.quote
        symbol = quote.symbol
        if (
            self._any_price
            or self._triggers_date != self._today()
            or (symbol in self._triggers and self._triggers[symbol].hit(quote.bid))
        ):
            await self._run_rules(quote)
            self._update_triggers()
        elif len(self._triggers) > 1 or (self._triggers and symbol not in self._triggers):
            self._update_triggers()  # this price moved the other positions' daily-loss stops

    async def _run_rules(self, quote: Quote) -> None:
        """The exact rules on ``quote``: a new trade date, the exit, the daily loss."""
        await self._roll_day()
        position = self.portfolio.get_position(quote.symbol)
        if position is not None and position.quantity > 0:
            exit_event = self._exit_event(position, quote)
            if exit_event is not None:
                await self.bus.publish(exit_event)  # delivered after this price (FIFO)
        await self._check_daily_loss({quote.symbol: quote})

    async def _on_trade(self, event: TradeCompleted) -> None:
        await self._roll_day()
        await self._check_daily_loss({})
        self._update_triggers()

    def _exit_event(
        self, position: Position, quote: Quote
    ) -> ProfitTargetReached | StopLossTriggered | None:
        """The exit ``quote`` triggers for ``position`` (once per episode), or None."""
        if not quote_is_fresh(quote, self.clock.now(), self.settings.quote_stale_seconds):
            return None
        check = evaluate_exit(position, quote.bid, self.settings)
        if not check.should_exit or not self._fired.should_fire(position, check.reason):
            return None
        kind = ProfitTargetReached if check.reason == PROFIT_TARGET else StopLossTriggered
        self.log.info("%s %s: %s", kind.__name__, position.symbol, check.detail)
        assert check.pnl_pct is not None  # set whenever should_exit is
        return kind(
            time=self.clock.now(), symbol=position.symbol, entry_price=position.average_cost,
            price=quote.bid, pnl_pct=check.pnl_pct,
        )  # fmt: skip

    def _update_triggers(self) -> None:
        """Recompute every open position's trigger prices (see :meth:`trigger_prices`)."""
        try:
            self._triggers, self._any_price = self._compute_triggers()
        except Exception:  # fail closed: run the exact rules on every price
            self.log.exception("trigger prices failed; every price runs the rules")
            self._triggers, self._any_price = {}, True
        self._triggers_date = self._today()

    def _compute_triggers(self) -> tuple[dict[str, Triggers], bool]:
        today = self._today()
        daily = self._stored.state is TradingState.ACTIVE  # checked only while ACTIVE
        positions = [p for p in self.portfolio.open_positions() if p.quantity > 0]
        bases: dict[str, tuple[Decimal, Decimal]] = {}  # symbol -> (base, today's unrealized)
        if daily:
            for p in positions:
                base = self._pnl_base(p, today)
                if base is None:
                    return {}, True  # no day mark yet: the next price sets it
                bases[p.symbol] = (base, (self._mark(p, {}) - base) * p.quantity)
        realized = self.portfolio.realized_pnl_today() if daily else ZERO
        unrealized = sum((u for _, u in bases.values()), ZERO)
        limit = self.settings.max_daily_loss
        if daily and realized + unrealized <= -limit:
            return {}, True  # already past the limit: the next price acts on it
        triggers: dict[str, Triggers] = {}
        for p in positions:
            target = stop = daily_stop = None
            exits = exit_triggers(p.average_cost, self.settings)
            if exits is not None:
                if self._fired.armed(p, PROFIT_TARGET):
                    target = exits[0]
                if self._fired.armed(p, STOP_LOSS):
                    stop = exits[1]
            if daily:
                base, mine = bases[p.symbol]
                rest = realized + unrealized - mine
                daily_stop = daily_stop_price(p.quantity, base, rest, limit)
            triggers[p.symbol] = Triggers(target, stop, daily_stop)
        return triggers, False

    # ------------------------------------------------------------------ exposure, daily loss

    def _mark(self, position: Position, quotes: dict[str, Quote]) -> Decimal:
        quote = quotes.get(position.symbol) or self.quotes.latest_quote(position.symbol)
        if quote is not None and quote.bid > 0:
            return quote.bid
        return position.average_cost

    def exposure(self) -> Exposure:
        """Market value per open position (at the bid; average cost without a quote)."""
        positions = [p for p in self.portfolio.open_positions() if p.quantity > 0]
        per_position = {p.symbol: p.quantity * self._mark(p, {}) for p in positions}
        total = sum(per_position.values(), ZERO)
        limit = self.settings.max_total_exposure
        utilisation = total / limit * 100 if limit > 0 else ZERO
        return Exposure(total, limit, utilisation, per_position)

    def _pnl_base(self, position: Position, today: date) -> Decimal | None:
        """The price today's unrealized P&L of ``position`` counts from (None: not known yet).

        The average cost for a position opened today, else the first price seen
        this trade date (a stand-in for the previous close; saved, so a restart
        keeps it: see :mod:`app.risk.day_marks`).
        """
        opened = position.opened_at
        if opened is None or trade_date(opened) >= today:
            return position.average_cost
        if self._day_marks_date != today:
            self._day_marks_date = today
            self._day_marks = load_day_marks(self.saved, today)
        return self._day_marks.get(position.symbol)

    def _unrealized_today(self, position: Position, mark: Decimal) -> Decimal:
        """Unrealized P&L made today at ``mark``; the day's first price becomes the day mark."""
        today = self._today()
        base = self._pnl_base(position, today)
        if base is None:  # the first price of the day: kept across restarts
            base = self._day_marks[position.symbol] = mark
            save_day_marks(self.saved, today, self._day_marks, self.clock.now())
        return (mark - base) * position.quantity

    def daily_pnl(self, quotes: dict[str, Quote] | None = None) -> Decimal:
        """Realized today + unrealized today (at the bid) of the open positions."""
        marks = quotes or {}
        unrealized = ZERO
        for p in self.portfolio.open_positions():
            if p.quantity > 0:
                unrealized += self._unrealized_today(p, self._mark(p, marks))
        return self.portfolio.realized_pnl_today() + unrealized

    async def _check_daily_loss(self, quotes: dict[str, Quote]) -> None:
        if self._stored.state is not TradingState.ACTIVE:
            return
        pnl = self.daily_pnl(quotes)
        if pnl > -self.settings.max_daily_loss:
            return
        detail = (
            f"loss today {fmt_money(pnl)} reached MAX_DAILY_LOSS "
            f"{fmt_money(self.settings.max_daily_loss)}: only orders that shrink a position"
        )
        now = self.clock.now()
        await self.bus.publish(RiskLimitReached(time=now, limit="max_daily_loss", detail=detail))
        await self.set_state(TradingState.REDUCING, detail, cause=CAUSE_DAILY_LOSS)

    def describe(self) -> dict[str, Any]:
        """A snapshot for the UI: state, reason, exposure, daily P&L."""
        exposure = self.exposure()
        return {
            "state": self.state.value,
            "reason": self._stored.reason,
            "exposure": exposure,
            "daily_pnl": self.daily_pnl(),
        }
