"""The audit trail writes in batches: nothing lost on a clean stop, readers see everything."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.audit import FLUSH_SECONDS, MAX_PENDING, AuditTrail
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import DecisionMade, PriceUpdated, TradingStateChanged
from app.core.models import Quote, TradingState
from app.storage.tables import AuditRow

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def decision(i: int) -> DecisionMade:
    return DecisionMade(time=NOW, symbol="TQQQ", outcome="ignored", reason=f"reason {i}")


async def started(bus: EventBus, db: Any) -> AuditTrail:
    trail = AuditTrail(bus, SimulatedClock(NOW), db)
    await trail.start()
    return trail


async def test_rows_are_written_together_within_a_tenth_of_a_second(db) -> None:
    bus = EventBus()
    trail = await started(bus, db)
    for i in range(3):
        await bus.publish(decision(i))
    assert AuditRow.select().count(db) == 0  # queued, not yet written
    await asyncio.sleep(FLUSH_SECONDS * 3)
    rows = list(AuditRow.select().order_by(AuditRow.id).execute(db))
    assert [r.reason for r in rows] == ["reason 0", "reason 1", "reason 2"]
    assert rows[0].time == NOW and rows[0].kind == "decision"
    await trail.stop()


async def test_recent_sees_queued_rows_and_stop_writes_the_rest(db) -> None:
    bus = EventBus()
    trail = await started(bus, db)
    await bus.publish(decision(1))
    assert [e.reason for e in trail.recent()] == ["reason 1"]
    await bus.publish(
        TradingStateChanged(
            time=NOW, state=TradingState.HALTED, previous=TradingState.ACTIVE, reason="kill"
        )
    )
    await trail.stop()
    kinds = [r.kind for r in AuditRow.select().order_by(AuditRow.id).execute(db)]
    assert kinds == ["decision", "state"]
    await bus.publish(decision(2))  # stopped: no longer recorded
    assert AuditRow.select().count(db) == 2


async def test_prices_are_not_audited_and_a_long_burst_is_written_without_waiting(db) -> None:
    bus = EventBus()
    trail = await started(bus, db)
    ten = Decimal("10")
    quote = Quote("TQQQ", ten, ten, ten, ten, ten, NOW)
    for _ in range(50):
        await bus.publish(PriceUpdated(time=NOW, quote=quote))
    for i in range(MAX_PENDING):
        await bus.publish(decision(i))
    assert AuditRow.select().count(db) == MAX_PENDING  # written as soon as the queue was full
    await trail.stop()
    assert AuditRow.select().where(AuditRow.kind != "decision").count(db) == 0
