"""Sends every Robinhood request to ``ROBINHOOD_API_URL``, always with a timeout.

robin-stocks builds absolute ``https://api.robinhood.com/...`` URLs (and
Robinhood's ``next`` links are absolute too). :class:`RobinhoodAdapter`, a
``requests`` transport adapter mounted on the session, rewrites that prefix to
the configured address and gives every request a timeout when the caller set
none (robin-stocks sets none on GET and DELETE). Plain ``http`` is accepted
only for a loopback address (a local fake or recording proxy).
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

from app.config import ROBINHOOD_API, check_api_url

__all__ = ["ROBINHOOD_API", "RobinhoodAdapter", "api_url", "check_api_url", "install"]
DEFAULT_TIMEOUT = (5.0, 20.0)  # connect, read (seconds)


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
