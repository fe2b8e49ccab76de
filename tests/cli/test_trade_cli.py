"""``sherwood buy|sell`` as real processes on a paper database: the order goes through risk,
compliance and the journal like a click, the command prints and exits with the outcome."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.storage.db import database_path, open_database

ROOT = Path(__file__).resolve().parents[2]


class Sherwood:
    """``python -m app`` with HOME and the data folder in tmp, on a market that is always
    open (the simulated market ignores NYSE hours)."""

    def __init__(self, tmp: Path) -> None:
        self.home = tmp / "home"
        self.data = tmp / "data"
        self.home.mkdir()
        self.env = {
            **os.environ, "HOME": str(self.home), "PYTHONPATH": str(ROOT),
            "SIM_FOLLOW_NYSE_SESSIONS": "false", "MODE": "paper",
        }  # fmt: skip

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *args, "--data-dir", str(self.data)],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, env=self.env, cwd=ROOT,
            timeout=120,
        )  # fmt: skip

    def journal(self, client_order_id: str) -> tuple[str, str, str]:
        path = database_path(self.data, "paper")
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
            row = conn.execute(
                "SELECT status, filled_quantity, symbol FROM order_row WHERE client_order_id = ?",
                (client_order_id,),
            ).fetchone()
        assert row is not None, f"no journal row for {client_order_id}"
        return row[0], row[1], row[2]


@pytest.fixture
def sherwood(tmp_path: Path) -> Sherwood:
    return Sherwood(tmp_path)


def printed(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)


def test_dollar_buy_fills_through_the_journal_and_reports_it(sherwood: Sherwood) -> None:
    result = sherwood("buy", "TQQQ", "--dollars", "5")

    assert result.returncode == 0, result.stderr
    lines = printed(result)
    assert lines["state"] == "filled"
    status, filled, symbol = sherwood.journal(lines["client order id"])
    assert (status, symbol) == ("filled", "TQQQ")
    assert lines["filled"].startswith(f"{filled.rstrip('0').rstrip('.')} shares")
    assert "average price $" in lines["filled"]

    sold = sherwood("sell", "TQQQ", "--shares", filled)
    assert sold.returncode == 0, sold.stderr
    assert printed(sold)["state"] == "filled"


def test_order_denied_by_risk_exits_3_with_the_reason(sherwood: Sherwood) -> None:
    result = sherwood("buy", "TQQQ", "--shares", "100")

    assert result.returncode == 3
    assert printed(result)["state"].startswith("denied")
    assert "MAX_INVESTMENT" in result.stderr
    assert sherwood.journal(printed(result)["client order id"])[0] == "denied"


def test_resting_limit_order_is_reported_accepted_after_the_wait(sherwood: Sherwood) -> None:
    result = sherwood("buy", "TQQQ", "--dollars", "10", "--limit", "1", "--wait", "0.5")

    assert result.returncode == 0, result.stderr
    assert printed(result)["state"] == "accepted"
    assert sherwood.journal(printed(result)["client order id"])[0] == "accepted"


def test_refused_while_a_sherwood_holds_the_database(sherwood: Sherwood) -> None:
    held = open_database(database_path(sherwood.data, "paper"))  # a running Sherwood
    try:
        result = sherwood("buy", "TQQQ", "--dollars", "5")
    finally:
        held.close()

    assert result.returncode == 2
    assert "close that Sherwood first" in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ("buy", "TQQQ"),
        ("buy", "TQQQ", "--shares", "1", "--dollars", "5"),
        ("sell", "TQQQ", "--shares", "-1"),
        ("buy", "TQQQ", "--dollars", "5", "--extended-hours"),
    ],
)
def test_bad_usage_exits_2_without_an_order(sherwood: Sherwood, args: tuple[str, ...]) -> None:
    result = sherwood(*args)

    assert result.returncode == 2
    assert not database_path(sherwood.data, "paper").exists()


def test_live_order_without_a_terminal_or_yes_is_refused(sherwood: Sherwood) -> None:
    result = sherwood("buy", "TQQQ", "--dollars", "5", "--mode", "live")

    assert result.returncode == 3
    assert "--yes" in result.stderr
