"""Watching the disk under the database: trading pauses before SQLite runs out of space.

Every order and fill is written ahead to SQLite; on a full disk those writes
fail, and an app that keeps trading then leaves orders pending and floods its
log. :class:`StorageGuard` checks the free space of the data folder every
second (wall time: the disk does not follow the simulated clock) and pauses
trading while less than :data:`RESERVE_BYTES` is free, or while a test write
fails: the risk gate's trading state goes to HALTED with a reason that starts
with :data:`DISK_FULL`, the guard's health goes DEGRADED with the same one-line
message (the window shows both), and the log gets that line once. When space
returns and a test write succeeds, trading resumes (ACTIVE) and the log says so
once. The reserve leaves room for the fills of orders already at the broker.

A pause left over from a run that was killed while the disk was full ends at
the next start once the disk has room. Only a pause from ACTIVE is made and
undone here: a state the user (or the daily-loss limit) chose is left alone.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from peewee import DatabaseError, SqliteDatabase

from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.enums import HealthState, TradingState
from app.core.service import Service
from app.core.tasks import cancel_and_wait
from app.storage.tables import SchemaVersion

log = logging.getLogger(__name__)

MB = 1024 * 1024
RESERVE_BYTES = 16 * MB  # pause below this much free space
CHECK_SECONDS = 1.0  # wall seconds between checks
DISK_FULL = "the disk is full"
CAUSE_DISK_FULL = "disk_full"


class StorageFull(RuntimeError):
    """The disk holding the data folder has no room to start on."""


class TradingGate(Protocol):
    """What the guard needs from risk: read and set the trading state."""

    @property
    def state(self) -> TradingState: ...

    @property
    def state_reason(self) -> str: ...

    async def set_state(self, state: TradingState, reason: str, *, cause: str = ...) -> None: ...


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def require_space(folder: Path, reserve: int = RESERVE_BYTES) -> None:
    """Refuse to start (:class:`StorageFull`) when the data folder's disk is nearly full."""
    free = free_bytes(folder)
    if free < reserve:
        raise StorageFull(
            f"{DISK_FULL}: {folder} has {free / MB:.1f} MB free, Sherwood needs "
            f"{reserve / MB:.0f} MB; free some space and start again"
        )


class StorageGuard(Service):
    """Pauses trading while the database's disk is full and resumes it when space returns."""

    name = "storage"

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        db: SqliteDatabase,
        folder: Path,
        trading: TradingGate,
        *,
        reserve_bytes: int = RESERVE_BYTES,
        check_seconds: float = CHECK_SECONDS,
        free_space: Callable[[Path], int] = free_bytes,
    ) -> None:
        super().__init__(bus, clock)
        self.db = db
        self.folder = folder
        self.trading = trading
        self.reserve_bytes = reserve_bytes
        self.check_seconds = check_seconds
        self.free_space = free_space
        self.pauses = 0  # how many times this run paused trading for the disk
        self.problem: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        await self.check()
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="storage guard")

    async def on_stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait((self._task,))
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                await self.check()
            except Exception:  # a check must never end the loop
                log.exception("storage check failed")

    def _find_problem(self) -> str | None:
        try:
            free = self.free_space(self.folder)
        except OSError as exc:
            return f"{DISK_FULL} or unreadable: {exc}"
        if free < self.reserve_bytes:
            return (
                f"{DISK_FULL}: {free / MB:.1f} MB free in {self.folder} "
                f"(Sherwood keeps {self.reserve_bytes / MB:.0f} MB); trading is paused "
                "until space is freed"
            )
        if self.problem is not None or self._paused_by_us():
            return self._write_probe()
        return None

    def _write_probe(self) -> str | None:
        """A real write (a row updated to itself): room on the disk is not enough if SQLite
        still cannot write."""
        try:
            with self.db.atomic():
                SchemaVersion.update(version=SchemaVersion.version).execute(self.db)
        except DatabaseError as exc:
            return f"{DISK_FULL}: the database cannot be written ({exc}); trading is paused"
        return None

    def _paused_by_us(self) -> bool:
        return self.trading.state is TradingState.HALTED and self.trading.state_reason.startswith(
            DISK_FULL
        )

    async def check(self) -> bool:
        """One check; pauses or resumes trading on a change. True when storage is fine."""
        problem = self._find_problem()
        if problem is not None and self.problem is None:
            await self._pause(problem)
        elif problem is None and (self.problem is not None or self._paused_by_us()):
            await self._resume()
        return problem is None

    async def _pause(self, problem: str) -> None:
        self.problem = problem
        self.pauses += 1
        await self.set_health(HealthState.DEGRADED, problem)
        if self.trading.state is TradingState.ACTIVE:
            try:
                await self.trading.set_state(TradingState.HALTED, problem, cause=CAUSE_DISK_FULL)
            except DatabaseError:  # not saved (no room): halted in memory all the same
                log.debug("the disk-full pause could not be saved", exc_info=True)

    async def _resume(self) -> None:
        was = self.problem
        self.problem = None
        if self._paused_by_us():
            await self.trading.set_state(TradingState.ACTIVE, "disk space is back: trading resumed")
        log.warning("disk space is back: trading resumed%s", f" (was: {was})" if was else "")
        await self.set_health(HealthState.HEALTHY)
