"""``sherwood --headless --mode live`` as a real process against the fake Robinhood: without a
stored session it exits 4 and sends nothing; with one (``sherwood login``) the bot runs live,
reconciles with Robinhood on start (reporting the position made outside Sherwood) and polls
quotes from it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fake_robinhood import FakeRobinhood
from fake_robinhood.state import Position
from live_robinhood import running_fake

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"


@pytest.fixture
def fake() -> Iterator[FakeRobinhood]:
    with running_fake() as server:
        yield server


def sherwood(tmp: Path, fake: FakeRobinhood, *args: str, stdin: str | None = None) -> Any:
    (tmp / "home").mkdir(exist_ok=True)
    env = {
        **os.environ, "HOME": str(tmp / "home"), "ROBINHOOD_API_URL": fake.url,
        "PYTHONPATH": os.pathsep.join([str(SUPPORT), str(ROOT)]),
        "PYTHON_KEYRING_BACKEND": "memory_keyring.MemoryKeyring",
        "SHERWOOD_TEST_KEYRING": str(tmp / "keyring.json"), "QT_QPA_PLATFORM": "offscreen",
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "app", *args, "--data-dir", str(tmp / "data")],
        input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_headless_live_without_a_session_exits_4(tmp_path: Path, fake: FakeRobinhood) -> None:
    result = sherwood(tmp_path, fake, "--headless", "--mode", "live", "--run-for", "2")

    assert result.returncode == 4
    assert "sherwood login" in result.stderr and "Traceback" not in result.stderr
    assert fake.calls("GET", "/quotes/") == [] and fake.trading.orders == []


def test_headless_live_with_a_session_runs_on_robinhood(
    tmp_path: Path, fake: FakeRobinhood
) -> None:
    fake.state.positions.append(Position("SPY", Decimal(2), Decimal("590")))  # outside Sherwood
    login = sherwood(tmp_path, fake, "login", "--username", "dave", "--password-stdin",
                     stdin="hunter2\n")  # fmt: skip
    assert login.returncode == 0, login.stderr

    result = sherwood(tmp_path, fake, "--headless", "--mode", "live", "--run-for", "3")

    assert result.returncode == 0, result.stderr
    assert "live mode" in result.stdout
    log = (tmp_path / "data" / "logs" / "sherwood.log").read_text()
    assert "position mismatch in SPY" in log  # reconciliation told about it
    assert fake.calls("GET", "/quotes/")  # quotes came from Robinhood
    assert fake.trading.orders == []
