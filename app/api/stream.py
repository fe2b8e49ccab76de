"""``GET /events``: the bus's events as server-sent events, a bounded buffer per client.

Every event (quotes, bars, signals, decisions, orders, fills, denials, day
trades and PDT warnings, trading state, health) is written as ``event: <its
class name>`` and ``data: <its fields as JSON>``; ``?types=OrderFilled,PdtWarning``
keeps only those classes. The bus handler only encodes the event once and
puts it in each client's queue without waiting; a client whose queue is full
(``CLIENT_BUFFER`` events behind) is dropped: its connection is closed and the
app never waits for it. A comment line every ``KEEPALIVE_SECONDS`` shows a
quiet stream is alive.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

from aiohttp import web

from app.api.encode import plain
from app.core.bus import EventBus, Subscription
from app.core.events import Event

log = logging.getLogger("sherwood.api")

CLIENT_BUFFER = 1000  # events a client may be behind before it is dropped
KEEPALIVE_SECONDS = 15.0


@dataclass(eq=False)
class _Client:
    request: web.Request
    types: frozenset[str] | None
    queue: asyncio.Queue[bytes | None]
    dropped: bool = False


class EventStream:
    """Fans the bus's events out to the connected ``/events`` clients."""

    def __init__(self, bus: EventBus, buffer: int = CLIENT_BUFFER) -> None:
        self.bus = bus
        self.buffer = buffer
        self.clients: set[_Client] = set()
        self.dropped_clients = 0
        self._subscription: Subscription | None = None

    def start(self) -> None:
        if self._subscription is None:
            self._subscription = self.bus.subscribe(Event, self._on_event)

    def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.cancel()
            self._subscription = None
        for client in list(self.clients):  # end each stream after what it has queued
            try:
                client.queue.put_nowait(None)
            except asyncio.QueueFull:
                self._drop(client)

    def _on_event(self, event: Event) -> None:
        if not self.clients:
            return
        name = type(event).__name__
        frame: bytes | None = None
        for client in list(self.clients):
            if client.types is not None and name not in client.types:
                continue
            if frame is None:
                data = json.dumps(plain(event), separators=(",", ":"))
                frame = f"event: {name}\ndata: {data}\n\n".encode()
            try:
                client.queue.put_nowait(frame)
            except asyncio.QueueFull:
                self._drop(client)

    def _drop(self, client: _Client) -> None:
        """Forget a client that fell ``buffer`` events behind and close its connection."""
        if client.dropped:
            return
        client.dropped = True
        self.clients.discard(client)
        self.dropped_clients += 1
        log.warning("dropped an /events client %s events behind", self.buffer)
        transport = client.request.transport
        if transport is not None:
            transport.abort()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = request.query.get("types", "")
        types = frozenset(t.strip() for t in raw.split(",") if t.strip()) or None
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        client = _Client(request, types, asyncio.Queue(self.buffer))
        self.clients.add(client)
        try:
            await response.write(b": connected\n\n")
            while not client.dropped:
                try:
                    frame = await asyncio.wait_for(client.queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    frame = b": keepalive\n\n"
                if frame is None:
                    break
                await response.write(frame)
        except ConnectionError:  # the client went away (or was dropped)
            pass
        finally:
            self.clients.discard(client)
        return response
