"""``python -m app --headless``: runs, prints a summary, exits 0; a second run continues."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.storage.db import open_database
from app.storage.tables import FillRow, OrderRow, PaperFillRow, PaperOrderRow, TransactionRow

REPO = Path(__file__).resolve().parents[2]


def run(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "app", "--headless", "--run-for", "3", "--speed", "600",
         "--data-dir", str(data_dir), "--seed", "3", *extra],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_headless_runs_prints_a_summary_and_restarts_without_duplicates(tmp_path) -> None:
    first = run(tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    out = first.stdout
    for line in ("orders:", "fills:", "realized P&L:", "unrealized P&L:", "day trades used:",
                 "denials:"):  # fmt: skip
        assert line in out, out
    # 600x is faster than real time: the run trades the scratch account, never the paper one
    assert (tmp_path / "sim.sqlite3").exists()
    assert not (tmp_path / "paper.sqlite3").exists()
    assert (tmp_path / "logs" / "sherwood.log").exists()

    second = run(tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "journal totals:" in second.stdout

    db = open_database(tmp_path / "sim.sqlite3")
    try:
        orders = OrderRow.select().execute(db)
        sent = [r.client_order_id for r in orders if r.status not in ("denied",)]
        broker_ids = [r.client_order_id for r in PaperOrderRow.select().execute(db)]
        assert len(broker_ids) == len(set(broker_ids))
        assert set(broker_ids) <= set(sent)
        assert FillRow.select().count(db) == PaperFillRow.select().count(db)
        assert TransactionRow.select().count(db) == FillRow.select().count(db)
    finally:
        db.close()


def test_live_mode_at_simulated_speed_is_refused_with_a_clear_message(tmp_path) -> None:
    result = run(tmp_path, "--mode", "live")  # --speed 600: a simulated market, never live
    assert result.returncode == 2
    assert "not for live mode" in result.stderr and "Traceback" not in result.stderr


def test_sigterm_and_sigint_stop_the_runner_cleanly(tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--headless", "--speed", "600",
             "--data-dir", str(tmp_path / sig.name)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        log = tmp_path / sig.name / "logs" / "sherwood.log"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "Sherwood started" not in _read(log):
            time.sleep(0.1)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-2000:]
        assert "orders:" in out and "Traceback" not in err


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""
