"""ComplianceService: day trades on the NYSE calendar, the PDT pre-trade check, cash settlement.

Fills come from the order journal (FillRow) and from :meth:`record_fill`
(also subscribed to fill events, idempotent by execution id); day trades are
stored in DayTradeRow. Every check fails closed: an error denies the order.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from app.calendar import trade_date, trading_days_back
from app.compliance import store
from app.compliance.day_trades import (
    DayTrade,
    count_direction_changes,
    day_trades_of_day,
    drop_off_date,
    group_fills,
)
from app.compliance.settlement import CashStatus, SettlementLedger
from app.compliance.status import (
    PDT_SESSIONS,
    PdtStatus,
    decide_day_trade,
    is_pattern_day_trader,
    is_restricted,
)
from app.config import DayTradePolicy, Settings
from app.core.bus import EventBus, Subscription
from app.core.clock import Clock
from app.core.events import (
    DayTradeRecorded,
    OrderFilled,
    OrderPartiallyFilled,
    PdtLimitReached,
    PdtWarning,
)
from app.core.models import (
    Account,
    AccountType,
    Fill,
    Order,
    OrderRequest,
    OrderSource,
    Side,
)
from app.core.money import ZERO
from app.risk.decisions import CheckResult
from app.risk.limits import fmt_money, fmt_qty, pending_shares
from app.services.base import Service
from app.services.ports import AccountSource
from app.storage.tables import StateRow

LEDGER_KEY = "settlement_ledger"


class ComplianceService(Service):
    name = "compliance"

    def __init__(
        self, bus: EventBus, clock: Clock, settings: Settings, accounts: AccountSource
    ) -> None:
        super().__init__(bus, clock)
        self.settings = settings
        self.accounts = accounts
        self._recent: dict[str, Fill] = {}  # fills recorded here (the journal may lag)
        self._ledger: SettlementLedger | None = None
        self._subscriptions: list[Subscription] = []

    # ------------------------------------------------------------------ lifecycle

    async def on_start(self) -> None:
        self._subscriptions = [
            self.bus.subscribe(OrderFilled, self._on_fill),
            self.bus.subscribe(OrderPartiallyFilled, self._on_fill),
        ]
        self.rebuild()
        self._ledger = self._load_ledger()

    async def on_stop(self) -> None:
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions = []

    def update_settings(self, settings: Settings) -> None:
        self.settings = settings

    async def _on_fill(self, event: OrderFilled | OrderPartiallyFilled) -> None:
        await self.record_fill(event.fill)

    # ------------------------------------------------------------------ dates, inputs

    def today(self) -> date:
        """The NYSE trade date now (an evening or weekend belongs to the next session)."""
        return trade_date(self.clock.now())

    def window(self) -> list[date]:
        return trading_days_back(self.today(), self.settings.pdt_tracking_days)

    def _account(self) -> Account | None:
        return self.accounts.current_account()

    def _account_type(self, account: Account | None) -> AccountType:
        return account.account_type if account is not None else self.settings.account_type

    def _fills(self, days: Sequence[date], symbol: str | None = None) -> list[Fill]:
        """Journaled fills merged with the ones recorded here, by execution id."""
        merged = {f.execution_id: f for f in store.load_fills(days, symbol)}
        wanted = set(days)
        for fill in self._recent.values():
            if (symbol is None or fill.symbol == symbol) and trade_date(fill.time) in wanted:
                merged.setdefault(fill.execution_id, fill)
        return sorted(merged.values(), key=lambda f: f.time)

    # ------------------------------------------------------------------ recording

    def rebuild(self) -> None:
        """Recount the window's day trades from the journal (after a restart or a reconcile)."""
        now = self.clock.now()
        for (symbol, day), fills in group_fills(self._fills(self.window())).items():
            store.replace_day_trades(symbol, day, day_trades_of_day(symbol, day, fills), now)

    async def record_fill(self, fill: Fill) -> list[DayTrade]:
        """Count ``fill``; returns the day trades it newly made (empty when seen before)."""
        day = trade_date(fill.time)
        self._recent[fill.execution_id] = fill
        self._prune_recent()
        fills = self._fills([day], fill.symbol)
        trades = day_trades_of_day(fill.symbol, day, fills)
        new = store.replace_day_trades(fill.symbol, day, trades, self.clock.now())
        self._apply_to_ledger(fill, day)
        if new:
            await self._announce(new)
        return new

    def _prune_recent(self) -> None:
        oldest = trading_days_back(self.today(), max(self.settings.pdt_tracking_days, PDT_SESSIONS))
        self._recent = {k: f for k, f in self._recent.items() if trade_date(f.time) >= oldest[0]}

    async def _announce(self, new: list[DayTrade]) -> None:
        status = self.status()
        now = self.clock.now()
        for trade in new:
            self.log.info("day trade %s %s (%d of %d)", trade.symbol, trade.trade_date,
                          status.used, status.limit)  # fmt: skip
            await self.bus.publish(
                DayTradeRecorded(
                    time=now,
                    symbol=trade.symbol,
                    trade_date=trade.trade_date.isoformat(),
                    used=status.used,
                    limit=status.limit,
                )
            )
        if status.policy is DayTradePolicy.OFF or status.account_type is AccountType.CASH:
            return
        used, limit = status.used, status.limit
        window = f"in the last {status.window_days} trading sessions"
        if used >= limit:
            await self.bus.publish(
                PdtLimitReached(
                    time=now, used=used, limit=limit,
                    message=f"{used} of {limit} day trades used {window}: "
                    "no more day trades until one drops out of the window",
                )
            )  # fmt: skip
        elif used == limit - 1 or (limit >= 3 and used == limit - 2):
            await self.bus.publish(
                PdtWarning(
                    time=now, used=used, limit=limit,
                    message=f"{used} of {limit} day trades used {window}",
                )
            )  # fmt: skip

    # ------------------------------------------------------------------ queries

    def day_trades(self, window_only: bool = True) -> list[DayTrade]:
        """The "list" operation: day trades in the window (or all), oldest first."""
        if not window_only:
            return store.load_day_trades()
        window = self.window()
        days = set(window)
        return [t for t in store.load_day_trades(window[0]) if t.trade_date in days]

    def status(self) -> PdtStatus:
        settings = self.settings
        window = self.window()
        trades = self.day_trades()
        account = self._account()
        account_type = self._account_type(account)
        own = len(trades)
        broker = account.broker_day_trades if account is not None else None
        used = broker if broker is not None else own
        limit = settings.max_day_trades
        restricted = is_restricted(settings.day_trade_policy, account, account_type)
        pdt_days = trading_days_back(self.today(), PDT_SESSIONS)
        pdt_day_set = set(pdt_days)
        pdt_trades = sum(
            1 for t in store.load_day_trades(pdt_days[0]) if t.trade_date in pdt_day_set
        )
        extra = [f for f in self._recent.values() if trade_date(f.time) in pdt_day_set]
        orders = store.count_orders(pdt_days, extra)
        by_date = {d: 0 for d in window}
        for trade in trades:
            by_date[trade.trade_date] += 1
        return PdtStatus(
            used=used,
            limit=limit,
            remaining=max(limit - used, 0),
            window_days=settings.pdt_tracking_days,
            window=window,
            can_day_trade=used < limit if restricted else True,
            by_date=by_date,
            drop_offs=[(t, drop_off_date(t.trade_date, len(window))) for t in trades],
            policy=settings.day_trade_policy,
            account_type=account_type,
            restricted=restricted,
            pattern_day_trader=is_pattern_day_trader(pdt_trades, orders),
            broker_count=broker,
            next_day_trade_reaches_limit=used + 1 >= limit,
            own_count=own,
            trades_in_pdt_period=orders,
            day_trades=trades,
        )

    # ------------------------------------------------------------------ pre-trade check

    def can_trade(
        self,
        request: OrderRequest,
        pending: Sequence[Order] = (),
        *,
        bot: bool = False,
        price: Decimal | None = None,
    ) -> CheckResult:
        """Would this order break the day-trade policy or the cash-account rules?

        ``pending`` open orders count like fills. ``price`` (the risk check's
        reference price) lets a cash account check a market order's cost.
        """
        try:
            account = self._account()
            if self._account_type(account) is AccountType.CASH:
                return self._cash_check(request, pending, account, price)
            return self._day_trade_check(request, pending, account, bot)
        except Exception as exc:  # fail closed
            self.log.exception("compliance check failed for %s", request)
            return CheckResult(False, f"compliance check failed: {type(exc).__name__}: {exc}")

    def _day_trade_check(
        self, request: OrderRequest, pending: Sequence[Order], account: Account | None, bot: bool
    ) -> CheckResult:
        settings = self.settings
        if settings.day_trade_policy is DayTradePolicy.OFF:
            return CheckResult(True)
        today = self.today()
        pending_sides: dict[str, list[Side]] = defaultdict(list)
        for order in sorted(pending, key=lambda o: o.created_at):
            if order.status.is_open and order.client_order_id:
                pending_sides[order.symbol].append(order.side)
        symbols = set(pending_sides) | {request.symbol}
        today_sides: dict[str, list[Side]] = defaultdict(list)
        for fill in self._fills([today]):
            if fill.symbol in symbols:
                today_sides[fill.symbol].append(fill.side)
        pending_day_trades = sum(
            count_direction_changes(today_sides[s] + pending_sides[s])
            - count_direction_changes(today_sides[s])
            for s in pending_sides
        )
        base = today_sides[request.symbol] + pending_sides[request.symbol]
        new = count_direction_changes([*base, request.side]) - count_direction_changes(base)
        status = self.status()
        return decide_day_trade(
            side=request.side,
            # the broker's count wins for display; the check never counts fewer than ours
            committed=max(status.used, status.own_count) + pending_day_trades,
            new=new,
            limit=settings.max_day_trades,
            window_days=status.window_days,
            policy=settings.day_trade_policy,
            restricted=status.restricted,
            bot=bot or request.source is OrderSource.BOT,
        )

    # ------------------------------------------------------------------ cash accounts

    def _load_ledger(self) -> SettlementLedger:
        row = StateRow.get_or_none(StateRow.key == LEDGER_KEY)
        if row is not None:
            return SettlementLedger.from_json(json.loads(row.value))
        account = self._account()
        if account is None:
            return SettlementLedger(cash_known=False)
        return SettlementLedger.starting(account.settled_cash, account.unsettled_cash, self.today())

    def _ensure_ledger(self) -> SettlementLedger:
        if self._ledger is None:
            self._ledger = self._load_ledger()
        if not self._ledger.cash_known:
            account = self._account()
            if account is not None:
                self._ledger.set_cash(account.settled_cash, account.unsettled_cash, self.today())
        return self._ledger

    def _save_ledger(self, ledger: SettlementLedger) -> None:
        value = json.dumps(ledger.to_json())
        now = self.clock.now()
        StateRow.insert(key=LEDGER_KEY, value=value, updated_at=now).on_conflict(
            conflict_target=[StateRow.key], update={StateRow.value: value, StateRow.updated_at: now}
        ).execute()

    def _apply_to_ledger(self, fill: Fill, day: date) -> None:
        ledger = self._ensure_ledger()
        if ledger.apply(fill, day):
            self._save_ledger(ledger)

    def cash_status(self) -> CashStatus:
        """Settled and unsettled cash, what settles when, good-faith violations in 12 months."""
        return self._ensure_ledger().status(self.today())

    def _cash_check(
        self,
        request: OrderRequest,
        pending: Sequence[Order],
        account: Account | None,
        price: Decimal | None,
    ) -> CheckResult:
        ledger = self._ensure_ledger()
        today = self.today()
        ledger.roll(today)
        if request.side is Side.SELL:
            quantity = request.quantity
            if quantity is None:
                reference = request.limit_price or price
                if reference is None:
                    return CheckResult(True, warning="good-faith check skipped: no price")
                quantity = request.notional / reference if request.notional else ZERO
            selling = pending_shares(pending, request.symbol, Side.SELL, price or Decimal(1))
            blocked = ledger.unpaid_until(request.symbol, quantity, today, selling)
            if blocked is not None:
                return CheckResult(
                    False,
                    f"selling {fmt_qty(quantity)} {request.symbol} now would be a good-faith "
                    f"violation: it was bought with unsettled funds that settle on "
                    f"{blocked.isoformat()}",
                )
            return CheckResult(True)
        if not ledger.cash_known:
            return CheckResult(True, warning="cash not checked: account balances not loaded yet")
        cost = self._order_cost(request.notional, request.quantity, request.limit_price or price)
        if cost is None:
            return CheckResult(True, warning="cash not checked: no price for a market order")
        reserved = ZERO
        for order in pending:
            if order.side is Side.BUY and order.status.is_open:
                remaining = order.remaining_quantity
                order_price = order.request.limit_price or price
                if remaining is None:
                    reserved += order.request.notional or ZERO
                elif order_price is not None:
                    reserved += remaining * order_price
        available = ledger.settled + ledger.unsettled_total - reserved
        if cost > available:
            return CheckResult(
                False,
                f"needs {fmt_money(cost)}, only {fmt_money(available)} cash available "
                f"(settled {fmt_money(ledger.settled)}, unsettled "
                f"{fmt_money(ledger.unsettled_total)}, open buys {fmt_money(reserved)})",
            )
        return CheckResult(True)

    @staticmethod
    def _order_cost(
        notional: Decimal | None, quantity: Decimal | None, price: Decimal | None
    ) -> Decimal | None:
        if notional is not None:
            return notional
        if quantity is None or price is None:
            return None
        return quantity * price
