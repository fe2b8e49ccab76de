"""Builds the gateway for one ``ROBINHOOD_API_URL``: session transport, keyring store, worker.

Used by the composition root (live mode) and the ``login`` / ``logout`` /
``status`` commands, so both run the same gateway.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend

from app.core.bus import EventBus
from app.core.clock import Clock
from app.gateway.client import RobinhoodClient
from app.gateway.login_flow import Timings
from app.gateway.service import GatewayService
from app.gateway.store import TokenStore
from app.gateway.transport import ROBINHOOD_API, check_api_url, install
from app.gateway.worker import Worker

KEYRING_SERVICE = "Sherwood Robinhood"


def keyring_service(api_url: str) -> str:
    """One keyring entry per API address: a session for a local fake or proxy never
    passes for a Robinhood one."""
    url = check_api_url(api_url)
    return KEYRING_SERVICE if url == ROBINHOOD_API else f"{KEYRING_SERVICE} ({url})"


def build_gateway(
    bus: EventBus, clock: Clock, api_url: str = ROBINHOOD_API, *,
    timings: Timings | None = None, backend: KeyringBackend | None = None,
) -> GatewayService:  # fmt: skip
    client = RobinhoodClient()
    install(client.session, api_url)
    store = TokenStore(keyring_service(api_url), backend)
    return GatewayService(bus, clock, client, store, Worker(), timings)
