"""One Sherwood per database: a second instance on the same data folder is refused with a
clear message, a backtest still runs beside it, and the lock goes with the first process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.storage import instance_lock
from app.storage.db import DatabaseInUse, open_database

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def sherwood(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
        cwd=REPO, env=ENV, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def started(process: subprocess.Popen[str], log: Path) -> None:
    """Wait until the headless run logs that it started."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.exists() and "Sherwood started" in log.read_text(errors="replace"):
            return
        assert process.poll() is None, "the first instance died"
        time.sleep(0.1)
    raise AssertionError("the first instance did not start")


def test_a_second_instance_on_the_same_data_folder_is_refused(tmp_path: Path) -> None:
    first = subprocess.Popen(
        [sys.executable, "-m", "app", "--headless", "--run-for", "60", "--data-dir", str(tmp_path)],
        cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        started(first, tmp_path / "logs" / "sherwood.log")
        second = sherwood(tmp_path, "--headless", "--run-for", "1")
        assert second.returncode == 2
        assert "another Sherwood is already running" in second.stderr
        assert "orders:" not in second.stdout  # it never started
        # Deleting every file that looks like a lock does not let a second one in.
        for stray in [*tmp_path.rglob("*.lock"), *tmp_path.rglob("*-shm")]:
            stray.unlink()
        third = sherwood(tmp_path, "--headless", "--run-for", "1")
        assert third.returncode == 2, third.stderr[-2000:]
        assert "another Sherwood is already running" in third.stderr
        sample = str(REPO / "resources" / "sample" / "tqqq_5m.csv")
        backtest = sherwood(tmp_path, "--backtest", sample)  # a scratch database: allowed
        assert backtest.returncode == 0, backtest.stderr[-2000:]
    finally:
        first.terminate()
        first.communicate(timeout=60)
    after = sherwood(tmp_path, "--headless", "--run-for", "1")
    assert after.returncode == 0, after.stderr[-2000:]


def test_two_fast_demo_runs_on_one_folder_are_refused_too(tmp_path: Path) -> None:
    """A demo run empties its scratch account at start: a second one must not empty it under
    the first."""
    args = ["--headless", "--speed", "600", "--data-dir", str(tmp_path)]
    first = subprocess.Popen(
        [sys.executable, "-m", "app", *args, "--run-for", "60"],
        cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        started(first, tmp_path / "logs" / "sherwood.log")
        second = sherwood(tmp_path, "--headless", "--speed", "600", "--run-for", "1")
        assert second.returncode == 2
        assert "another Sherwood is already running" in second.stderr
    finally:
        first.terminate()
        _out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err[-2000:]


def test_the_lock_is_reentrant_in_one_process_and_released_on_close(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite3"
    db = open_database(path)
    instance_lock.acquire(path)  # the same process may open its own database again
    instance_lock.release(path)
    db.close()
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from app.storage import instance_lock as l; "
         f"l.acquire({str(path)!r}); print('held')"],
        cwd=REPO, env=ENV, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert probe.stdout.strip() == "held", probe.stderr
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from app.storage import instance_lock as l; "
         f"l.acquire({str(path)!r}); print('held', flush=True); time.sleep(30)"],
        cwd=REPO, env=ENV, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseInUse, match="already running"):
            open_database(path)
        reader = open_database(path, exclusive=False)  # looking is allowed
        reader.close()
    finally:
        holder.kill()
        holder.wait()
    open_database(path).close()  # the OS dropped the dead holder's lock
