"""``/events``: the bus's events as server-sent events; a slow client never slows the app."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from api_harness import Api, filled, server_sent_events

from app.core.events import Event

PINGS = 10_000
PADDING = "x" * 1000  # 10 MB in all: more than any socket buffer holds


@dataclass(frozen=True, slots=True, kw_only=True)
class Ping(Event):
    """A test event nobody in the app subscribes to."""

    n: int
    padding: str = ""


async def test_the_stream_delivers_an_order_fill(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token}"}
    async with api.http.get(api.url + "/events?types=OrderSubmitted,OrderFilled",
                            headers=headers) as stream:  # fmt: skip
        assert stream.status == 200
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        await asyncio.sleep(0.05)  # the stream is registered before the order goes out
        _, body = await api.call("POST", "/orders/buy", {"symbol": "TQQQ", "dollars": "5"})
        seen = []
        async with asyncio.timeout(5):
            async for name, data in server_sent_events(stream):
                seen.append(name)
                if name == "OrderFilled" and data["order"]["order_id"] == body["order_id"]:
                    break
        assert seen == ["OrderSubmitted", "OrderFilled"]
        assert data["fill"]["symbol"] == "TQQQ" and isinstance(data["fill"]["price"], str)
        assert data["order"]["status"] == "filled" and "+00:00" in data["time"]


async def test_a_client_that_stops_reading_is_dropped_and_the_app_runs_on(api: Api) -> None:
    port = int(api.url.rsplit(":", 1)[1])
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", port))
    slow.sendall(
        f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {api.token}\r\n\r\n".encode()
    )  # and never reads
    headers = {"Authorization": f"Bearer {api.token}"}
    async with api.http.get(api.url + "/events?types=Ping", headers=headers) as fast_stream:
        while len(api.ctx.api.events.clients) < 2:  # both streams registered
            await asyncio.sleep(0.01)
        received: list[int] = []

        async def read_fast() -> None:
            async for _, data in server_sent_events(fast_stream):
                received.append(data["n"])
                if data["n"] == PINGS - 1:
                    return

        reader = asyncio.create_task(read_fast())
        bus = api.ctx.bus
        async with asyncio.timeout(60):  # a stalled bus would never finish publishing
            for n in range(PINGS):
                await bus.publish(Ping(time=api.ctx.clock.now(), n=n, padding=PADDING))
                if n % 10 == 9:
                    await asyncio.sleep(0.001)  # a fast feed: up to 10,000 events a second
            await reader
    assert received == list(range(PINGS))  # the reading client got everything, in order
    assert api.ctx.api.events.dropped_clients == 1
    # the slow client's connection was closed by the server
    slow.setblocking(False)
    closed = False
    async with asyncio.timeout(5):
        while not closed:
            try:
                closed = slow.recv(1 << 20) == b""
            except BlockingIOError:
                await asyncio.sleep(0.01)
            except ConnectionResetError:
                closed = True
    slow.close()
    # and trading still works
    _, body = await api.call("POST", "/orders/buy", {"symbol": "TQQQ", "dollars": "5"})
    await filled(api, body["order_id"])
