"""The storage guard pauses trading while the disk is full and resumes it when space returns
(the free space is the injected seam here; tests/e2e/test_full_disk.py fills a real disk)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.enums import HealthState, TradingState
from app.core.events import HealthChanged
from app.storage.db import open_database
from app.storage.health import DISK_FULL, StorageGuard

MB = 1024 * 1024


class Gate:
    """The risk gate's trading state as the guard sees it."""

    def __init__(self, state: TradingState = TradingState.ACTIVE) -> None:
        self.state = state
        self.state_reason = ""
        self.changes: list[tuple[TradingState, str]] = []

    async def set_state(self, state: TradingState, reason: str, *, cause: str = "user") -> None:
        self.state, self.state_reason = state, reason
        self.changes.append((state, reason))


async def test_trading_pauses_below_the_reserve_and_resumes_when_space_returns(
    tmp_path: Path,
) -> None:
    db = open_database(tmp_path / "paper.sqlite3")
    free = {"bytes": 500 * MB}
    gate = Gate()
    bus = EventBus()
    health: list[HealthChanged] = []
    bus.subscribe(HealthChanged, health.append)
    guard = StorageGuard(
        bus, SimulatedClock(datetime(2026, 12, 4, 15, tzinfo=UTC)), db, tmp_path, gate,
        reserve_bytes=16 * MB, check_seconds=3600, free_space=lambda _: free["bytes"],
    )  # fmt: skip
    await guard.start()
    assert gate.changes == [] and guard.health.state is HealthState.HEALTHY
    free["bytes"] = 2 * MB
    assert not await guard.check()
    assert not await guard.check()  # still full: no second message
    assert gate.state is TradingState.HALTED and gate.state_reason.startswith(DISK_FULL)
    assert len(gate.changes) == 1 and guard.pauses == 1
    assert health[-1].state is HealthState.DEGRADED and "2.0 MB free" in health[-1].reason
    free["bytes"] = 400 * MB
    assert await guard.check()
    assert gate.changes[-1] == (TradingState.ACTIVE, "disk space is back: trading resumed")
    assert guard.health.state is HealthState.HEALTHY
    await guard.stop()
    db.close()


async def test_a_state_the_user_chose_is_left_alone(tmp_path: Path) -> None:
    db = open_database(tmp_path / "paper.sqlite3")
    free = {"bytes": 1 * MB}
    gate = Gate(TradingState.HALTED)
    gate.state_reason = "kill switch"
    guard = StorageGuard(
        EventBus(), SimulatedClock(datetime(2026, 12, 4, 15, tzinfo=UTC)), db, tmp_path, gate,
        check_seconds=3600, free_space=lambda _: free["bytes"],
    )  # fmt: skip
    await guard.start()
    free["bytes"] = 400 * MB
    await guard.check()
    assert gate.changes == [] and gate.state_reason == "kill switch"
    await guard.stop()
    db.close()


async def test_a_pause_left_by_a_killed_run_ends_at_the_next_start(tmp_path: Path) -> None:
    db = open_database(tmp_path / "paper.sqlite3")
    gate = Gate(TradingState.HALTED)
    gate.state_reason = f"{DISK_FULL}: 0.0 MB free"
    guard = StorageGuard(
        EventBus(), SimulatedClock(datetime(2026, 12, 4, 15, tzinfo=UTC)), db, tmp_path, gate,
        check_seconds=3600,
    )  # fmt: skip
    await guard.start()
    assert gate.state is TradingState.ACTIVE
    await guard.stop()
    db.close()
