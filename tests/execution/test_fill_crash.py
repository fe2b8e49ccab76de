"""A fill's effects are all or nothing: a real process killed (SIGKILL) after the portfolio
booked a fill and before compliance recorded it leaves neither, and the next start applies
both (the portfolio's transaction, the day trade and the settlement ledger)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.composition import build_app
from app.config import Settings
from app.core.clock import SimulatedClock
from app.marketdata.feeds.manual import ManualFeed

REPO = Path(__file__).resolve().parents[2]
START = "2026-11-24T15:00:00+00:00"  # Tuesday 10:00 New York

CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from datetime import datetime
    from decimal import Decimal

    from app.compliance.service import ComplianceService
    from app.composition import build_app
    from app.config import Settings
    from app.core.clock import SimulatedClock
    from app.core.models import Quote
    from app.marketdata.feeds.manual import ManualFeed

    folder, kill_at = sys.argv[1], int(sys.argv[2])
    record = ComplianceService.record
    calls = [0]

    def record_or_die(self, fill):
        calls[0] += 1
        if calls[0] == kill_at:  # the portfolio has booked this fill, compliance has not
            print("killed", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        return record(self, fill)

    ComplianceService.record = record_or_die

    async def main():
        clock = SimulatedClock(datetime.fromisoformat(START))
        settings = Settings().replace(paper_latency_ms=0)
        ctx = build_app(settings, data_dir=folder, clock=clock, feed=ManualFeed(),
                        bar_store=False)
        await ctx.start()
        p, half = Decimal("10"), Decimal("0.01")
        await ctx.market_data.on_quote(
            Quote("TQQQ", p - half, p + half, p, Decimal(1000), Decimal(1000), clock.now()))
        await ctx.execution.buy("TQQQ", quantity=Decimal("1"))
        await ctx.execution.sell("TQQQ", quantity=Decimal("1"))
        await ctx.stop()
        print("stopped cleanly", flush=True)

    asyncio.run(main())
    """
).replace("START", repr(START))


def run_child(folder: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    script = folder / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(script), str(folder / "data"), str(kill_at)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def read(database: Path, sql: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(database)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


async def restart(folder: Path) -> tuple[int, Decimal | None]:
    """Start the app on the same file (it reconciles), stop it; day trades and position."""
    from datetime import datetime

    clock = SimulatedClock(datetime.fromisoformat(START))
    settings = Settings().replace(paper_latency_ms=0)
    ctx = build_app(settings, data_dir=folder, clock=clock, feed=ManualFeed(), bar_store=False)
    await ctx.start()
    try:
        position = ctx.portfolio.get_position("TQQQ")
        return ctx.compliance.status().own_count, None if position is None else position.quantity
    finally:
        await ctx.stop()


def settlement_ledger(database: Path) -> dict[str, Any]:
    (row,) = read(database, "SELECT value FROM state_row WHERE key = 'settlement_ledger'")
    return dict(json.loads(str(row[0])))


def test_killed_between_portfolio_and_compliance_applies_both_on_restart(tmp_path: Path) -> None:
    killed = run_child(tmp_path, kill_at=2)  # the sell's fill
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr[-3000:]
    assert "killed" in killed.stdout
    database = tmp_path / "data" / "paper.sqlite3"
    fills = read(database, "SELECT execution_id, side, applied FROM fill_row ORDER BY id")
    assert [(side, applied) for _, side, applied in fills] == [("buy", 1), ("sell", 0)]
    # nothing of the sell's effects survived the kill: no half-applied fill
    assert read(database, "SELECT COUNT(*) FROM transaction_row") == [(1,)]
    assert read(database, "SELECT COUNT(*) FROM day_trade_row") == [(0,)]
    before = settlement_ledger(database)  # the buy's shares held, no sale proceeds
    assert [lot[0] for lot in before["lots"]] == ["TQQQ"] and before["unsettled"] == []

    day_trades, position = asyncio.run(restart(tmp_path / "data"))
    assert (day_trades, position) == (1, None)
    assert read(database, "SELECT COUNT(*) FROM fill_row WHERE applied = 0") == [(0,)]
    assert read(database, "SELECT COUNT(*) FROM transaction_row") == [(2,)]
    after = settlement_ledger(database)  # the sale folded in: shares gone, proceeds unsettled
    assert after["lots"] == [] and len(after["unsettled"]) == 1
    # and a second start changes nothing
    assert asyncio.run(restart(tmp_path / "data")) == (1, None)
    assert settlement_ledger(database) == after
    assert read(database, "SELECT COUNT(*) FROM transaction_row") == [(2,)]
    assert read(database, "SELECT COUNT(*) FROM fill_row") == [(2,)]
