"""``/auth/login|code|logout|status`` through the real gateway against the fake Robinhood."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from api_harness import API_SETTINGS, TUESDAY_10_NY, Api
from fake_robinhood import FakeRobinhood
from gateway_support import FAST, PASSWORD
from memory_keyring import MemoryKeyring

from app.api.client import ApiClient
from app.api.server import ApiServer
from app.cli import exits, via_api
from app.composition import api_server, build_app
from app.config import Settings
from app.core.clock import LiveClock, SimulatedClock
from app.gateway.factory import build_gateway


@pytest.fixture
async def session_api(
    tmp_path: Path, fake: FakeRobinhood, memory_keyring: MemoryKeyring
) -> AsyncIterator[Api]:
    settings = Settings().replace(**{**API_SETTINGS, "api_enabled": False})
    ctx = build_app(settings, data_dir=tmp_path, clock=SimulatedClock(TUESDAY_10_NY))
    await ctx.start()
    gateway = build_gateway(ctx.bus, LiveClock(), fake.url, timings=FAST)
    await gateway.start()
    backends = dataclasses.replace(api_server(ctx).backends, session=gateway)
    server = ApiServer(backends, ctx.bus, tmp_path, port=0)
    assert await server.start()
    assert server.url is not None and server.token_file is not None
    try:
        async with aiohttp.ClientSession() as http:
            yield Api(ctx, server.url, server.token_file.read_text().strip(), http)
    finally:
        await server.stop()
        await gateway.stop()
        await ctx.stop()


async def test_login_status_logout(session_api: Api, fake: FakeRobinhood) -> None:
    api = session_api
    fake.add_user("alice", PASSWORD, mfa="totp", code="314159")
    _, before = await api.call("GET", "/auth/status")
    assert before["authenticated"] is False and before["state"] == "logged out"
    body = {"username": "alice", "password": PASSWORD, "mfa_code": "314159"}
    status, answer = await api.call("POST", "/auth/login", body)
    assert status == 200, answer
    assert answer["success"] is True and answer["authenticated"] is True
    assert answer["username"] == "alice" and "+00:00" in answer["expires_at"]
    assert PASSWORD not in str(answer)
    _, now = await api.call("GET", "/auth/status")
    assert now["authenticated"] is True and now["username"] == "alice"
    status, out = await api.call("POST", "/auth/logout")
    assert status == 200 and out == {"success": True, "revoked": True}
    _, after = await api.call("GET", "/auth/status")
    assert after["authenticated"] is False and fake.live_tokens() == 0


async def test_a_challenge_is_answered_by_a_second_request(
    session_api: Api, fake: FakeRobinhood
) -> None:
    api = session_api
    fake.add_user("sam", PASSWORD, mfa="sms_mfa", code="777111")
    login = asyncio.create_task(
        api.call("POST", "/auth/login", {"username": "sam", "password": PASSWORD})
    )
    status: dict[str, object] = {}
    while status.get("state") != "challenge":
        await asyncio.sleep(0.02)
        _, status = await api.call("GET", "/auth/status")
    assert status["challenge"] == "sms" and "text message" in str(status["detail"])
    code_status, _ = await api.call("POST", "/auth/code", {"code": "777111"})
    assert code_status == 200
    status_code, answer = await asyncio.wait_for(login, 10)
    assert status_code == 200 and answer["authenticated"] is True
    status_code, body = await api.call("POST", "/auth/code", {"code": "1"})
    assert status_code == 409 and body["error"] == "no_challenge"


async def test_wrong_password_is_400_with_the_reason_and_never_logged(
    session_api: Api, fake: FakeRobinhood, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.add_user("alice", PASSWORD)
    wrong = "not-the-password-1234"
    status, answer = await session_api.call(
        "POST", "/auth/login", {"username": "alice", "password": wrong}
    )
    assert status == 400 and answer["error"] == "login_failed" and answer["reason"]
    assert wrong not in caplog.text and wrong not in str(answer)
    _, now = await session_api.call("GET", "/auth/status")
    assert now["authenticated"] is False


async def test_sherwood_login_and_logout_through_the_running_app(
    session_api: Api, fake: FakeRobinhood, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add_user("sam", PASSWORD, mfa="sms_mfa", code="777111")
    client = ApiClient(session_api.url, session_api.token)
    asked: list[str] = []

    def read_code(prompt: str) -> str:
        asked.append(prompt)
        return "777111"

    code = await asyncio.to_thread(via_api.login, client, "sam", PASSWORD, None, read_code)
    assert code == exits.OK
    assert len(asked) == 1 and "text message" in asked[0]
    assert "Logged in to Robinhood as sam in the running Sherwood" in capsys.readouterr().out
    _, status = await session_api.call("GET", "/auth/status")
    assert status["authenticated"] is True
    code = await asyncio.to_thread(via_api.login, client, "sam", "wrong-password", None, read_code)
    assert code == exits.REFUSED
    assert await asyncio.to_thread(via_api.logout, client) == exits.OK
    assert fake.live_tokens() == 0
