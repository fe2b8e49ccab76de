"""ComplianceService on a real SQLite file: recording, status, the PDT pre-trade check, policies."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.calendar import NEW_YORK, trade_date
from app.compliance.service import ComplianceService
from app.compliance.store import ComplianceStore
from app.config import DayTradePolicy, Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import DayTradeRecorded, Event, PdtLimitReached, PdtWarning
from app.core.models import (
    Account,
    AccountType,
    Fill,
    Order,
    OrderRequest,
    OrderSource,
    OrderStatus,
    Side,
)
from app.storage.db import open_database
from app.storage.tables import ALL_TABLES, DayTradeRow, FillRow

D = Decimal
_ids = itertools.count(1)
RESTRICTED = Account(AccountType.MARGIN, D(1000), D(1000), D(0), D(2000), D("24999.99"),
                     D("24999.99"))  # fmt: skip


def ny(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK).astimezone(UTC)


class Accounts:
    def __init__(self, account: Account | None) -> None:
        self.account = account

    def current_account(self) -> Account | None:
        return self.account


class Recorder:
    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        bus.subscribe(Event, self.events.append)

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def journal(side: Side, when: datetime, symbol: str = "TQQQ", qty: str = "1",
            price: str = "50", order_id: str | None = None) -> Fill:  # fmt: skip
    """What the order journal does: write the FillRow (then execution calls record_fill)."""
    n = next(_ids)
    fill = Fill(f"exec-{n}", order_id or f"order-{n}", symbol, side, D(qty), D(price), when)
    FillRow.create(
        execution_id=fill.execution_id, client_order_id=fill.client_order_id, symbol=symbol,
        side=side.value, quantity=fill.quantity, price=fill.price, time=when,
        trade_date=trade_date(when).isoformat(),
    )  # fmt: skip
    return fill


async def round_trip(service: ComplianceService, day: date, symbol: str = "TQQQ") -> None:
    await service.record_fill(journal(Side.BUY, ny(day, 10), symbol))
    await service.record_fill(journal(Side.SELL, ny(day, 11), symbol))


@pytest.fixture
def accounts() -> Accounts:
    return Accounts(RESTRICTED)


@pytest.fixture
async def compliance(
    db: object, bus: EventBus, clock: SimulatedClock, settings: Settings, accounts: Accounts
) -> AsyncIterator[ComplianceService]:
    service = ComplianceService(bus, clock, settings, accounts, ComplianceStore(db))
    await service.start()
    yield service
    await service.stop()


def pending(side: Side, when: datetime, symbol: str = "TQQQ") -> Order:
    order = Order(f"pending-{next(_ids)}", OrderRequest(symbol, side, quantity=D(1)), when)
    order.status = OrderStatus.ACCEPTED
    return order


def req(side: Side, symbol: str = "TQQQ", **kw: Any) -> OrderRequest:
    return OrderRequest(symbol, side, quantity=D(1), **kw)


MON, TUE = date(2026, 11, 23), date(2026, 11, 24)  # the clock: Tue 2026-11-24 10:00 ET
FRI = date(2026, 11, 20)


async def test_record_fill_is_idempotent_and_announces(
    compliance: ComplianceService, bus: EventBus
) -> None:
    seen = Recorder(bus)
    buy = journal(Side.BUY, ny(TUE, 9, 35))
    assert await compliance.record_fill(buy) == []
    sell = journal(Side.SELL, ny(TUE, 9, 40))
    [trade] = await compliance.record_fill(sell)
    assert (trade.symbol, trade.trade_date, trade.closing_execution_id) == (
        "TQQQ", TUE, sell.execution_id,
    )  # fmt: skip
    assert await compliance.record_fill(sell) == []
    assert await compliance.record_fill(buy) == []
    assert DayTradeRow.select().count() == 1
    [recorded] = seen.of(DayTradeRecorded)
    assert (recorded.used, recorded.limit, recorded.trade_date) == (1, 3, "2026-11-24")
    [warning] = seen.of(PdtWarning)  # 1 of 3 = max - 2
    assert warning.message == "1 of 3 day trades used in the last 5 trading sessions"


async def test_warnings_then_limit_event(compliance: ComplianceService, bus: EventBus) -> None:
    seen = Recorder(bus)
    await round_trip(compliance, date(2026, 11, 18))
    await round_trip(compliance, date(2026, 11, 19))
    assert [w.used for w in seen.of(PdtWarning)] == [1, 2]
    await round_trip(compliance, FRI)
    [limit] = seen.of(PdtLimitReached)
    assert limit.used == 3 and "no more day trades" in limit.message


async def test_fill_recorded_before_the_journal_wrote_it(
    compliance: ComplianceService,
) -> None:
    buy = Fill("a", "oa", "TQQQ", Side.BUY, D(1), D(10), ny(TUE, 9, 40))
    sell = Fill("b", "ob", "TQQQ", Side.SELL, D(1), D(10), ny(TUE, 9, 41))
    await compliance.record_fill(buy)
    assert len(await compliance.record_fill(sell)) == 1


async def test_status_window_by_date_and_drop_offs(compliance: ComplianceService) -> None:
    await round_trip(compliance, date(2026, 11, 17))  # out of the window (6 sessions back)
    await round_trip(compliance, date(2026, 11, 18))
    await round_trip(compliance, MON, "SPY")
    await round_trip(compliance, MON, "TQQQ")
    status = compliance.status()
    assert status.window == [date(2026, 11, d) for d in (18, 19, 20, 23, 24)]
    assert (status.used, status.limit, status.remaining) == (3, 3, 0)
    assert status.by_date == {date(2026, 11, 18): 1, date(2026, 11, 19): 0, FRI: 0, MON: 2, TUE: 0}
    assert not status.can_day_trade and status.restricted
    # 11-18 leaves after Tue 11-24 (Thanksgiving 11-26 is no session); Monday's after 12-01.
    assert [d for _, d in status.drop_offs] == [
        date(2026, 11, 25), date(2026, 12, 1), date(2026, 12, 1),
    ]  # fmt: skip
    assert len(compliance.day_trades(window_only=False)) == 4
    assert [t.symbol for t in compliance.day_trades()] == ["TQQQ", "SPY", "TQQQ"]


async def test_the_sell_that_would_be_the_fourth_day_trade_is_denied(
    compliance: ComplianceService, clock: SimulatedClock
) -> None:
    for day in (date(2026, 11, 18), date(2026, 11, 19), FRI):
        await round_trip(compliance, day)
    await compliance.record_fill(journal(Side.BUY, ny(TUE, 9, 45)))
    result = compliance.can_trade(req(Side.SELL))
    assert not result.allowed
    assert result.reason == "would be day trade 4 of 3 in the last 5 trading sessions (PDT rule)"
    assert compliance.can_trade(req(Side.SELL, "SPY")).allowed  # held overnight: no day trade


@pytest.mark.parametrize(("equity", "allowed"), [(D("25000.00"), True), (D("24999.99"), False)])
async def test_equity_exactly_25000_is_not_restricted(
    compliance: ComplianceService, accounts: Accounts, equity: Decimal, allowed: bool
) -> None:
    accounts.account = replace(RESTRICTED, equity_previous_close=equity)
    for day in (date(2026, 11, 18), date(2026, 11, 19), FRI):
        await round_trip(compliance, day)
    await compliance.record_fill(journal(Side.BUY, ny(TUE, 9, 45)))
    assert compliance.status().restricted is not allowed
    assert compliance.can_trade(req(Side.SELL)).allowed is allowed
    assert compliance.can_trade(req(Side.BUY), bot=True).allowed is allowed


async def test_pending_orders_count_like_fills(
    compliance: ComplianceService, clock: SimulatedClock
) -> None:
    await round_trip(compliance, date(2026, 11, 19))
    await round_trip(compliance, FRI)
    await compliance.record_fill(journal(Side.BUY, ny(TUE, 9, 45)))
    open_sell = [pending(Side.SELL, clock.now())]  # would be day trade 3
    # A pending sell in TQQQ uses the last day trade: a second round trip elsewhere is denied.
    spy_buy = pending(Side.BUY, clock.now(), "SPY")
    result = compliance.can_trade(req(Side.SELL, "SPY"), [*open_sell, spy_buy])
    assert result.reason == "would be day trade 4 of 3 in the last 5 trading sessions (PDT rule)"
    assert compliance.can_trade(req(Side.SELL, "SPY"), open_sell).allowed
    # A pending buy then this sell: a day trade even with no fill today.
    await round_trip(compliance, MON)
    result = compliance.can_trade(req(Side.SELL, "SPY"), [spy_buy])
    assert result.reason == "would be day trade 4 of 3 in the last 5 trading sessions (PDT rule)"


async def test_bot_buy_denied_with_no_day_trades_left_manual_warned(
    compliance: ComplianceService,
) -> None:
    for day in (date(2026, 11, 19), FRI, MON):
        await round_trip(compliance, day)
    bot = compliance.can_trade(req(Side.BUY, source=OrderSource.BOT))
    assert not bot.allowed
    assert bot.reason == (
        "the bot will not open a position it could not close today: no day trades left"
    )
    assert not compliance.can_trade(req(Side.BUY), bot=True).allowed
    manual = compliance.can_trade(req(Side.BUY))
    assert manual.allowed
    assert manual.warning.startswith("no day trades left (3 of 3 used)")


async def test_policy_switched_at_run_time(
    compliance: ComplianceService, settings: Settings
) -> None:
    for day in (date(2026, 11, 19), FRI, MON):
        await round_trip(compliance, day)
    await compliance.record_fill(journal(Side.BUY, ny(TUE, 9, 45)))
    assert not compliance.can_trade(req(Side.SELL)).allowed
    compliance.update_settings(settings.replace(day_trade_policy=DayTradePolicy.INFORMATIONAL))
    informational = compliance.can_trade(req(Side.SELL))
    assert informational.allowed
    assert informational.warning == (
        "would be day trade 4 of 3 in the last 5 trading sessions (PDT rule)"
    )
    assert compliance.can_trade(req(Side.BUY), bot=True).allowed
    compliance.update_settings(settings.replace(day_trade_policy=DayTradePolicy.OFF))
    off = compliance.can_trade(req(Side.SELL))
    assert off.allowed and off.warning == ""
    assert compliance.status().used == 3  # the count is always kept
    compliance.update_settings(settings)
    assert not compliance.can_trade(req(Side.SELL)).allowed


async def test_last_day_trade_is_warned(compliance: ComplianceService) -> None:
    await round_trip(compliance, FRI)
    await round_trip(compliance, MON)
    await compliance.record_fill(journal(Side.BUY, ny(TUE, 9, 45)))
    result = compliance.can_trade(req(Side.SELL))
    assert result.allowed
    assert result.warning == "this is day trade 3 of 3 in the last 5 trading sessions"
    assert compliance.status().next_day_trade_reaches_limit


async def test_broker_count_wins_for_display(
    compliance: ComplianceService, accounts: Accounts
) -> None:
    await round_trip(compliance, MON)
    accounts.account = replace(RESTRICTED, broker_day_trades=2)
    status = compliance.status()
    assert (status.used, status.own_count, status.broker_count, status.remaining) == (2, 1, 2, 1)


@pytest.mark.parametrize(("orders", "pdt"), [(66, True), (67, False)])
async def test_pattern_day_trader_six_percent(
    compliance: ComplianceService, accounts: Accounts, orders: int, pdt: bool
) -> None:
    accounts.account = replace(RESTRICTED, equity_previous_close=D(30000))
    for day in (date(2026, 11, 18), date(2026, 11, 19), FRI, MON):
        await round_trip(compliance, day)
    for n in range(orders - 8):  # single buys in other orders: trades, not day trades
        await compliance.record_fill(journal(Side.BUY, ny(MON, 12, n % 60), "SPY"))
    status = compliance.status()
    assert status.trades_in_pdt_period == orders
    assert status.pattern_day_trader is pdt


async def test_errors_fail_closed(
    db: object, bus: EventBus, clock: SimulatedClock, settings: Settings
) -> None:
    class Broken:
        def current_account(self) -> Account | None:
            raise ConnectionError("broker unreachable")

    service = ComplianceService(bus, clock, settings, Broken(), ComplianceStore(db))
    result = service.can_trade(req(Side.BUY))
    assert not result.allowed
    assert result.reason == "compliance check failed: ConnectionError: broker unreachable"


async def test_unknown_account_is_treated_as_restricted(
    compliance: ComplianceService, accounts: Accounts
) -> None:
    accounts.account = None
    assert compliance.status().restricted


async def test_restart_recounts_journaled_fills(
    db_path: Path, bus: EventBus, clock: SimulatedClock, settings: Settings, accounts: Accounts
) -> None:
    database = open_database(db_path)
    with database.bind_ctx(ALL_TABLES):  # journaled while compliance was not running
        journal(Side.BUY, ny(MON, 10))
        journal(Side.SELL, ny(MON, 11))
    service = ComplianceService(bus, clock, settings, accounts, ComplianceStore(database))
    await service.start()
    assert service.status().used == 1
    await service.stop()
    database.close()
