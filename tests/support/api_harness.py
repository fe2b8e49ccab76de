"""The API tests' harness: the started app, an HTTP session sending its token, waiting for fills.

Requests go through real HTTP (aiohttp's client) to 127.0.0.1 with the token
the server wrote to the data folder, found through ``api.json`` as a client would.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp

from app.composition import AppContext

TUESDAY_10_NY = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
API_SETTINGS = {
    "max_investment": Decimal("500"),
    "max_position_value": Decimal("2000"),
    "max_daily_loss": Decimal("500"),
    "paper_starting_cash": Decimal("5000"),
    "paper_latency_ms": 20,
    "api_enabled": True,
    "api_port": 0,
}


@dataclass
class Api:
    """A started app and an HTTP session that sends its token."""

    ctx: AppContext
    url: str
    token: str
    http: aiohttp.ClientSession

    async def call(
        self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> tuple[int, Any]:  # fmt: skip
        sent = {"Authorization": f"Bearer {self.token if token is None else token}"}
        sent.update(headers or {})
        async with self.http.request(method, self.url + path, json=body, headers=sent) as response:
            text = await response.text()
            return response.status, json.loads(text) if text else None


def read_api_json(folder: Path) -> tuple[str, str]:
    found = json.loads((folder / "api.json").read_text())
    return found["url"], Path(found["token_file"]).read_text().strip()


async def filled(api: Api, order_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """Poll ``GET /orders/{order_id}`` until the order is filled; its answer."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = await api.call("GET", f"/orders/{order_id}")
        assert status == 200, body
        if body["status"] == "filled":
            return body
        assert time.monotonic() < deadline, f"order {order_id} still {body['status']}"
        await asyncio.sleep(0.02)


async def server_sent_events(response: Any) -> Any:
    """Yield ``(event name, data)`` from a ``text/event-stream`` response."""
    name, data = "", []
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and name:
            yield name, json.loads("\n".join(data))
            name, data = "", []
