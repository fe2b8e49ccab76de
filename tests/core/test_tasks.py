"""Stopping background tasks (app.core.tasks): the stopped tasks end, and a stop that is
itself cancelled (the app shutting down around it) ends too instead of carrying on."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.core.tasks import cancel_and_wait


async def forever() -> None:
    await asyncio.Event().wait()


async def failed() -> None:
    raise RuntimeError("disk full")


async def test_the_tasks_have_ended_when_it_returns() -> None:
    tasks = [asyncio.get_running_loop().create_task(forever()) for _ in range(3)]
    await cancel_and_wait(tasks)
    assert all(task.cancelled() for task in tasks)


async def test_a_task_that_had_failed_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    task = asyncio.get_running_loop().create_task(failed(), name="writer")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR):
        await cancel_and_wait([task])
    assert "writer" in caplog.text and "disk full" in caplog.text


async def test_a_cancelled_stop_is_not_swallowed() -> None:
    async def stubborn() -> None:  # ends only a while after its cancel
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0.05)

    child = asyncio.get_running_loop().create_task(stubborn())
    await asyncio.sleep(0)
    stopper = asyncio.get_running_loop().create_task(cancel_and_wait([child]))
    await asyncio.sleep(0.01)  # the stopper now waits for the child
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopper
    await asyncio.wait({child}, timeout=1.0)
