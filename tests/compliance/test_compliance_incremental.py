"""The in-memory compliance book agrees with a full recount and with what SQLite stores."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from app.calendar import next_trading_day, trade_date
from app.compliance.day_trades import count_day_trades, day_trades_after_append, day_trades_of_day
from app.compliance.service import ComplianceService
from app.compliance.settlement import SettlementLedger
from app.compliance.store import ComplianceStore
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.models import Account, AccountType, Fill, OrderRequest, Side
from app.storage.db import open_database
from app.storage.tables import FillRow

D = Decimal
ACCOUNT = Account(AccountType.MARGIN, D(500), D(500), D(0), D(1000), D(5000), D(5000))
TUESDAY = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


class Accounts:
    def current_account(self) -> Account | None:
        return ACCOUNT


@contextmanager
def statements(database: object) -> Iterator[list[str]]:
    """Every SQL statement SQLite runs inside the block."""
    seen: list[str] = []
    connection = database.connection()  # type: ignore[attr-defined]
    connection.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        connection.set_trace_callback(None)


fill_steps = st.lists(
    st.tuples(st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 5), st.integers(1, 9)),
    max_size=25,
)


@given(steps=fill_steps)
def test_appending_a_fill_recounts_like_a_full_recount(steps: list[tuple[Side, int, int]]) -> None:
    day = date(2026, 11, 24)
    fills: list[Fill] = []
    trades = day_trades_of_day("TQQQ", day, fills)
    for n, (side, qty, price) in enumerate(steps):
        when = TUESDAY + timedelta(seconds=n)
        fills.append(Fill(f"e{n}", f"o{n}", "TQQQ", side, D(qty), D(price), when))
        trades = day_trades_after_append("TQQQ", day, fills, trades)
        assert trades == day_trades_of_day("TQQQ", day, fills)


def test_ledger_text_is_json_of_the_ledger_and_reads_back() -> None:
    rnd = random.Random(7)
    ledger = SettlementLedger.starting(D(100), D("5.5"), date(2026, 11, 2))
    day, when = date(2026, 11, 2), datetime(2026, 11, 2, 15, tzinfo=UTC)
    for n in range(600):
        if rnd.random() < 0.1:
            day, when = day + timedelta(days=1), when + timedelta(days=1)
        side = rnd.choice([Side.BUY, Side.SELL])
        qty, price = D(rnd.randint(1, 3)), D(rnd.choice(["1.25", "3", "0.5"]))
        fee = D(rnd.choice(["0", "0", "5"]))
        ledger.apply(Fill(f"e{n}", f"o{n}", rnd.choice("AB"), side, qty, price, when, fee), day)
        if rnd.random() < 0.3:
            ledger.roll(day + timedelta(days=rnd.randint(0, 2)))
        assert ledger.dumps() == json.dumps(ledger.to_json())
    again = SettlementLedger.from_json(json.loads(ledger.dumps()))
    assert again == ledger and again.dumps() == ledger.dumps()


def test_the_stored_ledger_holds_what_is_open_not_every_fill() -> None:
    """A bot trading all year writes a ledger as short as on its first day: settled
    proceeds and sold shares leave it."""
    ledger = SettlementLedger.starting(D(1000), D(0), date(2026, 1, 5))
    day = date(2026, 1, 2)
    sizes = []
    for n in range(2000):  # ten round trips a trading day, for 200 trading days
        if n % 20 == 0:
            day = next_trading_day(day)
        when = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=15)
        side = Side.BUY if n % 2 == 0 else Side.SELL
        ledger.apply(Fill(f"e{n}", f"o{n}", "TQQQ", side, D(1), D("50"), when), day)
        sizes.append(len(ledger.dumps()))
    assert ledger.lots == [] and ledger.violations == []
    assert max(sizes[-100:]) <= max(sizes[:100])


async def test_stored_day_trades_follow_every_fill_and_checks_read_no_sql(
    db_path: Path,
) -> None:
    database = open_database(db_path)
    clock = SimulatedClock(TUESDAY)
    store = ComplianceStore(database)
    service = ComplianceService(EventBus(), clock, Settings(), Accounts(), store)
    await service.start()
    rnd = random.Random(3)
    ids = itertools.count()
    fills: list[Fill] = []
    for n in range(120):
        clock.advance(timedelta(minutes=rnd.randint(1, 40)))
        # now and then a fill reported late (earlier than the last one): a full recount
        when = clock.now() - timedelta(minutes=rnd.choice([0, 0, 0, 0, 30]))
        side = rnd.choice([Side.BUY, Side.SELL])
        k = next(ids)
        fill = Fill(f"e{k}", f"o{k // 2}", rnd.choice(["TQQQ", "SPY"]), side,
                    D(rnd.randint(1, 4)), D(rnd.randint(10, 20)), when)  # fmt: skip
        FillRow.insert(
            execution_id=fill.execution_id, client_order_id=fill.client_order_id,
            symbol=fill.symbol, side=side.value, quantity=fill.quantity, price=fill.price,
            time=when, trade_date=trade_date(when).isoformat(),
        ).execute(database)  # fmt: skip
        await service.record_fill(fill)
        fills.append(fill)
        if n % 10 == 0:  # a repeated delivery costs no SQL and records nothing
            with statements(database) as seen:
                assert await service.record_fill(fill) == []
            assert seen == []
    expected = sorted(count_day_trades(fills), key=lambda t: (t.trade_date, t.symbol, t.sequence))
    assert store.load_day_trades() == expected  # rows updated as SELL runs grew
    window = set(service.window())
    assert service.day_trades() == [t for t in expected if t.trade_date in window]
    with statements(database) as seen:
        status = service.status()
        service.can_trade(OrderRequest("TQQQ", Side.SELL, quantity=D(1)))
        service.can_trade(OrderRequest("SPY", Side.BUY, quantity=D(1)), bot=True)
    assert seen == []
    await service.stop()
    restarted = ComplianceService(EventBus(), clock, Settings(), Accounts(), store)
    await restarted.start()
    assert restarted.status() == status
    assert restarted.cash_status() == service.cash_status()
    await restarted.stop()
    database.close()
