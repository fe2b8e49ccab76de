"""``sherwood buy|sell`` as real processes: the order goes through risk, compliance and the
journal like a click, the command prints and exits with the outcome. Paper mode on the paper
database; live mode against the fake Robinhood (real HTTP), logged in with ``sherwood login``,
including an order POST answered late, dropped, or refused with 503."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_robinhood import FakeRobinhood
from live_robinhood import running_fake

from app.storage.db import database_path, open_database

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"
ORDERS = r"/orders/?"


class Sherwood:
    """``python -m app`` with HOME and the data folder in tmp, on a market that is always
    open (the simulated market ignores NYSE hours)."""

    def __init__(self, tmp: Path, fake: FakeRobinhood | None = None) -> None:
        self.home = tmp / "home"
        self.data = tmp / "data"
        self.home.mkdir()
        self.env = {
            **os.environ, "HOME": str(self.home), "PYTHONPATH": str(ROOT),
            "SIM_FOLLOW_NYSE_SESSIONS": "false", "MODE": "paper",
        }  # fmt: skip
        if fake is not None:  # live: the fake Robinhood, a keyring file standing in for the OS's
            self.env.update({
                "ROBINHOOD_API_URL": fake.url,
                "PYTHONPATH": os.pathsep.join([str(SUPPORT), str(ROOT)]),
                "PYTHON_KEYRING_BACKEND": "memory_keyring.MemoryKeyring",
                "SHERWOOD_TEST_KEYRING": str(tmp / "keyring.json"),
            })  # fmt: skip

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *args, "--data-dir", str(self.data)],
            stdin=subprocess.DEVNULL if stdin is None else None, input=stdin,
            capture_output=True, text=True, env=self.env, cwd=ROOT, timeout=120,
        )  # fmt: skip

    def journal(self, client_order_id: str, mode: str = "paper") -> tuple[str, str, str]:
        path = database_path(self.data, mode)
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


@pytest.fixture
def fake() -> Iterator[FakeRobinhood]:
    with running_fake() as server:
        yield server


@pytest.fixture
def live(tmp_path: Path, fake: FakeRobinhood) -> Sherwood:
    sherwood = Sherwood(tmp_path, fake)
    login = sherwood("login", "--username", "dave", "--password-stdin", stdin="hunter2\n")
    assert login.returncode == 0, login.stderr
    return sherwood


def test_live_dollar_buy_is_one_order_under_the_journal_id_and_fills(
    live: Sherwood, fake: FakeRobinhood
) -> None:
    result = live("buy", "TQQQ", "--dollars", "5", "--mode", "live", "--yes")

    assert result.returncode == 0, result.stderr
    lines = printed(result)
    assert lines["state"] == "filled"
    [order] = fake.trading.by_ref(lines["client order id"])
    assert order.state == "filled" and len(fake.trading.orders) == 1
    assert live.journal(lines["client order id"], "live")[0] == "filled"
    assert lines["filled"].startswith(f"{order.quantity.normalize():f} shares")


@pytest.mark.parametrize("fault", ["dropped after the order was made", "503 before it was made",
                                   "answered after the client's timeout"])  # fmt: skip
def test_live_order_through_a_network_fault_is_one_order_and_the_truth(
    live: Sherwood, fake: FakeRobinhood, fault: str
) -> None:
    if fault.startswith("dropped"):
        fake.drop_next("POST", ORDERS, after_handler=True)
    elif fault.startswith("503"):
        fake.fail_next("POST", ORDERS, 503)
    else:  # past the 16 s order timeout (this case takes that long)
        fake.trading.answer_late("POST", ORDERS, 20.0)

    result = live("buy", "TQQQ", "--dollars", "5", "--mode", "live", "--yes")

    assert result.returncode == 0, result.stderr
    lines = printed(result)
    assert len(fake.trading.orders) == 1
    [order] = fake.trading.by_ref(lines["client order id"])
    assert lines["state"] == "filled" and order.state == "filled"


def test_live_without_a_session_exits_4(tmp_path: Path, fake: FakeRobinhood) -> None:
    sherwood = Sherwood(tmp_path, fake)

    result = sherwood("buy", "TQQQ", "--dollars", "5", "--mode", "live", "--yes")

    assert result.returncode == 4
    assert "sherwood login" in result.stderr and fake.trading.orders == []
