"""Sends every Robinhood request to ``ROBINHOOD_API_URL``, always with a timeout.

robin-stocks builds absolute ``https://api.robinhood.com/...`` URLs (and
Robinhood's ``next`` links are absolute too). :class:`RobinhoodAdapter`, a
``requests`` transport adapter mounted on the session, rewrites that prefix to
the configured address and gives every request a timeout when the caller set
none (robin-stocks sets none on GET and DELETE). Plain ``http`` is accepted
only for a loopback address (a local fake or recording proxy).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

ROBINHOOD_API = "https://api.robinhood.com"
DEFAULT_TIMEOUT = (5.0, 20.0)  # connect, read (seconds)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_api_url(url: str) -> str:
    """The URL without a trailing slash; ValueError says what is wrong with it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"must be an http(s) address such as {ROBINHOOD_API}, got {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError("plain http is allowed only to a loopback address (127.0.0.1)")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must not carry a query, fragment or credentials")
    return url.strip().rstrip("/")


class RobinhoodAdapter(HTTPAdapter):
    """Rewrites ``https://api.robinhood.com`` to ``base_url``; default timeout on every send."""

    def __init__(self, base_url: str, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        super().__init__(max_retries=0)
        self.base_url = check_api_url(base_url)
        self.timeout = timeout

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, timeout: Any = None, **kwargs: Any
    ) -> requests.Response:
        url = request.url or ""
        if url.startswith(ROBINHOOD_API + "/"):
            request.url = self.base_url + url[len(ROBINHOOD_API) :]
        return super().send(request, timeout=timeout or self.timeout, **kwargs)


def install(session: requests.Session, base_url: str) -> RobinhoodAdapter:
    """Mount the adapter for Robinhood's address and for ``base_url`` itself."""
    adapter = RobinhoodAdapter(base_url)
    session.mount(ROBINHOOD_API + "/", adapter)
    session.mount(adapter.base_url + "/", adapter)
    return adapter


def api_url(path: str) -> str:
    """An absolute Robinhood URL for ``path`` (the adapter sends it to the configured host)."""
    return f"{ROBINHOOD_API}/{path.lstrip('/')}"
