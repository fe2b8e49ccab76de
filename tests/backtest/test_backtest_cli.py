"""``sherwood --backtest FILE.csv`` as a user runs it: a summary and exit 0, or a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample" / "tqqq_5m.csv"


def sherwood(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_backtest_of_the_sample_file_prints_a_summary(tmp_path: Path) -> None:
    done = sherwood("--backtest", str(SAMPLE), "--strategy", "macd", data_dir=tmp_path)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Sherwood backtest: macd on TQQQ, 780 5m bars from 2026-11-02")
    fed = next(line for line in lines if line.startswith("bars: "))
    assert fed.startswith("bars: the strategy's signals on all 780; ")
    assert fed.endswith("skipped (no service could act on them)")
    assert any(line.startswith("signals: ") and "fills: " in line for line in lines)
    assert any(line.startswith("net P&L: ") and "realized " in line for line in lines)
    assert any(line.startswith("day trades: ") and "in any 5-session window" in line
               for line in lines)  # fmt: skip
    assert not any("(today" in line for line in lines)  # no wall-clock "today" figure
    assert list(tmp_path.iterdir()) == []  # no paper account, log or database was touched


def test_backtest_trades_the_symbol_asked_for(tmp_path: Path) -> None:
    done = sherwood("--backtest", str(SAMPLE), "--symbol", "sqqq", data_dir=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Sherwood backtest: rsi on SQQQ")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    done = sherwood("--backtest", str(missing), data_dir=tmp_path)

    assert done.returncode == 2
    assert "nope.csv" in done.stderr and "no such file" in done.stderr
    assert done.stdout == ""


def test_a_bad_row_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = SAMPLE.read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace(",", ";", 1)
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    done = sherwood("--backtest", str(bad), data_dir=tmp_path)

    assert done.returncode == 2
    assert "bad.csv, line 4" in done.stderr
