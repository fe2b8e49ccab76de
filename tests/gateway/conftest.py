"""Gateway fixtures: a fake Robinhood on 127.0.0.1, an in-memory keyring, a gateway on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from fake_robinhood import FakeRobinhood
from gateway_support import FAST, Recorder
from keyring.backend import KeyringBackend
from memory_keyring import MemoryKeyring

from app.core.bus import EventBus
from app.core.clock import LiveClock
from app.gateway.factory import build_gateway
from app.gateway.login_flow import Timings
from app.gateway.service import GatewayService


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def recorder(bus: EventBus) -> Recorder:
    return Recorder(bus)


@pytest.fixture
async def make_gateway(
    fake: FakeRobinhood, bus: EventBus, memory_keyring: MemoryKeyring
) -> AsyncIterator[Callable[..., GatewayService]]:
    made: list[GatewayService] = []

    def make(
        timings: Timings = FAST, backend: KeyringBackend | None = None, url: str | None = None
    ) -> GatewayService:
        gateway = build_gateway(bus, LiveClock(), url or fake.url, timings=timings,
                                backend=backend)  # fmt: skip
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        await gateway.stop()


@pytest.fixture
async def gateway(make_gateway: Callable[..., GatewayService]) -> GatewayService:
    made = make_gateway()
    await made.start()
    return made
