"""One HTTP request to Robinhood, its answer a (status, JSON) pair or a typed error.

The gateway's login calls and the broker's order and account calls go through the same
robin-stocks ``requests`` session; this is the one place that turns what comes back into
Sherwood's errors: no network or a timeout -> ``BrokerUnavailable``; 429 ->
``RateLimited`` with the seconds Robinhood named; 5xx -> ``ServerError``; an answer
that is not JSON -> ``UnexpectedAnswer``. Every other status is returned for the caller
to read (a login's 400, an order's refusal, a 401).
"""

from __future__ import annotations

import re
from typing import Any

import requests

from app.core.errors import BrokerUnavailable, RateLimited
from app.gateway.errors import ServerError, UnexpectedAnswer
from app.gateway.tokens import redact

_RETRY = re.compile(r"available in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)

Timeout = float | tuple[float, float] | None


def message_of(data: Any) -> str:
    """Robinhood's own words from an error answer, on one line, tokens masked.

    ``detail`` (and its kin) when present, else every field's messages
    (``quantity: ...; price: ...``), ``non_field_errors`` without a prefix.
    """
    if not isinstance(data, dict):
        return ""
    for key in ("detail", "error_description", "error", "message"):
        if isinstance(data.get(key), str) and data[key]:
            return redact(data[key])
    parts = []
    for key, value in data.items():
        items = value if isinstance(value, list) else [value]
        texts = [str(v) for v in items if isinstance(v, str)]
        if texts:
            prefix = "" if key == "non_field_errors" else f"{key}: "
            parts.append(prefix + " ".join(texts))
    return redact("; ".join(parts))


def retry_after(data: Any, response: requests.Response) -> float | None:
    """The seconds to wait after a 429: "Expected available in N seconds", else Retry-After."""
    match = _RETRY.search(message_of(data))
    if match:
        return float(match.group(1))
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def send_json(
    session: requests.Session,
    method: str,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
    json_body: dict[str, Any] | None = None,
    timeout: Timeout = None,
) -> tuple[int, Any]:
    """``(status, JSON)`` for any answer below 500 except 429; raises for the rest."""
    # robin-stocks' session says form-encoded by default: name a JSON body's type
    headers = {"Content-Type": "application/json"} if json_body is not None else None
    try:
        response = session.request(
            method, url, params=params, data=form, json=json_body, headers=headers,
            timeout=timeout,
        )  # fmt: skip
    except requests.Timeout:
        raise BrokerUnavailable(f"Robinhood did not answer in time ({method})") from None
    except requests.RequestException as exc:
        raise BrokerUnavailable(
            f"could not reach Robinhood ({type(exc).__name__}); check the connection"
        ) from None
    try:
        data: Any = response.json() if response.content else {}
    except ValueError:
        data = None
    status = response.status_code
    if status == 429:
        text = message_of(data) or "Robinhood is throttling requests"
        raise RateLimited(text, retry_after(data, response))
    if status >= 500:
        raise ServerError(status, f"Robinhood had a server error ({status}); try again later")
    if data is None:
        raise UnexpectedAnswer(f"Robinhood answered {status} without JSON")
    return status, data
