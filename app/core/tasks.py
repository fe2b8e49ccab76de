"""Stopping background tasks: cancel them, then wait until they have ended.

``with suppress(CancelledError): await task`` would also swallow a cancellation of the
task doing the waiting (it keeps running, and whoever stops *it* waits for ever);
``gather`` keeps the two apart: the stopped tasks' ends are collected, a cancellation of
the caller propagates."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("sherwood.tasks")


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and return once all have ended; one that had failed is logged."""
    pending = list(tasks)
    for task in pending:
        task.cancel()
    ends = await asyncio.gather(*pending, return_exceptions=True)
    for task, end in zip(pending, ends, strict=True):
        if isinstance(end, Exception):
            name = task.get_name() if isinstance(task, asyncio.Task) else repr(task)
            log.error("background task %s had failed: %s", name, end, exc_info=end)
