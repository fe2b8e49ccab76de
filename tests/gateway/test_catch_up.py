"""SessionCatchUp on the real gateway against the fake Robinhood: a login after a time
without a session runs the catch-up once; a session that stayed (renewed in between)
runs nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from fake_robinhood import FakeRobinhood
from live_robinhood import logged_in_gateway, running_fake

from app.gateway.catch_up import SessionCatchUp
from app.gateway.service import GatewayService


@pytest.fixture
def fake() -> Iterator[FakeRobinhood]:
    with running_fake() as server:
        yield server


@pytest.fixture
async def gateway(fake: FakeRobinhood) -> AsyncIterator[GatewayService]:
    async with logged_in_gateway(fake) as made:
        yield made


async def test_only_a_login_after_no_session_catches_up(gateway: GatewayService) -> None:
    runs: list[str] = []

    async def catch_up() -> None:
        runs.append(gateway.status.username)

    catcher = SessionCatchUp(gateway.bus, catch_up)
    await gateway.logout()  # before the services run: not armed yet
    await gateway.login("dave", "hunter2")
    assert runs == []
    await catcher.follow(gateway.status)  # armed at start, logged in
    assert await gateway.refresh()  # a renewed token: the session never went away
    await gateway.bus.flush()
    assert runs == []
    await gateway.logout()
    await gateway.login("dave", "hunter2")
    await gateway.bus.flush()
    assert runs == ["dave"]
    await gateway.refresh()
    await gateway.bus.flush()
    assert runs == ["dave"]  # once per login after a gap


async def test_armed_while_logged_out_the_first_login_catches_up(
    gateway: GatewayService,
) -> None:
    runs: list[int] = []

    async def catch_up() -> None:
        runs.append(1)

    catcher = SessionCatchUp(gateway.bus, catch_up)
    await gateway.logout()
    await catcher.follow(gateway.status)  # the app started without a session
    await gateway.login("dave", "hunter2")
    await gateway.bus.flush()
    assert runs == [1]
