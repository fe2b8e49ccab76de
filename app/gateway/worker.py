"""The one thread every Robinhood request runs on.

robin-stocks keeps a single global ``requests.Session`` that is not
thread-safe; the gateway and the broker share it, so all their blocking
calls go through one single-thread executor. ``await worker.run(fn, ...)``
never blocks the event loop (the GUI thread under qasync); it gives up after
``timeout`` seconds (the request itself is bounded by the transport timeout,
so the thread is freed soon after).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from app.core.errors import BrokerUnavailable

T = TypeVar("T")

DEFAULT_CALL_TIMEOUT = 60.0


class Worker:
    def __init__(self, name: str = "robinhood") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(
        self, fn: Callable[..., T], *args: Any, timeout: float = DEFAULT_CALL_TIMEOUT
    ) -> T:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, functools.partial(fn, *args))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise BrokerUnavailable(f"Robinhood did not answer within {timeout:g} s") from None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
