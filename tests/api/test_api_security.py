"""Nobody else gets in: token, loopback Host, no CORS unless configured, private files."""

from __future__ import annotations

import json
import logging
import socket
import stat
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from api_harness import API_SETTINGS, TUESDAY_10_NY, Api, read_api_json

from app.api import openapi
from app.composition import build_app
from app.config import Settings
from app.core.clock import SimulatedClock


def _example(path: str) -> str:
    return path.replace("{symbol}", "TQQQ").replace("{order_id}", "x")


async def test_every_endpoint_refuses_a_missing_or_wrong_token(api: Api) -> None:
    before = len(api.ctx.execution.orders(1000))
    for path, operations in openapi.PATHS.items():
        for verb in operations:
            url = api.url + _example(path)
            async with api.http.request(verb.upper(), url, json={"symbol": "TQQQ"}) as response:
                assert response.status == 401, (verb, path)
                body = await response.json()
                assert body["error"] == "unauthorized" and "Bearer" in body["reason"]
            status, body = await api.call(verb.upper(), _example(path), token="not-the-token")
            assert (status, body["reason"]) == (401, "wrong token"), (verb, path)
    assert len(api.ctx.execution.orders(1000)) == before


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "192.168.1.20", "127.0.0.1.evil.example"]
)
async def test_a_foreign_host_is_refused_even_with_the_token(api: Api, host: str) -> None:
    status, body = await api.call("POST", "/orders/buy", {"symbol": "TQQQ", "dollars": "5"},
                                  headers={"Host": host})  # fmt: skip
    assert status == 403 and body["error"] == "forbidden_host", body
    assert api.ctx.execution.orders(10) == []


async def test_loopback_names_are_accepted(api: Api) -> None:
    port = api.url.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "localhost"):
        status, _ = await api.call("GET", "/health", headers={"Host": host})
        assert status == 200, host


async def test_no_cors_headers_unless_configured(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token}", "Origin": "https://evil.example"}
    async with api.http.get(api.url + "/health", headers=headers) as response:
        assert response.status == 200
        assert not [h for h in response.headers if h.lower().startswith("access-control")]
    async with api.http.options(api.url + "/health", headers=headers) as response:
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_configured_origin_gets_cors_headers_and_others_do_not(tmp_path: Path) -> None:
    settings = Settings().replace(**API_SETTINGS, api_cors_origins="http://localhost:3000")
    ctx = build_app(settings, data_dir=tmp_path, clock=SimulatedClock(TUESDAY_10_NY))
    await ctx.start()
    try:
        url, token = read_api_json(tmp_path)
        async with aiohttp.ClientSession() as http:
            allowed = {"Origin": "http://localhost:3000"}
            async with http.options(url + "/health", headers=allowed) as preflight:
                assert preflight.status == 204
                assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
            sent = {"Authorization": f"Bearer {token}"}
            async with http.get(url + "/health", headers={**sent, **allowed}) as response:
                assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
            other = {**sent, "Origin": "http://evil.example"}
            async with http.get(url + "/health", headers=other) as response:
                assert "Access-Control-Allow-Origin" not in response.headers
    finally:
        await ctx.stop()


async def test_token_and_api_json_are_private_and_the_token_survives_restarts(
    tmp_path: Path,
) -> None:
    settings = Settings().replace(**API_SETTINGS)
    tokens = []
    for _ in range(2):
        ctx = build_app(settings, data_dir=tmp_path, clock=SimulatedClock(TUESDAY_10_NY))
        await ctx.start()
        try:
            found = json.loads((tmp_path / "api.json").read_text())
            assert found["url"].startswith("http://127.0.0.1:")
            token_file = Path(found["token_file"])
            assert token_file.parent == tmp_path
            for path in (tmp_path / "api.json", token_file):
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
            tokens.append(token_file.read_text().strip())
        finally:
            await ctx.stop()
        assert not (tmp_path / "api.json").exists()  # removed when the API stops
    assert tokens[0] == tokens[1] and len(tokens[0]) >= 32


async def test_off_by_default(tmp_path: Path) -> None:
    ctx = build_app(Settings(), data_dir=tmp_path, clock=SimulatedClock(TUESDAY_10_NY))
    await ctx.start()
    try:
        assert ctx.api is None and not (tmp_path / "api.json").exists()
    finally:
        await ctx.stop()


async def test_the_login_password_is_never_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "hunter2-Secret-Password"
    body = {"username": "me@example.com", "password": secret, "mfa_code": "123456"}
    status, answer = await api.call("POST", "/auth/login", body)
    assert status == 503 and secret not in json.dumps(answer)
    status, answer = await api.call("POST", "/auth/login", body, token="wrong")
    assert status == 401
    assert secret not in caplog.text
    for log_file in api.ctx.data_dir.rglob("*.log*"):
        assert secret not in log_file.read_text(errors="replace")


async def test_a_taken_port_leaves_the_app_running_without_the_api(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = Settings().replace(**{**API_SETTINGS, "api_port": port})
        ctx = build_app(settings, data_dir=tmp_path, clock=SimulatedClock(TUESDAY_10_NY))
        await ctx.start()
        try:
            assert ctx.api is not None and ctx.api.url is None
            assert not (tmp_path / "api.json").exists()
            order = await ctx.execution.buy("TQQQ", quantity=Decimal("1"))
            assert order.status.value in ("accepted", "filled")
        finally:
            await ctx.stop()
