"""The command line through a running Sherwood's API: ``sherwood status`` (a real process),
orders through :mod:`app.cli.via_api`, and a stale ``api.json`` not taken for a running app."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from decimal import Decimal
from pathlib import Path

from api_harness import Api, filled

from app.api.client import find_running
from app.cli import exits, via_api

REPO = Path(__file__).resolve().parents[2]


async def sherwood(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", *args, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_sherwood_status_asks_the_running_app(api: Api) -> None:
    folder = api.ctx.data_dir
    _, body = await api.call("POST", "/orders/buy", {"symbol": "TQQQ", "quantity": "2"})
    await filled(api, body["order_id"])
    code, out, err = await sherwood("status", "--data-dir", str(folder))
    assert code == exits.OK, err
    assert f"Sherwood is running at {api.url}: paper mode" in out
    assert "TQQQ" in out and "Day trades (last 5 sessions): 0 of 3" in out
    assert "Open orders: 0" in out


async def test_sherwood_buy_and_sell_go_through_the_running_app(api: Api) -> None:
    folder = str(api.ctx.data_dir)
    code, out, err = await sherwood("buy", "TQQQ", "--dollars", "5", "--data-dir", folder)
    assert code == exits.OK, err
    assert f"through the running Sherwood at {api.url}" in out
    assert "state: filled" in out and "average price $" in out
    order_id = out.split("client order id: ", 1)[1].split(" ", 1)[0]
    journal = [o.client_order_id for o in api.ctx.execution.orders(100)]
    assert journal.count(order_id) == 1
    code, out, err = await sherwood("buy", "TQQQ", "--dollars", "900", "--data-dir", folder)
    assert code == exits.REFUSED and "state: denied" in out and "MAX_INVESTMENT" in out
    code, out, err = await sherwood("sell", "TQQQ", "--shares", "0.05", "--data-dir", folder)
    assert code == exits.OK and "state: filled" in out, err
    _, positions = await api.call("GET", "/portfolio/positions")
    assert Decimal(positions["positions"][0]["quantity"]) < Decimal("0.1")


async def test_a_bad_order_through_the_running_app_is_a_usage_error(api: Api, capsys) -> None:
    client = await asyncio.to_thread(find_running, api.ctx.data_dir)
    assert client is not None and client.url == api.url
    code = await asyncio.to_thread(via_api.order, client, "sell", "??", quantity=Decimal("1"))
    assert code == exits.USAGE and "not a valid symbol" in capsys.readouterr().err
    assert api.ctx.execution.orders(100) == []


async def test_logout_without_a_gateway_falls_back(api: Api) -> None:
    client = await asyncio.to_thread(find_running, api.ctx.data_dir)
    assert client is not None
    assert await asyncio.to_thread(via_api.logout, client) is None
    login = await asyncio.to_thread(via_api.login, client, "me", "pw", None, lambda _p: None)
    assert login is None  # paper mode has no Robinhood session: the command works alone


def test_a_stale_api_json_is_not_a_running_app(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "api-token").write_text("x" * 43)
    (tmp_path / "api.json").write_text(json.dumps(
        {"url": f"http://127.0.0.1:{port}", "token_file": str(tmp_path / "api-token"), "pid": 1}
    ))  # fmt: skip
    assert find_running(tmp_path) is None
    assert find_running(tmp_path / "nothing-here") is None
