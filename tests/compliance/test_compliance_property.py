"""Property: under the classic policy, checked-then-filled orders never exceed the limit."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.calendar import trade_date, trading_days_back, trading_days_between
from app.compliance.day_trades import count_day_trades
from app.compliance.service import ComplianceService
from app.compliance.store import ComplianceStore
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.models import Account, AccountType, Fill, OrderRequest, OrderSource, Side
from app.storage.db import open_database
from app.storage.tables import FillRow

D = Decimal
START = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 09:00 ET, Thanksgiving ahead
ACCOUNT = Account(AccountType.MARGIN, D(500), D(500), D(0), D(1000), D(5000), D(5000))


class Accounts:
    def current_account(self) -> Account | None:
        return ACCOUNT


step = st.tuples(
    st.integers(min_value=1, max_value=26 * 60),  # minutes until the next order
    st.sampled_from([Side.BUY, Side.SELL]),
    st.sampled_from(["TQQQ", "SPY"]),
    st.booleans(),  # placed by the bot?
)


async def run(steps: list[tuple[int, Side, str, bool]], max_day_trades: int) -> list[Fill]:
    database = open_database(":memory:")
    try:
        clock = SimulatedClock(START)
        config = Settings().replace(max_day_trades=max_day_trades)
        store = ComplianceStore(database)
        service = ComplianceService(EventBus(), clock, config, Accounts(), store)
        await service.start()
        fills: list[Fill] = []
        ids = itertools.count()
        for minutes, side, symbol, bot in steps:
            clock.advance(timedelta(minutes=minutes))
            source = OrderSource.BOT if bot else OrderSource.MANUAL
            request = OrderRequest(symbol, side, quantity=D(1), source=source)
            if not service.can_trade(request, bot=bot).allowed:
                continue
            n = next(ids)
            fill = Fill(f"e{n}", f"o{n}", symbol, side, D(1), D(10), clock.now())
            FillRow.insert(
                execution_id=fill.execution_id, client_order_id=fill.client_order_id,
                symbol=symbol, side=side.value, quantity=D(1), price=D(10), time=fill.time,
                trade_date=trade_date(fill.time).isoformat(),
            ).execute(database)  # fmt: skip
            await service.record_fill(fill)
            fills.append(fill)
        await service.stop()
        return fills
    finally:
        database.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=60), max_day_trades=st.integers(0, 3))
def test_never_more_than_max_day_trades_in_any_window(
    steps: list[tuple[int, Side, str, bool]], max_day_trades: int
) -> None:
    fills = asyncio.run(run(steps, max_day_trades))
    trades = count_day_trades(fills)  # an independent recount of what was filled
    if not fills:
        return
    last = trade_date(fills[-1].time)
    for end in trading_days_between(trade_date(START), last):
        window = set(trading_days_back(end, 5))
        assert sum(1 for t in trades if t.trade_date in window) <= max_day_trades
