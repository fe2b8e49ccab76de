"""Cash accounts: settled/unsettled cash on the settlement calendar and good-faith violations."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from app.calendar import NEW_YORK, trade_date
from app.compliance.service import ComplianceService
from app.compliance.store import ComplianceStore
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.models import Account, AccountType, Fill, Order, OrderRequest, OrderStatus, Side
from app.storage.tables import FillRow

D = Decimal
_ids = itertools.count(1)
CASH = Account(AccountType.CASH, D(100), D(100), D(0), D(100), D(100), D(100))


def ny(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK).astimezone(UTC)


class Accounts:
    def __init__(self, account: Account | None) -> None:
        self.account = account

    def current_account(self) -> Account | None:
        return self.account


def journal(side: Side, when: datetime, qty: str, price: str, symbol: str = "TQQQ") -> Fill:
    n = next(_ids)
    fill = Fill(f"exec-{n}", f"order-{n}", symbol, side, D(qty), D(price), when)
    FillRow.create(
        execution_id=fill.execution_id, client_order_id=fill.client_order_id, symbol=symbol,
        side=side.value, quantity=fill.quantity, price=fill.price, time=when,
        trade_date=trade_date(when).isoformat(),
    )  # fmt: skip
    return fill


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(ny(date(2026, 10, 9), 10))  # Friday before Columbus Day


@pytest.fixture
async def compliance(
    db: object, bus: EventBus, clock: SimulatedClock, settings: Settings
) -> AsyncIterator[ComplianceService]:
    service = ComplianceService(bus, clock, settings, Accounts(CASH), ComplianceStore(db))
    await service.start()
    yield service
    await service.stop()


def sell(qty: str, **kw: Any) -> OrderRequest:
    return OrderRequest("TQQQ", Side.SELL, quantity=D(qty), **kw)


async def test_gfv_denied_until_proceeds_settle_after_columbus_day(
    compliance: ComplianceService, clock: SimulatedClock
) -> None:
    # Friday: sell shares held overnight; $100 settles Tuesday 10-13 (Columbus Day is no
    # settlement day even though the market is open).
    await compliance.record_fill(journal(Side.SELL, clock.now(), "1", "100"))
    cash = compliance.cash_status()
    assert (cash.settled, cash.unsettled) == (D(100), D(100))
    assert cash.pending_settlements == [(date(2026, 10, 13), D(100))]
    # Columbus Day: buy $150 with $100 settled + $50 of the unsettled proceeds.
    clock.set(ny(date(2026, 10, 12), 10))
    assert compliance.cash_status().unsettled == D(100)
    await compliance.record_fill(journal(Side.BUY, clock.now(), "1.5", "100"))
    result = compliance.can_trade(sell("1.5"))
    assert not result.allowed
    assert result.reason == (
        "selling 1.5 TQQQ now would be a good-faith violation: it was bought with unsettled "
        "funds that settle on 2026-10-13"
    )
    # Day trades are not restricted in a cash account, but this one is still a GFV.
    clock.set(ny(date(2026, 10, 12), 19, 59))
    assert not compliance.can_trade(sell("0.1")).allowed
    clock.set(ny(date(2026, 10, 12), 20, 30))  # already Tuesday's trade date
    assert compliance.can_trade(sell("1.5")).allowed
    cash = compliance.cash_status()
    assert (cash.settled, cash.unsettled, cash.good_faith_violations_12m) == (D(50), D(0), 0)


async def test_veterans_day_is_not_a_settlement_day(
    compliance: ComplianceService, clock: SimulatedClock
) -> None:
    clock.set(ny(date(2026, 11, 10), 11))
    await compliance.record_fill(journal(Side.SELL, clock.now(), "2", "25"))
    assert compliance.cash_status().pending_settlements == [(date(2026, 11, 12), D(50))]
    clock.set(ny(date(2026, 11, 11), 11))  # markets open, banks closed
    assert compliance.cash_status().unsettled == D(50)
    clock.set(ny(date(2026, 11, 12), 9))
    cash = compliance.cash_status()
    assert (cash.settled, cash.unsettled) == (D(150), D(0))


async def test_buy_needs_settled_plus_unsettled_cash(
    compliance: ComplianceService, clock: SimulatedClock
) -> None:
    await compliance.record_fill(journal(Side.SELL, clock.now(), "1", "100"))  # $100 unsettled
    assert compliance.can_trade(OrderRequest("TQQQ", Side.BUY, notional=D(200))).allowed
    open_buy = Order("o-open", OrderRequest("SPY", Side.BUY, notional=D(50)), clock.now())
    open_buy.status = OrderStatus.ACCEPTED
    result = compliance.can_trade(OrderRequest("TQQQ", Side.BUY, notional=D(200)), [open_buy])
    assert not result.allowed
    assert result.reason == (
        "needs $200.00, only $150.00 cash available (settled $100.00, unsettled $100.00, "
        "open buys $50.00)"
    )
    by_shares = OrderRequest("TQQQ", Side.BUY, quantity=D(3))
    assert not compliance.can_trade(by_shares, price=D(70)).allowed
    unpriced = compliance.can_trade(by_shares)
    assert unpriced.allowed and unpriced.warning == "cash not checked: no price for a market order"


async def test_gfv_fill_is_counted_and_day_trades_are_not_limited(
    compliance: ComplianceService, clock: SimulatedClock
) -> None:
    await compliance.record_fill(journal(Side.SELL, clock.now(), "1", "100"))
    friday = date(2026, 10, 9)
    for n in range(4):  # 4 round trips on one day: no PDT limit in a cash account
        await compliance.record_fill(journal(Side.BUY, ny(friday, 11, 2 * n), "1", "1"))
        assert compliance.can_trade(sell("1")).allowed
        await compliance.record_fill(journal(Side.SELL, ny(friday, 11, 2 * n + 1), "1", "1"))
    assert compliance.status().own_count == 4 and not compliance.status().restricted
    clock.set(ny(date(2026, 10, 12), 10))
    await compliance.record_fill(journal(Side.BUY, clock.now(), "2", "100"))  # uses unsettled
    await compliance.record_fill(journal(Side.SELL, ny(date(2026, 10, 12), 11), "2", "100"))
    assert compliance.cash_status().good_faith_violations_12m == 1
