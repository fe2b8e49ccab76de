"""No setting stops the loop: the extremes the settings allow still run and stop when asked,
and the absurd values the crash test used are refused at start with the setting's range."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def env(**settings: str) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", **settings}


def test_the_fastest_clock_with_the_shortest_stale_limit_still_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--headless", "--speed", "100000", "--run-for", "600",
         "--data-dir", str(tmp_path)],
        cwd=REPO, env=env(QUOTE_STALE_SECONDS="1"), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    log = tmp_path / "logs" / "sherwood.log"
    deadline = time.monotonic() + 60
    while not (log.exists() and "Sherwood started" in log.read_text(errors="replace")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.2)
    time.sleep(3)
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=60)  # a loop that never yields would hang here
    assert process.returncode == 0
    assert "headless summary" in out


@pytest.mark.parametrize(
    ("name", "value", "range_text"),
    [
        ("QUOTE_STALE_SECONDS", "0.000001", "must be between 1 and 86400 seconds"),
        ("PAPER_STARTING_CASH", "1e30", "must be at most $10,000,000"),
        ("SIM_START_PRICE", "1e20", "must be between $0.01 and $1,000,000"),
        ("SIM_SPEED", "0", "must be above 0 and at most 100000"),
    ],
)
def test_absurd_values_are_refused_at_start(
    tmp_path: Path, name: str, value: str, range_text: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--headless", "--run-for", "5", "--data-dir", str(tmp_path)],
        cwd=REPO, env=env(**{name: value}), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert f"{name}: {range_text}" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
