"""ComplianceService: day trades on the NYSE calendar, the PDT pre-trade check, cash settlement.

Fills come from the order journal (FillRow, loaded once on start) and from
:meth:`record_fill` (ExecutionService calls it for every fill; idempotent by
execution id). The recent trade dates live in memory (:class:`FillBook`), so
the pre-trade check and the status never read SQLite; day trades are written
through to DayTradeRow as they appear. Every check fails closed: an error
denies the order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from app.calendar import trade_date, trading_days_back
from app.compliance.announce import day_trade_events
from app.compliance.book import FillBook
from app.compliance.cash_check import check_cash_order
from app.compliance.day_trades import (
    DayTrade,
    count_direction_changes,
    day_trades_after_append,
    day_trades_of_day,
    drop_off_date,
)
from app.compliance.settlement import CashStatus, SettlementLedger
from app.compliance.status import (
    PDT_SESSIONS,
    PdtStatus,
    decide_day_trade,
    is_pattern_day_trader,
    is_restricted,
)
from app.compliance.store import ComplianceStore
from app.config import DayTradePolicy, Settings
from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.models import Account, AccountType, Fill, Order, OrderRequest, OrderSource, Side
from app.core.ports import AccountSource
from app.core.service import Service
from app.risk.decisions import CheckResult

LEDGER_KEY = "settlement_ledger"


@dataclass(frozen=True)
class _Days:
    """The windows of one trade date: the PDT tracking window and FINRA's 5 sessions."""

    today: date
    window: tuple[date, ...]
    pdt_days: tuple[date, ...]
    horizon: date  # the oldest date either needs


class ComplianceService(Service):
    name = "compliance"

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        settings: Settings,
        accounts: AccountSource,
        store: ComplianceStore,
    ) -> None:
        super().__init__(bus, clock)
        self.store = store
        self.settings = settings
        self.accounts = accounts
        self._days: _Days | None = None
        self._book: FillBook | None = None
        self._stale = False  # a failed write: rebuild the book before using it
        self._recorded: dict[str, date] = {}  # execution ids recorded here -> trade date
        self._drop_offs: dict[tuple[date, int], date] = {}
        self._ledger: SettlementLedger | None = None

    # ------------------------------------------------------------------ lifecycle

    async def on_start(self) -> None:
        self.rebuild()
        self._ledger = self._load_ledger()

    def update_settings(self, settings: Settings) -> None:
        self.settings = settings

    # ------------------------------------------------------------------ dates, inputs

    def today(self) -> date:
        """The NYSE trade date now (an evening or weekend belongs to the next session)."""
        return trade_date(self.clock.now())

    def _current_days(self) -> _Days:
        today = self.today()
        tracking = self.settings.pdt_tracking_days
        days = self._days
        if days is None or days.today != today or len(days.window) != tracking:
            window = tuple(trading_days_back(today, tracking))
            pdt_days = tuple(trading_days_back(today, PDT_SESSIONS))
            horizon = min(window[:1] + pdt_days[:1])
            days = self._days = _Days(today, window, pdt_days, horizon)
        book = self._book
        if book is None or days.horizon < book.horizon or self._stale:
            self.rebuild()  # a longer window (or an earlier clock) than the book holds
        elif days.horizon > book.horizon:
            book.prune(days.horizon)
            self._recorded = {k: d for k, d in self._recorded.items() if d >= days.horizon}
        return days

    def window(self) -> list[date]:
        return list(self._current_days().window)

    def _account(self) -> Account | None:
        return self.accounts.current_account()

    def _account_type(self, account: Account | None) -> AccountType:
        return account.account_type if account is not None else self.settings.account_type

    def _the_book(self) -> FillBook:
        self._current_days()
        assert self._book is not None
        return self._book

    # ------------------------------------------------------------------ recording

    def rebuild(self) -> None:
        """Reload the book from the journal and recount its day trades (start, reconcile).

        Fills recorded here but not journaled yet are kept; groups whose recount
        differs from DayTradeRow are rewritten.
        """
        today = self.today()
        window = trading_days_back(today, self.settings.pdt_tracking_days)
        horizon = min(window[:1] + trading_days_back(today, PDT_SESSIONS)[:1])
        previous = self._book
        book = FillBook(horizon)
        for fill, day in self.store.load_fills_since(horizon):
            if fill.execution_id not in book.ids:
                book.add(fill, day)
        if previous is not None:  # fills recorded here before the journal had them
            for day, by_symbol in previous.fills.items():
                if day >= horizon:
                    for group in by_symbol.values():
                        for fill in group:
                            if fill.execution_id not in book.ids:
                                book.add(fill, day)
        book.load_trades(self.store.load_day_trades(horizon))
        now = self.clock.now()
        for day, by_symbol in book.fills.items():
            for symbol, group in by_symbol.items():
                trades = day_trades_of_day(symbol, day, group)
                if trades != book.trades_of(day, symbol):
                    self.store.replace_day_trades(symbol, day, trades, now)
                    book.set_trades(symbol, day, trades)
        self._book = book
        self._stale = False

    async def record_fill(self, fill: Fill) -> list[DayTrade]:
        """Count ``fill`` and announce; returns the day trades it newly made (empty when seen)."""
        new = self.record(fill)
        await self.announce(new)
        return new

    def record(self, fill: Fill) -> list[DayTrade]:
        """Count ``fill`` and write its day trades and ledger (in the caller's transaction, if
        any); returns the day trades it newly made. Announce them with :meth:`announce`.

        Once per fill: the order journal's applied flag, set in the same transaction,
        keeps a fill from being recorded again after a restart.
        """
        if fill.execution_id in self._recorded:
            return []
        day = trade_date(fill.time)
        book = self._the_book()
        now = self.clock.now()
        try:
            with self.store.db.atomic():
                if not book.holds(day):
                    new = self._record_old(fill, day)
                elif fill.execution_id in book.ids:  # journaled and loaded on start: counted
                    new = []
                else:
                    new = self._count(book, fill, day, now)
                ledger = self._ensure_ledger()
                ledger.apply(fill, day)
                self.store.save_state(LEDGER_KEY, ledger.dumps(), now)
        except Exception:
            self._stale = True  # the writes rolled back: recount from the book on next use
            self._ledger = None  # and reload the ledger from what was committed
            raise
        self._recorded[fill.execution_id] = day
        return new

    async def announce(self, new: Sequence[DayTrade]) -> None:
        """Publish the day trades :meth:`record` returned (and a PDT warning at the limit).

        The count shown is the broker's where it reports one, else Sherwood's own.
        """
        if not new:
            return
        account = self._account()
        broker_count = account.broker_day_trades if account is not None else None
        used = broker_count if broker_count is not None else self._own_count()
        for trade in new:
            self.log.info("day trade %s %s (%d of %d)", trade.symbol, trade.trade_date, used,
                          self.settings.max_day_trades)  # fmt: skip
        now = self.clock.now()
        for event in day_trade_events(new, used, self.settings, self._account_type(account), now):
            await self.bus.publish(event)

    def _count(self, book: FillBook, fill: Fill, day: date, now: datetime) -> list[DayTrade]:
        """Add ``fill`` to the book, recount its (symbol, date), write what changed."""
        symbol = fill.symbol
        group = book.add(fill, day)
        stored = book.trades_of(day, symbol)
        if len(group) > 1 and group[-1] is fill:  # the usual case: the latest fill
            trades = day_trades_after_append(symbol, day, group, stored)
            if trades is stored:
                return []
            book.set_trades(symbol, day, trades)
            last = trades[-1]
            if len(trades) == len(stored):  # the last day trade's SELL run grew
                self.store.update_day_trade(last)
                return []
            self.store.insert_day_trade(last, now)
            return [last]
        trades = day_trades_of_day(symbol, day, group)
        if trades == stored:
            return []
        known = {t.closing_execution_id for t in stored}
        self.store.write_day_trades(symbol, day, stored, trades, now)
        book.set_trades(symbol, day, trades)
        return [t for t in trades if t.closing_execution_id not in known]

    def _record_old(self, fill: Fill, day: date) -> list[DayTrade]:
        """A fill dated before the book: recount its (symbol, date) from the journal."""
        merged = {f.execution_id: f for f in self.store.load_fills([day], fill.symbol)}
        merged.setdefault(fill.execution_id, fill)
        fills = sorted(merged.values(), key=lambda f: f.time)
        trades = day_trades_of_day(fill.symbol, day, fills)
        return self.store.replace_day_trades(fill.symbol, day, trades, self.clock.now())

    # ------------------------------------------------------------------ queries

    def _own_count(self) -> int:
        days = self._current_days()
        assert self._book is not None
        return self._book.count_trades(days.window)

    def day_trades(self, window_only: bool = True) -> list[DayTrade]:
        """The "list" operation: day trades in the window (or all), oldest first."""
        if not window_only:
            return self.store.load_day_trades()
        days = self._current_days()
        assert self._book is not None
        return self._book.trades_on(days.window)

    def _drop_off(self, day: date, window_days: int) -> date:
        key = (day, window_days)
        result = self._drop_offs.get(key)
        if result is None:
            if len(self._drop_offs) > 512:
                self._drop_offs.clear()
            result = self._drop_offs[key] = drop_off_date(day, window_days)
        return result

    def status(self) -> PdtStatus:
        settings = self.settings
        days = self._current_days()
        book = self._book
        assert book is not None
        window = list(days.window)
        trades = book.trades_on(window)
        account = self._account()
        account_type = self._account_type(account)
        own = len(trades)
        broker = account.broker_day_trades if account is not None else None
        used = broker if broker is not None else own
        limit = settings.max_day_trades
        restricted = is_restricted(settings.day_trade_policy, account, account_type)
        pdt_trades = book.count_trades(days.pdt_days)
        orders = book.count_orders(days.pdt_days)
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
            drop_offs=[(t, self._drop_off(t.trade_date, len(window))) for t in trades],
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
                ledger = self._ensure_ledger()
                today = self.today()
                ledger.roll(today)
                return check_cash_order(ledger, request, pending, price, today)
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
        days = self._current_days()
        book = self._book
        assert book is not None
        today = days.today
        # Only the last fill today matters: a day trade is a BUY followed by a SELL.
        pending_day_trades = 0
        queued: list[Side] | None = None
        if pending:
            pending_sides: dict[str, list[Side]] = {}
            for order in sorted(pending, key=lambda o: o.created_at):
                if order.status.is_open and order.client_order_id:
                    pending_sides.setdefault(order.symbol, []).append(order.side)
            pending_day_trades = sum(
                count_direction_changes(sides, book.last_side(today, symbol))
                for symbol, sides in pending_sides.items()
            )
            queued = pending_sides.get(request.symbol)
        last = queued[-1] if queued else book.last_side(today, request.symbol)
        new = 1 if last is Side.BUY and request.side is Side.SELL else 0
        own = book.count_trades(days.window)
        broker = account.broker_day_trades if account is not None else None
        used = broker if broker is not None else own
        policy = settings.day_trade_policy
        restricted = is_restricted(policy, account, self._account_type(account))
        # the broker's count wins for display; the check never counts fewer than ours
        committed = max(used, own) + pending_day_trades
        return decide_day_trade(
            side=request.side, committed=committed, new=new, limit=settings.max_day_trades,
            window_days=settings.pdt_tracking_days, policy=policy, restricted=restricted,
            bot=bot or request.source is OrderSource.BOT,
        )  # fmt: skip

    # ------------------------------------------------------------------ cash accounts

    def _load_ledger(self) -> SettlementLedger:
        saved = self.store.load_state(LEDGER_KEY)
        if saved is not None:
            return SettlementLedger.from_json(json.loads(saved))
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

    def cash_status(self) -> CashStatus:
        """Settled and unsettled cash, what settles when, good-faith violations in 12 months."""
        return self._ensure_ledger().status(self.today())
