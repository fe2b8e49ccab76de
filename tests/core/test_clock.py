"""Clocks: the simulated clock is set, advanced, wakes sleepers in order and runs fast."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from app.core.clock import LiveClock, SimulatedClock

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_simulated_clock_set_and_advance() -> None:
    clock = SimulatedClock(START)
    clock.advance(timedelta(minutes=5))
    assert clock.now() == START + timedelta(minutes=5)
    clock.set(START + timedelta(hours=1))
    assert clock.now() == START + timedelta(hours=1)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.set(START)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        SimulatedClock(datetime(2026, 1, 1))


async def test_sleepers_wake_when_the_clock_passes_their_deadline() -> None:
    clock = SimulatedClock(START)
    woke: list[str] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(name)

    tasks = [asyncio.create_task(sleeper("late", 60)), asyncio.create_task(sleeper("early", 10))]
    await asyncio.sleep(0)
    clock.advance(30)
    await asyncio.sleep(0)
    assert woke == ["early"]
    await clock.run_until(START + timedelta(minutes=2))
    assert woke == ["early", "late"]
    await asyncio.gather(*tasks)


async def test_accelerated_clock_runs_faster_than_real_time() -> None:
    clock = SimulatedClock(START, speed=1000)
    wall = time.monotonic()
    await clock.sleep(60)  # one simulated minute
    elapsed = time.monotonic() - wall
    assert elapsed < 1.0
    assert clock.now() >= START + timedelta(seconds=60)


def test_live_clock_is_utc_aware() -> None:
    now = LiveClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)


async def test_a_fast_clock_keeps_no_trace_of_finished_sleeps() -> None:
    """A headless run at high speed sleeps millions of times; memory must not grow with it."""
    clock = SimulatedClock(START, speed=100_000)
    for _ in range(2000):
        await clock.sleep(0.5)  # 5 wall microseconds each
    assert clock.pending_sleepers() == 0


async def test_cancelled_sleepers_leave_and_the_others_still_wake() -> None:
    clock = SimulatedClock(START)
    woke: list[str] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(name)

    stay = asyncio.create_task(sleeper("stay", 30))
    gone = [asyncio.create_task(sleeper(f"gone{i}", 3600)) for i in range(50)]
    await asyncio.sleep(0)
    assert clock.pending_sleepers() == 51
    for task in gone:
        task.cancel()
    await asyncio.gather(*gone, return_exceptions=True)
    assert clock.pending_sleepers() == 1
    assert clock.next_wakeup() == START + timedelta(seconds=30)
    await clock.run_until(START + timedelta(minutes=1))
    await stay
    assert woke == ["stay"]
    assert clock.pending_sleepers() == 0


async def test_a_fast_sleeper_wakes_early_when_the_clock_jumps() -> None:
    clock = SimulatedClock(START, speed=10)
    task = asyncio.create_task(clock.sleep(3600))  # six wall minutes at 10x
    await asyncio.sleep(0)
    clock.advance(timedelta(hours=2))
    await asyncio.wait_for(task, timeout=5)
    assert clock.pending_sleepers() == 0
