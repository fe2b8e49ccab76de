"""Clocks: the only source of "now" in Sherwood.

Every time-dependent object receives a :class:`Clock`. ``LiveClock`` follows the
wall clock; ``SimulatedClock`` is set and advanced by tests, replays and
backtests, or runs N times faster than real time for the simulated market.
All times are timezone-aware UTC datetimes; exchange dates are derived in
New York time by :mod:`app.calendar`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What services need from a clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class LiveClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


def _require_aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"clock times must be timezone-aware, got naive {when!r}")
    return when.astimezone(UTC)


class SimulatedClock:
    """A clock that tests and replays control.

    Manual mode (``speed=None``): time stands still until :meth:`set` or
    :meth:`advance`; sleepers wake when the clock passes their deadline.

    Accelerated mode (``speed=N``): simulated time flows ``N`` times faster
    than the wall clock, starting at ``start``; :meth:`set` and
    :meth:`advance` still jump it.
    """

    def __init__(self, start: datetime, speed: float | None = None) -> None:
        if speed is not None and speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self._base = _require_aware(start)
        self._speed = speed
        self._wall_anchor = time.monotonic()
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    @property
    def speed(self) -> float | None:
        return self._speed

    def now(self) -> datetime:
        if self._speed is None:
            return self._base
        elapsed = (time.monotonic() - self._wall_anchor) * self._speed
        return self._base + timedelta(seconds=elapsed)

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (never backwards) and wake due sleepers."""
        target = _require_aware(when)
        current = self.now()
        if target < current:
            raise ValueError(f"a clock cannot go back: {target} is before {current}")
        self._base = target
        self._wall_anchor = time.monotonic()
        self._wake_due()

    def advance(self, delta: timedelta | float) -> None:
        """Move forward by ``delta`` (a timedelta or seconds)."""
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        self.set(self.now() + timedelta(seconds=seconds))

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        deadline = self.now() + timedelta(seconds=seconds)
        if self._speed is None:
            await self._wait(deadline, None)
            return
        while (remaining := (deadline - self.now()).total_seconds()) > 0:
            await self._wait(deadline, remaining / self._speed)

    async def _wait(self, deadline: datetime, wall_seconds: float | None) -> None:
        """Wait until a jump of the clock passes ``deadline`` (or ``wall_seconds`` pass).

        The sleeper is in the heap only while it waits: it leaves when woken,
        timed out or cancelled, so a long run keeps no trace of past sleeps.
        """
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (deadline, next(self._seq), future)
        heapq.heappush(self._sleepers, entry)
        try:
            if wall_seconds is None:
                await future
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(future), timeout=wall_seconds)
        finally:
            future.cancel()  # no effect once woken
            with contextlib.suppress(ValueError):  # ValueError: _wake_due already popped it
                self._sleepers.remove(entry)
                heapq.heapify(self._sleepers)

    def pending_sleepers(self) -> int:
        """How many sleeps are waiting now (a leak shows as a number that only grows)."""
        return len(self._sleepers)

    def _wake_due(self) -> None:
        now = self.now()
        while self._sleepers and self._sleepers[0][0] <= now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    def next_wakeup(self) -> datetime | None:
        """The earliest deadline of a pending sleeper, if any."""
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    async def run_until(self, when: datetime) -> None:
        """Advance step by step to ``when``, letting each woken task run.

        A deterministic way to drive everything that sleeps on this clock.
        """
        target = _require_aware(when)
        while True:
            for _ in range(3):
                await asyncio.sleep(0)
            nxt = self.next_wakeup()
            if nxt is None or nxt > target:
                break
            self.set(max(nxt, self.now()))
        if target > self.now():
            self.set(target)
        for _ in range(3):
            await asyncio.sleep(0)
