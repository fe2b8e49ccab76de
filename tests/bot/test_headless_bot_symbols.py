"""``sherwood --headless`` takes BOT_SYMBOLS like the window: the bot trades every symbol listed,
each on its own strategy and parameters, and the summary names them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.storage.db import open_database
from app.storage.tables import OrderRow

REPO = Path(__file__).resolve().parents[2]


def test_headless_trades_every_symbol_of_bot_symbols(tmp_path: Path) -> None:
    env = {
        **os.environ, "QT_QPA_PLATFORM": "offscreen",
        # quick parameters: signals every few simulated minutes on both symbols
        "BOT_SYMBOLS": "tqqq:rsi period=2, SPY:macd fast=3 slow=6 signal=2",
    }  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "app", "--headless", "--run-for", "4", "--speed", "600",
         "--data-dir", str(tmp_path), "--seed", "3"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    summary = result.stdout.splitlines()[0]
    assert "paper mode, rsi on TQQQ, macd on SPY," in summary, result.stdout
    db = open_database(tmp_path / "sim.sqlite3")
    try:
        bot_orders = {(r.symbol, r.source) for r in OrderRow.select().execute(db)}
    finally:
        db.close()
    assert {symbol for symbol, _ in bot_orders} == {"TQQQ", "SPY"}, bot_orders
    assert {source for _, source in bot_orders} == {"bot"}


def test_a_malformed_bot_symbols_is_refused_at_start_naming_the_setting(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BOT_SYMBOLS": "TQQQ, SPY:macd fast=40"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--headless", "--run-for", "1", "--speed", "600",
         "--data-dir", str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    assert "BOT_SYMBOLS: SPY: fast (40) must be below slow (26)" in result.stderr
    assert "Traceback" not in result.stderr
