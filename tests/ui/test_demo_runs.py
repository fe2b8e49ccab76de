"""Runs faster than real time (``--speed`` above 1, ``--screenshot``) never touch the paper
account: they trade a scratch account (``sim.sqlite3``) that starts fresh each run."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _sherwood(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "app", *args, "--data-dir", str(data)],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )  # fmt: skip


def _orders_in(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as conn:  # closed before the next run
        return int(conn.execute("SELECT count(*) FROM order_row").fetchone()[0])


def test_a_fast_headless_run_trades_a_fresh_scratch_account(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for _ in range(2):
        result = _sherwood("--headless", "--speed", "600", "--run-for", "2", data=data)
        assert result.returncode == 0, result.stderr
        this_run = int(re.search(r"^orders: (\d+)", result.stdout, re.M).group(1))  # type: ignore[union-attr]
        # the scratch account holds this run's orders only: the previous run's are gone
        assert _orders_in(data / "sim.sqlite3") == this_run
    assert not (data / "paper.sqlite3").exists()


def test_a_screenshot_run_leaves_the_paper_account_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = _sherwood("--headless", "--run-for", "0.5", data=data)  # real time: paper account
    assert first.returncode == 0, first.stderr
    paper = data / "paper.sqlite3"
    before = paper.read_bytes()
    shot = tmp_path / "shot.png"
    result = _sherwood("--screenshot", str(shot), "--run-for", "2", data=data)
    assert result.returncode == 0, result.stderr
    assert shot.exists()
    assert paper.read_bytes() == before
    assert (data / "sim.sqlite3").exists()
