"""The in-process event bus: typed messages, first-in first-out delivery, isolated handlers.

``await bus.publish(event)`` delivers ``event`` to every handler subscribed to
its class or a base class, in subscription order, awaiting async handlers one
after another. Delivery is first in, first out: an event published by a
handler is queued and delivered after the current event has reached all its
subscribers, so every subscriber sees events in the order they happened and
no handler is re-entered from inside itself. A publish from outside a handler
returns once its event, and everything the handlers published in turn, has
been delivered.

``bus.publish_nowait(event)`` queues from synchronous code; :meth:`flush`
waits until the queue is empty. A handler that raises is logged (and reported
as :class:`~app.core.events.ErrorOccurred`) and does not stop the others.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.core.events import ErrorOccurred, Message

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)
Handler = Callable[[Any], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class _Entry:
    message_type: type[Message]
    handler: Handler


class Subscription:
    """Returned by :meth:`EventBus.subscribe`; call :meth:`cancel` to unsubscribe."""

    __slots__ = ("_bus", "_entry")

    def __init__(self, bus: EventBus, entry: _Entry) -> None:
        self._bus = bus
        self._entry = entry

    def cancel(self) -> None:
        self._bus.unsubscribe(self._entry)


class EventBus:
    """Typed publish/subscribe on one asyncio loop, delivered in FIFO order."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._handlers: dict[type[Message], tuple[Handler, ...]] = {}
        self._queue: deque[Message] = deque()
        self._lock = asyncio.Lock()
        self._dispatcher: asyncio.Task[Any] | None = None  # the task delivering right now
        self._drainer: asyncio.Task[None] | None = None
        self.errors = 0

    def subscribe(
        self, message_type: type[M], handler: Callable[[M], Awaitable[None] | None]
    ) -> Subscription:
        entry = _Entry(message_type, handler)
        self._entries.append(entry)
        self._handlers.clear()
        return Subscription(self, entry)

    def unsubscribe(self, entry: _Entry) -> None:
        if entry in self._entries:
            self._entries.remove(entry)
            self._handlers.clear()

    def handlers_for(self, message_type: type[Message]) -> tuple[Handler, ...]:
        """The handlers of ``message_type``, in subscription order."""
        handlers = self._handlers.get(message_type)
        if handlers is None:
            handlers = tuple(
                e.handler for e in self._entries if issubclass(message_type, e.message_type)
            )
            self._handlers[message_type] = handlers
        return handlers

    async def publish(self, message: Message) -> None:
        """Deliver ``message``; inside a handler, after the current event (see module doc)."""
        self._queue.append(message)
        if self._dispatcher is not None and self._dispatcher is asyncio.current_task():
            return
        await self._drain()

    def publish_nowait(self, message: Message) -> None:
        """Queue ``message`` for delivery on the running loop, in order."""
        self._queue.append(message)
        if self._dispatcher is not None and self._dispatcher is asyncio.current_task():
            return
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    async def flush(self) -> None:
        """Wait until every queued message has been delivered."""
        while self._queue or (self._drainer is not None and not self._drainer.done()):
            if self._drainer is not None and not self._drainer.done():
                await self._drainer
            else:
                await self._drain()

    async def _drain(self) -> None:
        async with self._lock:
            self._dispatcher = asyncio.current_task()
            try:
                while self._queue:
                    await self._deliver(self._queue.popleft())
            finally:
                self._dispatcher = None

    async def _deliver(self, message: Message) -> None:
        for handler in self.handlers_for(message.__class__):
            try:
                result = handler(message)
                if result is not None and inspect.isawaitable(result):
                    await result
            except Exception as exc:  # a handler's failure must not stop the others
                self._report(handler, message, exc)

    def _report(self, handler: Handler, message: Message, exc: Exception) -> None:
        self.errors += 1
        name = getattr(handler, "__qualname__", repr(handler))
        log.error("handler %s failed on %s", name, type(message).__name__, exc_info=exc)
        if not isinstance(message, ErrorOccurred):
            self._queue.append(
                ErrorOccurred(
                    time=message.time, source=name, message=f"{type(exc).__name__}: {exc}"
                )
            )
