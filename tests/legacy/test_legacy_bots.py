"""The original bots run headless on Sherwood's core and report what they did."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("bot", "strategy"), [("rsi", "rsi_sr"), ("macd", "macd")])
def test_legacy_bot_runs_headless_and_prints_a_summary(
    bot: str, strategy: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "legacy" / f"{bot}_bot.py"), "--run-for", "2",
         "--speed", "600", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{strategy} on TQQQ" in result.stdout
    assert "day trades used" in result.stdout
    # 600x is faster than real time: a scratch account, never the paper account
    assert (tmp_path / "sim.sqlite3").exists()
    assert not (tmp_path / "paper.sqlite3").exists()


@pytest.mark.parametrize("bot", ["rsi", "macd"])
def test_legacy_bot_help_says_its_own_name(bot: str) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "legacy" / f"{bot}_bot.py"), "--help"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: {bot}_bot.py")
    assert "sherwood" not in result.stdout.splitlines()[0]
    assert f"The original {bot.upper()} bot" in result.stdout
