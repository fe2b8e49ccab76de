"""Helpers for the gateway tests (importable: tests/support is on pytest's path)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import keyring
import pytest
from fake_robinhood import FakeRobinhood
from memory_keyring import MemoryKeyring

from app.core.bus import EventBus
from app.core.events import Event
from app.gateway.events import ChallengeIssued
from app.gateway.login_flow import Timings
from app.gateway.service import GatewayService

FAST = Timings(poll_seconds=0.01, prompt_timeout=5, code_timeout=5, workflow_timeout=5)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def fake() -> Iterator[FakeRobinhood]:
    """The fake Robinhood on a free loopback port, for one test."""
    with FakeRobinhood() as server:
        yield server


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory keyring selected for one test (the machine has no OS keyring)."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


class Recorder:
    """Every event the gateway published, in order."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        bus.subscribe(Event, self.events.append)

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def answer_codes(bus: EventBus, gateway: GatewayService, codes: list[str]) -> list[str]:
    """Answer each code challenge with the next code (as the user would); returns the
    messages shown."""
    shown: list[str] = []

    def on_challenge(event: ChallengeIssued) -> None:
        shown.append(event.message)
        if event.status.challenge is not None and event.status.challenge.asks_for_code:
            code = codes.pop(0)
            asyncio.get_running_loop().call_soon(gateway.submit_code, code)

    bus.subscribe(ChallengeIssued, on_challenge)
    return shown
