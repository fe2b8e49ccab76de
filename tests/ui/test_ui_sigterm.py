"""SIGTERM (a logout, ``kill``) and SIGINT stop a real window process cleanly, as File > Quit
does: services stopped, layout saved, exit code 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(path: Path, text: str, process: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(encoding="utf-8", errors="replace"):
            return
        if process.poll() is not None:
            raise AssertionError(f"the app exited early: {process.stderr.read()}")  # type: ignore[union-attr]
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in {path}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_quits_the_window_like_ctrl_q(tmp_path: Path, signum: int) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    log = tmp_path / "logs" / "sherwood.log"
    try:
        _wait_for(log, "Sherwood started", process, timeout=60)
        time.sleep(0.5)  # the window is up and the market runs
        process.send_signal(signum)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text(encoding="utf-8")
    assert code == 0, process.stderr.read()  # type: ignore[union-attr]
    assert f"{signal.Signals(signum).name} received" in text
    assert "Sherwood stopped" in text
    assert (tmp_path / "layout.ini").exists()  # saved on the way out, as on Ctrl+Q
