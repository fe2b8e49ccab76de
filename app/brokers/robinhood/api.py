"""Blocking Robinhood requests through the shared session, every answer typed.

Why it exists: robin-stocks' request helpers print errors and return ``None``;
Sherwood needs every answer to be a value or a typed error from
:mod:`app.core.errors`. These functions block: they run on the gateway's one
worker thread (through :class:`~app.brokers.robinhood.session.RobinhoodSession`).

- every request has a timeout;
- only GETs are retried (idempotent): on a network failure, a 5xx or a 429
  whose "Expected available in N seconds" is short, with backoff;
- no network, a timeout or a 5xx -> ``BrokerUnavailable`` (outcome unknown);
  429 -> ``RateLimited`` with Robinhood's seconds; 401 ->
  ``AuthenticationRequired``; another 4xx on a GET -> ``BrokerError``.
  A POST returns ``(status, json)`` below 500 so the caller reads the refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from app.core.errors import AuthenticationRequired, BrokerError, BrokerUnavailable, RateLimited
from app.gateway.http import message_of, send_json

API = "https://api.robinhood.com"  # the session's transport sends it to ROBINHOOD_API_URL
GET_TIMEOUT = (5.0, 10.0)  # connect, read (seconds)
ORDER_TIMEOUT = (5.0, 16.0)  # robin-stocks' 16 s for POSTs
MAX_PAGES = 20


def url(path: str) -> str:
    return f"{API}/{path.lstrip('/')}"


class RobinhoodApi:
    """Typed GET (retried) and POST (never retried) over ``http``, robin-stocks' session."""

    def __init__(
        self, http: requests.Session, *, get_timeout: tuple[float, float] = GET_TIMEOUT,
        order_timeout: tuple[float, float] = ORDER_TIMEOUT, retries: int = 2,
        max_wait: float = 5.0, sleep: Callable[[float], None] = time.sleep,
    ) -> None:  # fmt: skip
        self.http = http
        self.get_timeout = get_timeout
        self.order_timeout = order_timeout
        self.retries = retries
        self.max_wait = max_wait  # longer throttles are raised, never slept through here
        self._sleep = sleep

    def _send(
        self, method: str, target: str, *, params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None, timeout: tuple[float, float],
    ) -> tuple[int, Any]:  # fmt: skip
        status, data = send_json(
            self.http, method, target, params=params, json_body=body, timeout=timeout
        )
        if status == 401:
            raise AuthenticationRequired(message_of(data) or "the Robinhood session expired")
        return status, data

    def get(self, target: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """One object; retried after network failures, 5xx and short throttles."""
        attempt = 0
        while True:
            try:
                status, data = self._send("GET", target, params=params, timeout=self.get_timeout)
                break
            except RateLimited as exc:
                wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
                if attempt >= self.retries or wait > self.max_wait:
                    raise
            except BrokerUnavailable:
                if attempt >= self.retries:
                    raise
                wait = 0.25 * 2**attempt
            attempt += 1
            self._sleep(wait)
        if status >= 400:
            raise BrokerError(message_of(data) or f"Robinhood answered {status}")
        if not isinstance(data, dict):
            raise BrokerUnavailable("Robinhood answered a list where an object was expected")
        return data

    def get_all(self, target: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Every ``results`` entry, following ``next`` links; a failed page raises (never a
        partial list passed on as complete)."""
        rows: list[dict[str, Any]] = []
        page: str | None = target
        for _ in range(MAX_PAGES):
            if page is None:
                return rows
            data = self.get(page, params if page == target else None)
            rows.extend(r for r in data.get("results") or [] if isinstance(r, dict))
            page = data.get("next") or None
        raise BrokerUnavailable(f"more than {MAX_PAGES} pages at {target}")

    def post(self, target: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """``(status, json)`` for answers below 500; never retried (it may act twice)."""
        return self._send("POST", target, body=body, timeout=self.order_timeout)
