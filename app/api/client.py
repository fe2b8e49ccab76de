"""A small blocking client for the command line: find a running Sherwood and call its API.

``find_running(data_dir)`` reads ``api.json`` in the data folder, reads the
token file it names and asks ``GET /health``; it returns a client only when
that answers, so a file left behind by a crash is not mistaken for a running
app. ``sherwood status|buy|sell`` use it when the one-instance guard says the
terminal already runs. Standard library only (urllib): the command line
starts fast and needs no event loop.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.api.discovery import read_discovery

TIMEOUT_SECONDS = 10.0
PROBE_TIMEOUT_SECONDS = 2.0


class ApiUnreachable(ConnectionError):
    """The running Sherwood's API did not answer."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def reason(self) -> str:
        """The error's reason (or the message of an order answer)."""
        if isinstance(self.body, dict):
            return str(self.body.get("reason") or self.body.get("message") or "")
        return ""


class ApiClient:
    """Calls one running Sherwood's API with its token."""

    def __init__(self, url: str, token: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Answer(response.status, _json(response.read()))
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, _json(exc.read()))
        except (urllib.error.URLError, OSError) as exc:
            raise ApiUnreachable(f"Sherwood's API at {self.url} did not answer: {exc}") from exc

    # --- what the command line does ----------------------------------------------------------

    def health(self) -> Answer:
        return self.call("GET", "/health")

    def order(
        self,
        side: str,
        symbol: str,
        *,
        quantity: Decimal | None = None,
        dollars: Decimal | None = None,
        limit_price: Decimal | None = None,
        extended_hours: bool = False,
    ) -> Answer:
        """``POST /orders/buy|sell``: through the running app's risk, compliance and journal."""
        body: dict[str, Any] = {
            "symbol": symbol, "order_type": "market", "extended_hours": extended_hours
        }  # fmt: skip
        if quantity is not None:
            body["quantity"] = str(quantity)
        if dollars is not None:
            body["dollars"] = str(dollars)
        if limit_price is not None:
            body.update(order_type="limit", limit_price=str(limit_price))
        return self.call("POST", f"/orders/{side}", body)

    def status(self) -> dict[str, Answer]:
        """What ``sherwood status`` shows: health, session, PDT, positions, open orders."""
        return {
            "health": self.health(),
            "session": self.call("GET", "/auth/status"),
            "pdt": self.call("GET", "/compliance/pdt-status"),
            "positions": self.call("GET", "/portfolio/positions"),
            "orders": self.call("GET", "/orders?status=open"),
        }


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


def find_running(data_dir: Path, timeout: float = PROBE_TIMEOUT_SECONDS) -> ApiClient | None:
    """A client of the Sherwood serving its API on ``data_dir``, or None if none answers."""
    found = read_discovery(data_dir)
    if found is None:
        return None
    try:
        token = found.token()
    except OSError:
        return None
    client = ApiClient(found.url, token)
    probe = ApiClient(found.url, token, timeout)
    try:
        if not probe.health().ok:
            return None
    except ApiUnreachable:
        return None
    return client
