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
    assert (tmp_path / "paper.sqlite3").exists()
