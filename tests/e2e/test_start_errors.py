"""A start that cannot go on says so in one line (exit 2), with the traceback in the log file:
a data folder that is a file or read-only, a damaged database, a full disk, Ctrl+C while
starting."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def sherwood(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--headless", "--run-for", "2", *args],
        cwd=REPO, env=ENV, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and not result.stdout
    return lines[0]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB tmpfs (root only); skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)],
                          capture_output=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip("cannot mount a small filesystem here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_data_folder_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("mine")
    line = one_line(sherwood("--data-dir", str(path)))
    assert "is a file, not a folder" in line and "--data-dir" in line
    assert path.read_text() == "mine"


def test_a_read_only_data_folder(small_disk: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    line = one_line(sherwood("--data-dir", str(small_disk / "data")))
    assert "not writable" in line and "--data-dir" in line


def test_a_damaged_database_points_to_the_backup(tmp_path: Path) -> None:
    assert sherwood("--data-dir", str(tmp_path)).returncode == 0
    database = tmp_path / "paper.sqlite3"
    with sqlite3.connect(database) as probe:
        page = probe.execute("PRAGMA page_size").fetchone()[0]
        root = probe.execute("SELECT max(rootpage) FROM sqlite_master WHERE type = 'table'")
        last_table = root.fetchone()[0]
    probe.close()
    with open(database, "r+b") as raw:
        raw.seek((last_table - 1) * page)
        raw.write(b"\xa5" * 512)
    line = one_line(sherwood("--data-dir", str(tmp_path)))
    backups = sorted((tmp_path / "backups").glob("paper-*.sqlite3"))
    assert "is damaged" in line and str(backups[-1]) in line
    log = (tmp_path / "logs" / "sherwood.log").read_text()
    assert "Traceback" in log and "start refused" in log


def test_a_full_disk_at_start(small_disk: Path) -> None:
    (small_disk / "filler").write_bytes(b"\0" * (20 * 1024 * 1024))
    line = one_line(sherwood("--data-dir", str(small_disk / "data")))
    assert "the disk is full" in line and "free some space" in line


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("after", [0.15, 0.3])
def test_a_signal_while_starting(tmp_path: Path, sig: signal.Signals, after: float) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--headless", "--run-for", "5", "--data-dir", str(tmp_path)],
        cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(after)
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    if process.returncode == 0:  # the start was already over: a normal clean stop
        assert "headless summary" in out
        return
    if process.returncode == -sig:  # still in Python's own start (a loaded machine): the OS
        assert not err and not out  # default, silent, before any Sherwood code ran
        return
    assert f"stopped by {sig.name} while starting" in one_line(result)
