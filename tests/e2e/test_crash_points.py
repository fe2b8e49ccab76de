"""Crash points: a real Sherwood process is killed (SIGKILL) after each commit step of an order
and of a fill, and at random moments; after a restart every invariant holds.

The child is the app itself: ``app.headless.run_app`` on a database file of the
test's folder, its clock 1800 times faster than real time, the bot trading the
simulated market. For the targeted kills the child's driver (test code, below)
wraps one storage method so that the process kills itself with SIGKILL right
after that step returned the Nth time: the journal's order row, the paper
broker's order, the broker's fill, the journal's fill, the portfolio's booking
and compliance's record. Whatever was in flight is lost as in a power cut.

After each crash the app is started again on the same file (it reconciles with
the broker and applies what was left), stopped cleanly, and the file is read
back: no order or execution twice, the broker and the journal hold the same
orders and fills, positions and cash equal a recompute from the fills, every
fill is booked, the day trades include every fill, and the settlement ledger's lots are
the shares the fills leave held.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from app.compliance.day_trades import count_day_trades
from app.core.models import Fill, Side
from app.storage.fields import UtcDateTime

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
CENT = Decimal("0.01")

DRIVER = textwrap.dedent(
    """
    import asyncio, importlib, os, signal, sys
    from pathlib import Path

    from app.config import resolve_settings
    from app.headless import run_app
    from app.logging_setup import setup_logging

    folder, point, nth, run_for = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    if point != "-":
        module_name, class_name, method_name = point.rsplit(".", 2)
        owner = getattr(importlib.import_module(module_name), class_name)
        original = getattr(owner, method_name)
        calls = [0]

        def wrapped(*args, **kwargs):
            result = original(*args, **kwargs)
            calls[0] += 1
            if calls[0] == nth:
                print(f"killed after {point} #{nth}", flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
            return result

        setattr(owner, method_name, wrapped)
    settings = resolve_settings(environ={"SIM_SPEED": "1800", "PAPER_LATENCY_MS": "200"})
    setup_logging(Path(folder), "INFO", console=False)
    asyncio.run(run_app(settings, folder, run_for, Path(folder) / "paper.sqlite3"))
    print("stopped cleanly", flush=True)
    """
)

# Each commit step of an order (journal, broker) and of a fill (broker, journal, portfolio,
# compliance), as the storage method that commits it.
KILL_POINTS = [
    "app.execution.journal.Journal.write_order",
    "app.brokers.paper_store.PaperStore.create_order",
    "app.brokers.paper_store.PaperStore.record_fill",
    "app.execution.journal.Journal.record_fill",
    "app.portfolio.store.PortfolioStore.book",
    "app.compliance.service.ComplianceService.record",
]


def run(folder: Path, point: str = "-", nth: int = 1, run_for: float = 4.0,
        timeout: float = 120.0) -> subprocess.CompletedProcess[str]:  # fmt: skip
    driver = folder / "driver.py"
    driver.write_text(DRIVER)
    return subprocess.run(
        [sys.executable, str(driver), str(folder), point, str(nth), str(run_for)],
        cwd=REPO, env=ENV, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def check_invariants(database: Path) -> dict[str, int]:
    """Read the file back and check every invariant; returns a few counts for the report."""
    db = sqlite3.connect(database)
    rows = db.execute(
        "SELECT execution_id, client_order_id, symbol, side, quantity, price, fee, time, applied "
        "FROM fill_row ORDER BY id"
    ).fetchall()

    def parse_time(text: str) -> datetime:
        when = UtcDateTime().python_value(text)
        assert when is not None
        return when

    fills = [
        Fill(execution_id=r[0], client_order_id=r[1], symbol=r[2], side=Side(r[3]),
             quantity=Decimal(r[4]), price=Decimal(r[5]), fee=Decimal(r[6] or "0"),
             time=parse_time(r[7]))
        for r in rows
    ]  # fmt: skip
    journal_ids = [f.execution_id for f in fills]
    assert len(journal_ids) == len(set(journal_ids)), "an execution was journaled twice"
    assert all(r[8] for r in rows), "a journaled fill was never applied to the portfolio"

    orders = [r[0] for r in db.execute("SELECT client_order_id FROM order_row")]
    broker_orders = [r[0] for r in db.execute("SELECT client_order_id FROM paper_order_row")]
    assert len(broker_orders) == len(set(broker_orders)), "the broker holds an order twice"
    assert set(broker_orders) <= set(orders), "the broker holds an order the journal lacks"
    broker_fills = [r[0] for r in db.execute("SELECT execution_id FROM paper_fill_row")]
    assert sorted(broker_fills) == sorted(journal_ids), "broker and journal fills differ"
    open_at_broker = {
        r[0] for r in db.execute("SELECT client_order_id FROM paper_order_row WHERE status IN "
                                 "('new', 'submitted', 'accepted', 'partially_filled')")
    }  # fmt: skip
    terminal = {
        r[0] for r in db.execute("SELECT client_order_id FROM order_row WHERE status IN "
                                 "('filled', 'cancelled', 'rejected', 'expired', 'denied')")
    }  # fmt: skip
    assert not open_at_broker & terminal, "an order open at the broker is closed in the journal"

    booked = [r[0] for r in db.execute("SELECT execution_id FROM transaction_row")]
    assert sorted(booked) == sorted(journal_ids), "portfolio transactions and fills differ"
    held: dict[str, Decimal] = defaultdict(Decimal)
    for fill in fills:
        held[fill.symbol] += fill.quantity if fill.side is Side.BUY else -fill.quantity
    positions = {
        r[0]: Decimal(r[1]) for r in db.execute("SELECT symbol, quantity FROM position_row")
    }
    broker_positions = {
        r[0]: Decimal(r[1]) for r in db.execute("SELECT symbol, quantity FROM paper_position_row")
    }
    expected = {symbol: q for symbol, q in held.items() if q != 0}
    assert {s: q for s, q in positions.items() if q != 0} == expected, "portfolio positions"
    assert {s: q for s, q in broker_positions.items() if q != 0} == expected, "broker positions"

    start, cash = (Decimal(v) for v in db.execute(
        "SELECT starting_cash, cash FROM paper_account_row").fetchone())  # fmt: skip
    for fill in fills:
        amount = money(fill.quantity * fill.price + fill.fee * fill.side.sign)
        start += -amount if fill.side is Side.BUY else amount
    assert cash == start, f"broker cash {cash} is not the recompute {start}"

    ledger_row = db.execute(
        "SELECT value FROM state_row WHERE key = 'settlement_ledger'").fetchone()  # fmt: skip
    lots: dict[str, Decimal] = defaultdict(Decimal)  # the bought shares it still tracks
    for symbol, quantity, _funded_until in json.loads(ledger_row[0])["lots"] if ledger_row else []:
        lots[symbol] += Decimal(quantity)
    assert {s: q for s, q in lots.items() if q} == expected, (
        "the settlement ledger's lots are not the shares the fills leave held (a fill missed "
        "or folded in twice)"
    )

    recorded = sorted(
        (r[0], r[1], r[2]) for r in db.execute(
            "SELECT symbol, trade_date, closing_execution_id FROM day_trade_row")
    )  # fmt: skip
    recomputed = sorted(
        (t.symbol, t.trade_date.isoformat(), t.closing_execution_id)
        for t in count_day_trades(fills)
    )
    assert recorded == recomputed, "day trades differ from a recount of the fills"
    db.close()
    return {"orders": len(orders), "fills": len(fills)}


@pytest.mark.parametrize("nth", [1, 2], ids=["first", "second"])
@pytest.mark.parametrize(
    "point", KILL_POINTS, ids=lambda p: p.rsplit(".", 2)[-2] + "." + p.rsplit(".", 1)[-1]
)
def test_a_kill_after_each_commit_step_leaves_every_invariant(
    tmp_path: Path, point: str, nth: int
) -> None:
    killed = run(tmp_path, point, nth, run_for=90)
    assert killed.returncode == -signal.SIGKILL, (
        f"the run was not killed after {point} #{nth} (exit {killed.returncode}):\n"
        + killed.stdout[-1000:]
        + killed.stderr[-3000:]
    )
    restarted = run(tmp_path, run_for=4)
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    assert "stopped cleanly" in restarted.stdout
    counts = check_invariants(tmp_path / "paper.sqlite3")
    assert counts["orders"] >= nth


def test_random_kills_then_a_clean_restart_leave_every_invariant(tmp_path: Path) -> None:
    chance = random.Random(20261204)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    kills = 0
    for _ in range(12):
        child = subprocess.Popen(
            [sys.executable, str(driver), str(tmp_path), "-", "0", "60"],
            cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(chance.uniform(1.2, 4.0))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            kills += 1
        _, err = child.communicate(timeout=60)
        assert child.returncode in (-signal.SIGKILL, 0), err[-3000:]
    assert kills >= 10
    restarted = run(tmp_path, run_for=4)
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    counts = check_invariants(tmp_path / "paper.sqlite3")
    assert counts["fills"] > 0  # the runs traded between the kills


def test_an_order_journaled_but_never_sent_goes_out_on_a_fresh_quote_after_restart(
    tmp_path: Path,
) -> None:
    """Issue 14, crash 7: after a fast restart the resent order waits for a fresh quote (it was
    rejected 'no quote' when sent on the first, replayed one)."""
    killed = run(tmp_path, "app.execution.journal.Journal.write_order", 1, run_for=90)
    assert killed.returncode == -signal.SIGKILL
    db = sqlite3.connect(tmp_path / "paper.sqlite3")
    unsent = db.execute("SELECT client_order_id, status FROM order_row ORDER BY id").fetchone()
    db.close()
    assert unsent[1] == "new"  # journaled, never sent
    assert run(tmp_path, run_for=4).returncode == 0
    db = sqlite3.connect(tmp_path / "paper.sqlite3")
    status, reason = db.execute(
        "SELECT status, reason FROM order_row WHERE client_order_id = ?", (unsent[0],)
    ).fetchone()
    db.close()
    assert (status, reason) == ("filled", ""), f"the resent order ended {status}: {reason}"
