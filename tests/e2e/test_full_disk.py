"""A full disk pauses trading with one clear message and resumes it when space returns; the run
then ends with a non-zero exit code and the log holds no flood of errors.

A real Sherwood process runs on a small filesystem (a 48 MB tmpfs, root only): the test
fills the disk under it, frees the space again, and reads what the app said.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)],
                          capture_output=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip("cannot mount a small filesystem here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def fill(disk: Path, leave: int) -> Path:
    """Write zeros until only ``leave`` bytes are free (or the filesystem refuses)."""
    filler = disk / "filler"
    with open(filler, "ab") as out:
        try:
            while os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize > leave:
                out.write(b"\0" * (256 * 1024))
                out.flush()
        except OSError:
            pass
    return filler


@pytest.mark.parametrize("leave_mb", [4, 0], ids=["nearly-full", "full"])
def test_a_full_disk_pauses_trading_and_space_coming_back_resumes_it(
    small_disk: Path, tmp_path: Path, leave_mb: int
) -> None:
    """Nearly full: paused before SQLite fails. Full: SQLite and the log fail too; the pause
    still comes, the run goes on and resumes when the space is back."""
    data = small_disk / "data"
    log = data / "logs" / "sherwood.log"
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with open(stdout, "w") as out, open(stderr, "w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--headless", "--speed", "1800", "--run-for", "120",
             "--data-dir", str(data)],
            cwd=REPO, env=ENV, stdout=out, stderr=err, text=True,
        )  # fmt: skip

    def text() -> str:
        return log.read_text(errors="replace") if log.exists() else ""

    def said() -> str:  # the console gets every message, the log file those it had room for
        return stderr.read_text(errors="replace")

    try:
        wait_for(lambda: "Sherwood started" in text(), "the start")
        time.sleep(2)
        filler = fill(small_disk, leave_mb * 1024 * 1024)
        wait_for(lambda: "trading state ACTIVE -> HALTED: the disk is full" in said(), "the pause")
        if leave_mb:
            wait_for(lambda: "trading state ACTIVE -> HALTED: the disk is full" in text(), "log")
        time.sleep(5)  # the app keeps running, paused
        assert process.poll() is None
        paused = said()
        filler.unlink()
        wait_for(lambda: "disk space is back: trading resumed" in said(), "the resume")
        resumed_at = len(said())

        def trading_again() -> bool:  # an order got past the trading state (the bot may be
            for line in said()[resumed_at:].splitlines():  # out of day trades by now)
                if "order submitted" in line or " fill " in line:
                    return True
                if "order denied" in line and "trading is halted" not in line:
                    return True
            return False

        wait_for(trading_again, "an order after the resume", timeout=90)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert process.returncode == 5, said()[-3000:]
    assert "trading paused 1 time(s) because the disk was full" in stdout.read_text()
    assert "disk space is back: trading resumed" in text()
    # one clear message, not a flood: while paused, an error is written once (rate-limited)
    errors = [line.split(" ERROR ", 1)[1] for line in paused.splitlines() if " ERROR " in line]
    assert all(errors.count(error) <= 2 for error in errors), errors
    warnings = [line for line in paused.splitlines() if " INFO " not in line]
    said_full = [line for line in warnings if "the disk is full" in line]
    assert len(said_full) <= 6, said_full  # the state change, told once by each listener
    assert len(paused.splitlines()) < 2000
    assert "background task account refresh crashed" not in said()
