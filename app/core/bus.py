"""The in-process event bus: typed messages, ordered delivery, isolated handlers.

``await bus.publish(event)`` calls every handler subscribed to the event's
class or any of its base classes, in subscription order, awaiting async
handlers one after another. A handler that raises is logged (and reported as
:class:`~app.core.events.ErrorOccurred`) and does not stop the others.
``bus.publish_nowait(event)`` does the same from synchronous code by queuing
the event on the running loop; queued events keep their order.

A synchronous handler may return an awaitable (e.g. a coroutine it needs only
now and then); it is awaited before the next handler runs. That lets a hot
handler stay a plain call on its common path and only pay for a coroutine when
it has something to publish. Dispatch is one call per handler: the handlers of
each message class are resolved once (on first publish after a change of
subscriptions) into a tuple of ``(handler, is_async)`` pairs.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.core.events import ErrorOccurred, Message

log = logging.getLogger(__name__)
_isawaitable = inspect.isawaitable

M = TypeVar("M", bound=Message)
Handler = Callable[[Any], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class _Entry:
    seq: int
    message_type: type[Message]
    handler: Handler
    is_async: bool


class Subscription:
    """Returned by :meth:`EventBus.subscribe`; call :meth:`cancel` to unsubscribe."""

    __slots__ = ("_bus", "_entry")

    def __init__(self, bus: EventBus, entry: _Entry) -> None:
        self._bus = bus
        self._entry = entry

    def cancel(self) -> None:
        self._bus._remove(self._entry)


class EventBus:
    """Typed publish/subscribe on one asyncio loop."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._seq = itertools.count()
        self._cache: dict[type[Message], tuple[_Entry, ...]] = {}
        self._dispatch: dict[type[Message], tuple[tuple[Handler, bool], ...]] = {}
        self._queue: deque[Message] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self.errors = 0

    def subscribe(
        self, message_type: type[M], handler: Callable[[M], Awaitable[None] | None]
    ) -> Subscription:
        is_async = inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
            getattr(handler, "__call__", None)  # noqa: B004
        )
        entry = _Entry(next(self._seq), message_type, handler, is_async)
        self._entries.append(entry)
        self._cache.clear()
        self._dispatch.clear()
        return Subscription(self, entry)

    def _remove(self, entry: _Entry) -> None:
        if entry in self._entries:
            self._entries.remove(entry)
            self._cache.clear()
            self._dispatch.clear()

    def handlers_for(self, message_type: type[Message]) -> tuple[_Entry, ...]:
        cached = self._cache.get(message_type)
        if cached is None:
            cached = tuple(e for e in self._entries if issubclass(message_type, e.message_type))
            self._cache[message_type] = cached
        return cached

    def _resolve(self, message_type: type[Message]) -> tuple[tuple[Handler, bool], ...]:
        pairs = tuple((e.handler, e.is_async) for e in self.handlers_for(message_type))
        self._dispatch[message_type] = pairs
        return pairs

    async def publish(self, message: Message) -> None:
        pairs = self._dispatch.get(message.__class__)
        if pairs is None:
            pairs = self._resolve(message.__class__)
        for handler, is_async in pairs:
            try:
                if is_async:
                    await handler(message)  # type: ignore[misc]
                else:
                    result = handler(message)
                    if result is not None and _isawaitable(result):
                        await result
            except Exception as exc:  # a handler's failure must not stop the others
                self._report(handler, message, exc)

    def publish_nowait(self, message: Message) -> None:
        """Queue ``message`` for delivery on the running loop, in order."""
        self._queue.append(message)
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._queue:
            await self.publish(self._queue.popleft())

    async def flush(self) -> None:
        """Wait until every queued message has been delivered."""
        while self._queue or (self._drainer is not None and not self._drainer.done()):
            if self._drainer is not None and not self._drainer.done():
                await self._drainer
            elif self._queue:
                await self._drain()

    def _report(self, handler: Handler, message: Message, exc: Exception) -> None:
        self.errors += 1
        name = getattr(handler, "__qualname__", repr(handler))
        log.error("handler %s failed on %s", name, type(message).__name__, exc_info=exc)
        if isinstance(message, ErrorOccurred):
            return
        error = ErrorOccurred(
            time=message.time, source=name, message=f"{type(exc).__name__}: {exc}"
        )
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._queue.append(error)
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
