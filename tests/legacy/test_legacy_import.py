"""Importing the original bots' transactions.json: the app starts on it, the paper account holds
the imported position (and sells it), a log that sells shares it does not hold is refused
naming the record and writes nothing, and the import waits for Sherwood to quit."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app.composition import build_app
from app.config import Settings
from app.core.clock import SimulatedClock
from app.core.models import OrderSource, OrderStatus
from app.storage import instance_lock

REPO = Path(__file__).resolve().parents[2]
WEDNESDAY_11_NY = datetime(2025, 3, 5, 16, 0, tzinfo=UTC)

LOG = {
    "transactions": [
        {"type": "BUY", "symbol": "TQQQ", "quantity": 2, "price": 50.10, "total_cost": 100.20,
         "timestamp": "2025-03-03T10:05:00", "order_id": "a1"},
        {"type": "SELL", "symbol": "TQQQ", "quantity": 2, "price": 50.70, "total_proceeds": 101.4,
         "profit_loss": 1.2, "profit_loss_pct": 1.2, "timestamp": "2025-03-03T15:30:00",
         "order_id": "a2"},
        {"type": "BUY", "symbol": "TQQQ", "quantity": 3, "price": 49.00, "total_cost": 147.0,
         "timestamp": "2025-03-04T10:00:00", "order_id": "a3"},
    ],
    "day_trades": ["2025-03-03T15:30:00"],
    "current_position": {"symbol": "TQQQ", "quantity": 3},
    "last_updated": "2025-03-04T10:00:00",
}  # fmt: skip


def _write(tmp_path: Path, document: object, *, bom: bool = False) -> Path:
    path = tmp_path / "transactions.json"
    path.write_text(json.dumps(document), encoding="utf-8-sig" if bom else "utf-8")
    return path


def _import(*args: str, script: bool = False) -> subprocess.CompletedProcess[str]:
    command = (
        [sys.executable, str(REPO / "legacy" / "import_transactions.py")]
        if script
        else [sys.executable, "-m", "app", "import-legacy"]
    )
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=120, cwd=REPO,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )  # fmt: skip


def test_the_app_starts_on_an_imported_log_and_sells_the_position(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = _import(str(_write(tmp_path, LOG)), "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert "imported 3" in result.stdout

    async def body() -> None:
        settings = Settings().replace(paper_latency_ms=0)
        clock = SimulatedClock(WEDNESDAY_11_NY, speed=50)
        ctx = build_app(settings, data_dir=data, clock=clock)
        await ctx.start()  # used to die: 'legacy' is not a valid OrderSource
        try:
            position = ctx.portfolio.get_position("TQQQ")
            assert position is not None and position.quantity == 3
            assert {p.symbol: p.quantity for p in await ctx.broker.positions()} == {"TQQQ": 3}
            assert ctx.portfolio.pnl().realized == Decimal("1.20")  # (50.70 - 50.10) x 2
            account = await ctx.broker.account()
            assert account.cash == settings.paper_starting_cash - Decimal("100.20") + Decimal(
                "101.40"
            ) - Decimal("147.00")
            assert ctx.compliance.status().used == 1  # the Monday round trip
            imported = ctx.execution.orders(10)
            assert {o.request.source for o in imported} == {OrderSource.LEGACY}
            while ctx.market_data.latest_quote("TQQQ") is None:
                await asyncio.sleep(0.01)
            order = await ctx.execution.sell("TQQQ", quantity=Decimal("3"))
            for _ in range(500):
                if ctx.execution.store.get(order.client_order_id).status.is_terminal:
                    break
                await asyncio.sleep(0.01)
            sold = ctx.execution.store.get(order.client_order_id)
            assert sold.status is OrderStatus.FILLED, sold.reason
            assert ctx.portfolio.get_position("TQQQ") is None
        finally:
            await ctx.stop()

    asyncio.run(body())


def test_a_log_selling_shares_it_does_not_hold_is_refused_and_writes_nothing(
    tmp_path: Path,
) -> None:
    broken = {"transactions": [
        {"type": "BUY", "symbol": "TQQQ", "quantity": 2, "price": 50, "timestamp":
         "2025-03-03T10:00:00", "order_id": "b1"},
        {"type": "SELL", "symbol": "TQQQ", "quantity": 5, "price": 51, "timestamp":
         "2025-03-03T11:00:00", "order_id": "b2"},
    ]}  # fmt: skip
    data = tmp_path / "data"
    result = _import(str(_write(tmp_path, broken)), "--data-dir", str(data))
    assert result.returncode == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1, line
    assert "transactions[1] (SELL 5 TQQQ" in line and "holds only 2" in line
    assert "nothing was imported" in line
    assert not data.exists()  # checked before anything is touched: no database, no lock


def test_a_log_the_paper_account_cannot_follow_leaves_no_database_behind(tmp_path: Path) -> None:
    costly = {"transactions": [
        {"type": "BUY", "symbol": "TQQQ", "quantity": 1000, "price": 50, "timestamp":
         "2025-03-03T10:00:00", "order_id": "c1"},
    ]}  # fmt: skip
    data = tmp_path / "data"
    result = _import(str(_write(tmp_path, costly)), "--data-dir", str(data))
    assert result.returncode == 2
    assert "transactions[0] (BUY 1000 TQQQ" in result.stderr and "costs $50000.00" in result.stderr
    assert sorted(p.name for p in data.iterdir()) == []  # no empty database, no lock


def test_a_bad_record_names_itself(tmp_path: Path) -> None:
    broken = {"transactions": [LOG["transactions"][0], {"type": "SELL", "symbol": "TQQQ",  # type: ignore[index]
              "quantity": "two", "price": 1, "timestamp": "2025-03-03T11:00:00"}]}  # fmt: skip
    result = _import(str(_write(tmp_path, broken)), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert "transactions[1]" in result.stderr and "quantity" in result.stderr


def test_importing_twice_adds_nothing_and_a_bom_is_fine(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = _write(tmp_path, LOG, bom=True)  # saved by an editor that writes a BOM
    first = _import(str(path), "--data-dir", str(data), script=True)
    assert first.returncode == 0, first.stderr
    again = _import(str(path), "--data-dir", str(data))
    assert again.returncode == 0, again.stderr
    assert "imported 0, already present 3" in again.stdout


def test_the_import_waits_for_sherwood_to_quit(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    database = data / "paper.sqlite3"
    instance_lock.acquire(database)  # this test process plays the running app
    try:
        result = _import(str(_write(tmp_path, LOG)), "--data-dir", str(data))
    finally:
        instance_lock.release(database)
    assert result.returncode == 2
    assert "Sherwood is running" in result.stderr and "quit it" in result.stderr
    assert "--data-dir" not in result.stderr  # another folder would not import into this one


@pytest.mark.parametrize("script", [False, True])
def test_help_describes_every_argument(script: bool) -> None:
    result = _import("--help", script=script)
    assert result.returncode == 0
    for text in ("transactions.json", "--data-dir DIR", "data folder", "--timezone",
                 "time zone"):  # fmt: skip
        assert text in result.stdout
