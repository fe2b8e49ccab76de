"""``sherwood --replay FILE.csv --speed N``: the file is the market in the terminal, on a scratch
account: the bot trades at the file's prices and times, the paper account is never created."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample" / "tqqq_5m.csv"


def test_replay_trades_the_file_on_a_scratch_account(tmp_path: Path) -> None:
    shot = tmp_path / "replay.png"
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "app", "--replay", str(SAMPLE), "--speed", "40000",
         "--screenshot", str(shot), "--run-for", "8", "--data-dir", str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (tmp_path / "paper.sqlite3").exists()  # the paper account is untouched
    with sqlite3.connect(tmp_path / "sim.sqlite3") as db:
        fills = db.execute("select time, price from fill_row order by id").fetchall()
    assert fills, "the bot should have traded the replayed bars"
    first, last = (
        datetime.fromisoformat("2026-11-02T09:30:00-05:00"),
        datetime.fromisoformat("2026-11-13T16:00:00-05:00"),
    )
    assert all(first <= datetime.fromisoformat(t) <= last for t, _ in fills)
    closes = {line.split(",")[4] for line in SAMPLE.read_text(encoding="utf-8").splitlines()[1:]}
    assert any(f"{float(price) - 0.01:.2f}" in closes or price in closes for _, price in fills)
    assert QImage(str(shot)).width() > 0


def test_a_bad_replay_file_is_refused_before_the_window(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,open\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "app", "--replay", str(bad), "--data-dir", str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "cannot replay" in done.stderr and "bad.csv" in done.stderr
