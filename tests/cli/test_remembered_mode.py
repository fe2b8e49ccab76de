"""The window remembers the mode it was switched to; a command-line order, a headless bot
and a demo run trade real money only when their own start says ``--mode live``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.config import Mode
from app.storage.db import database_path
from app.storage.mode_choice import save_mode, saved_settings

ROOT = Path(__file__).resolve().parents[2]


def run(data: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.upper() != "MODE"}
    env.update({"HOME": str(home), "PYTHONPATH": str(ROOT), "SIM_FOLLOW_NYSE_SESSIONS": "false"})
    return subprocess.run(
        [sys.executable, "-m", "app", *args, "--data-dir", str(data)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_a_command_line_order_stays_paper_when_the_window_remembers_live(
    tmp_path: Path,
) -> None:
    data, home = tmp_path / "data", tmp_path / "home"
    home.mkdir()
    save_mode(data, Mode.LIVE)  # the window was switched to live
    assert saved_settings(database_path(data, "paper"))["MODE"] == "live"

    result = run(data, home, "buy", "TQQQ", "--dollars", "5", "--yes")

    assert result.returncode == 0, result.stderr
    assert "state: filled" in result.stdout
    assert not database_path(data, "live").exists()  # nothing was sent to Robinhood


def test_a_headless_bot_stays_paper_when_the_window_remembers_live(tmp_path: Path) -> None:
    data, home = tmp_path / "data", tmp_path / "home"
    home.mkdir()
    save_mode(data, Mode.LIVE)

    result = run(data, home, "--headless", "--run-for", "2")  # real time: not a demo run

    assert result.returncode == 0, result.stderr[-2000:]
    assert "paper mode" in result.stdout.splitlines()[0]
    assert not database_path(data, "live").exists()
