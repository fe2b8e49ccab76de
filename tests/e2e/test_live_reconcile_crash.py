"""A real ``sherwood buy --mode live`` process killed (SIGKILL) right after the order's journal
row was committed (before Robinhood heard of it), or right after Robinhood made the order
(its answer lost); the next live start (``sherwood --headless --mode live``) reconciles by
the client id (Robinhood's ``ref_id``): an order Robinhood never received is sent once, one
it made is followed. Either way the fake Robinhood ends with one filled order, counted once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fake_robinhood import FakeRobinhood
from live_robinhood import running_fake

from app.storage.db import database_path

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"
DRIVER = textwrap.dedent(
    """
    import os, signal, sys

    from app.brokers.robinhood.broker import RobinhoodBroker
    from app.core.models import OrderStatus
    from app.execution.journal import Journal

    point = os.environ["KILL_AFTER"]
    write_order, submit = Journal.write_order, RobinhoodBroker.submit

    def killing_write_order(self, order):
        write_order(self, order)
        if point == "journal" and order.status is OrderStatus.NEW:
            os.kill(os.getpid(), signal.SIGKILL)  # committed; Robinhood has not seen it

    async def killing_submit(self, client_order_id, request):
        answer = await submit(self, client_order_id, request)
        if point == "robinhood":
            os.kill(os.getpid(), signal.SIGKILL)  # Robinhood made it; the answer is lost
        return answer

    Journal.write_order = killing_write_order
    RobinhoodBroker.submit = killing_submit
    from app.__main__ import main

    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.fixture
def fake() -> Iterator[FakeRobinhood]:
    with running_fake() as server:
        yield server


def sherwood(
    tmp: Path, fake: FakeRobinhood, *args: str, stdin: str | None = None, kill_after: str = "-"
) -> Any:
    (tmp / "home").mkdir(exist_ok=True)
    driver = tmp / "driver.py"
    driver.write_text(DRIVER)
    env = {
        **os.environ, "HOME": str(tmp / "home"), "ROBINHOOD_API_URL": fake.url,
        "PYTHONPATH": os.pathsep.join([str(SUPPORT), str(ROOT)]),
        "PYTHON_KEYRING_BACKEND": "memory_keyring.MemoryKeyring",
        "SHERWOOD_TEST_KEYRING": str(tmp / "keyring.json"), "QT_QPA_PLATFORM": "offscreen",
        "MAX_INVESTMENT": "100", "MAX_POSITION_VALUE": "500", "KILL_AFTER": kill_after,
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, str(driver), *args, "--data-dir", str(tmp / "data")],
        input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip


def journal_rows(tmp: Path) -> list[tuple[str, str, str]]:
    path = database_path(tmp / "data", "live")
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        return list(conn.execute("SELECT client_order_id, status, filled_quantity FROM order_row"))


def fill_count(tmp: Path) -> int:
    path = database_path(tmp / "data", "live")
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM fill_row").fetchone()[0])


@pytest.mark.parametrize("kill_after", ["journal", "robinhood"])
def test_killed_between_the_journal_row_and_robinhood_s_answer_the_next_start_resolves_it(
    tmp_path: Path, fake: FakeRobinhood, kill_after: str
) -> None:
    login = sherwood(tmp_path, fake, "login", "--username", "dave", "--password-stdin",
                     stdin="hunter2\n")  # fmt: skip
    assert login.returncode == 0, login.stderr

    killed = sherwood(
        tmp_path, fake, "buy", "TQQQ", "--shares", "1", "--mode", "live", "--yes",
        kill_after=kill_after,
    )  # fmt: skip

    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    [(client_order_id, status, _)] = journal_rows(tmp_path)
    assert status == "new"  # the journal row says no more
    made = [o.ref_id for o in fake.trading.orders]
    assert made == ([] if kill_after == "journal" else [client_order_id])

    started = sherwood(tmp_path, fake, "--headless", "--mode", "live", "--run-for", "10")

    assert started.returncode == 0, started.stderr[-3000:]
    [sent] = fake.trading.orders
    assert sent.ref_id == client_order_id and sent.state == "filled"
    [(journaled, status, filled)] = journal_rows(tmp_path)
    assert (journaled, status, Decimal(filled)) == (client_order_id, "filled", 1)
    assert fill_count(tmp_path) == len(sent.executions) == 1
    assert fake.trading.position("TQQQ") == 1
