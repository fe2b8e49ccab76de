"""Mode > Paper / Live in the running window (app.ui.run): a declined question changes
nothing; an accepted one stops the services and starts them again on the other mode's
database, in a new window, and the choice is remembered for the next start. Live
without a stored Robinhood session opens logged out and asks to log in. The paper
account (its cash, orders, fills and positions) is the same after a round trip.

Real widgets offscreen, the real app on a tmp data folder, live against the fake
Robinhood over real HTTP."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from fake_robinhood import FakeRobinhood
from memory_keyring import MemoryKeyring
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from app.config import Mode, Settings
from app.core.models import HealthState, Interval
from app.storage import instance_lock
from app.storage.db import database_path
from app.storage.mode_choice import settings_for
from app.ui.main_window import MainWindow
from app.ui.run import Shell, _run, show_shell

PAPER_TABLES = ("paper_account_row", "paper_cash_row", "paper_order_row", "paper_fill_row",
                "paper_position_row", "order_row", "fill_row", "position_row")  # fmt: skip


@pytest.fixture(autouse=True)
def _app_logging() -> Iterator[None]:
    """show_shell sets up the app's log handlers (file, stderr), as a start does; removed
    after each test so later tests do not write to this test's folder."""
    yield
    from app.logging_setup import setup_logging

    setup_logging(None, console=False)


@pytest.fixture
def empty_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())  # no stored session: live opens logged out
    yield
    keyring.set_keyring(previous)


def paper_account(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the paper account's tables (read-only, beside the running app)."""
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for t in PAPER_TABLES}  # fmt: skip


def windows() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and w.isVisible()]  # fmt: skip


def the_window() -> MainWindow | None:
    shown = windows()
    return shown[0] if len(shown) == 1 and shown[0].is_attached else None


def question(window: MainWindow) -> QMessageBox | None:
    shown = [b for b in window.findChildren(QMessageBox, "modeSwitchQuestion") if b.isVisible()]
    return shown[0] if shown else None


def answer(box: QMessageBox, text: str) -> None:
    [button] = [b for b in box.buttons() if b.text() == text]
    assert isinstance(button, QPushButton)
    button.click()


def test_switch_paper_to_live_and_back_asks_first_and_keeps_the_paper_account(
    qapp: QApplication, run: Any, until: Any, tmp_path: Path, fake: FakeRobinhood,
    empty_keyring: None,
) -> None:  # fmt: skip
    data = tmp_path / "data"
    data.mkdir()
    paper_db, live_db = database_path(data, "paper"), database_path(data, "live")
    fake.state.account.day_trades = [{"symbol": "SPY", "date": "2026-11-20"}]
    cli = {"ROBINHOOD_API_URL": fake.url, "BAR_INTERVAL": "5m"}  # kept across switches
    settings = settings_for(data, {}, cli)
    assert settings.mode is Mode.PAPER
    args = argparse.Namespace(screenshot=None, data_dir=str(data))
    instance_lock.acquire(paper_db)  # as app.__main__ does
    shell = show_shell(args, settings, qapp, QIcon())
    shell = Shell(shell.window, settings, data, None, False, paper_db, None, cli)

    async def scenario() -> None:
        app_run = asyncio.ensure_future(_run(args, shell))
        try:
            await until(lambda: "mode_live" in shell.window.actions_, timeout=20)
            paper = shell.window
            assert paper.ctx.db.database == str(paper_db)
            assert paper.actions_["mode_paper"].isChecked()
            paper.ticket.amount_edit.setText("5")  # something in the paper account
            paper.ticket.buy_button.click()
            await until(lambda: len(paper.ctx.execution.fills(10)) == 1, timeout=20)
            await until(lambda: paper.positions.rowCount() == 1)

            # declined: nothing changes
            await paper.ctx.bot.set_enabled(True)
            paper.actions_["mode_live"].trigger()
            box = question(paper)
            assert box is not None and "real money" in box.text().lower()
            assert "unofficial API" in box.informativeText()
            assert box.informativeText().startswith("The bot is running")
            assert box.defaultButton().text() == "Stay in paper"
            answer(box, "Stay in paper")
            await asyncio.sleep(0.3)
            assert paper.ctx.bot.enabled  # still running: nothing changed
            await paper.ctx.bot.set_enabled(False)
            await until(lambda: not paper.ctx.execution.open_orders())
            before = paper_account(paper_db)
            assert before["paper_fill_row"]
            assert the_window() is paper and paper.ctx.settings.mode is Mode.PAPER
            assert paper.actions_["mode_paper"].isChecked()
            assert not paper.actions_["mode_live"].isChecked()
            assert not live_db.exists()

            # accepted: the services restart on the live database, in a new window
            paper.actions_["mode_live"].trigger()
            box = question(paper)
            assert box is not None
            answer(box, "Switch to live (real money)")
            await until(lambda: the_window() not in (None, paper), timeout=30)
            live = the_window()
            assert live is not None
            assert live.ctx.settings.mode is Mode.LIVE and live.mode_badge.text() == "LIVE"
            assert live.ctx.db.database == str(live_db)
            assert live.ctx.settings.robinhood_api_url == fake.url
            assert paper.ctx.db.is_closed()  # the paper services stopped
            assert live.actions_["mode_live"].isChecked()
            # no stored session: the window is open, logged out, and asks to log in
            await until(lambda: live.session_actions.dialog is not None
                        and live.session_actions.dialog.isVisible())  # fmt: skip
            assert live.status.robinhood.text() == "Robinhood: logged out"
            assert settings_for(data, {}, {}).mode is Mode.LIVE  # the next start: live
            assert live.ctx.market_data.closed_bars("TQQQ", Interval.M5, 10) == []
            await until(lambda: live.ctx.market_data.health.state is HealthState.DEGRADED)
            # logging in brings what could not be fetched: quotes, the chart, the account
            live.session_actions.dialog.reject()
            await live.ctx.gateway.login("dave", "hunter2")
            await until(lambda: live.ctx.market_data.latest_quote("TQQQ") is not None,
                        timeout=10)  # fmt: skip
            await until(lambda: len(getattr(live.chart, "series", ())) > 0, timeout=10)
            assert len(live.ctx.market_data.closed_bars("TQQQ", Interval.M5, 500)) >= 100
            await until(lambda: "Robinhood 1, Sherwood 0" in live.pdt.remaining.text())
            await until(lambda: live.bot.state_label.text() == "ACTIVE")  # the pause lifted
            await until(lambda: live.ctx.market_data.health.state is HealthState.HEALTHY)

            # live -> paper: one question, then the same paper account as before
            live.actions_["mode_paper"].trigger()
            box = question(live)
            assert box is not None and box.windowTitle() == "Switch to paper trading"
            answer(box, "Switch to paper")
            await until(lambda: the_window() not in (None, live), timeout=30)
            again = the_window()
            assert again is not None and again.ctx.settings.mode is Mode.PAPER
            assert again.ctx.db.database == str(paper_db)
            await until(lambda: again.positions.rowCount() == 1)
            assert paper_account(paper_db) == before
            assert settings_for(data, {}, {}).mode is Mode.PAPER
            again.close()
            assert await asyncio.wait_for(app_run, 20) == 0
        finally:
            if not app_run.done():
                for window in windows():
                    window.ask_close = lambda _q: True
                    window.close()
                await asyncio.wait_for(app_run, 20)

    try:
        run(scenario(), timeout=120)
    finally:
        instance_lock.release(paper_db)
    assert not instance_lock.is_held(live_db) and not instance_lock.is_held(paper_db)


def test_saved_live_mode_is_read_from_the_paper_database(tmp_path: Path) -> None:
    from app.storage.db import open_database
    from app.storage.mode_choice import save_mode
    from app.storage.settings_store import save_settings

    data = tmp_path / "data"
    assert settings_for(data, {}, {}).mode is Mode.PAPER  # nothing saved: paper
    db = open_database(database_path(data, "live"))
    save_settings(db, {"MODE": "paper", "MAX_INVESTMENT": "7"})  # an old dialog's MODE
    db.close()
    save_mode(data, Mode.LIVE)
    chosen = settings_for(data, {}, {})
    assert chosen.mode is Mode.LIVE and chosen.max_investment == 7  # live's own settings
    assert settings_for(data, {}, {"MODE": "paper"}).mode is Mode.PAPER  # --mode wins
    assert settings_for(data, {"MODE": "paper"}, {}).mode is Mode.PAPER  # so does MODE=
    assert Settings().mode is Mode.PAPER


def _paper_app(qapp: QApplication, data: Path, cli: dict[str, str]) -> tuple[Any, Shell]:
    data.mkdir(exist_ok=True)
    settings = settings_for(data, {}, cli)
    args = argparse.Namespace(screenshot=None, data_dir=str(data))
    instance_lock.acquire(database_path(data, "paper"))  # as app.__main__ does
    shown = show_shell(args, settings, qapp, QIcon())
    return args, Shell(shown.window, settings, data, None, False, database_path(data, "paper"),
                       None, cli)  # fmt: skip


async def _close_all(app_run: asyncio.Future[int]) -> None:
    for window in windows():
        window.ask_close = lambda _q: True
        window.close()
    assert await asyncio.wait_for(app_run, 20) == 0


def test_a_switch_that_cannot_happen_leaves_paper_running_and_says_why(
    qapp: QApplication, run: Any, until: Any, tmp_path: Path, fake: FakeRobinhood,
    empty_keyring: None,
) -> None:  # fmt: skip
    import subprocess
    import sys

    from app.storage.db import open_database
    from app.storage.settings_store import save_settings

    data = tmp_path / "data"
    data.mkdir()
    live_db = database_path(data, "live")
    db = open_database(live_db)
    save_settings(db, {"RSI_PERIOD": "1"})  # saved by hand: live cannot start with it
    db.close()
    args, shell = _paper_app(qapp, data, {"ROBINHOOD_API_URL": fake.url})
    holder = subprocess.Popen(  # another Sherwood on the live database (a real process)
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'rb+'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(live_db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"

    async def scenario() -> None:
        app_run = asyncio.ensure_future(_run(args, shell))
        try:
            await until(lambda: "mode_live" in shell.window.actions_, timeout=20)
            paper = shell.window
            # the live database is in use: nothing stops, the window says so
            paper.actions_["mode_live"].trigger()
            answer(question(paper) or QMessageBox(), "Switch to live (real money)")
            await until(lambda: paper.findChild(QMessageBox, "modeSwitchProblem") is not None)
            problem = paper.findChild(QMessageBox, "modeSwitchProblem")
            assert "another Sherwood is already running" in problem.text()
            assert the_window() is paper and not paper.ctx.db.is_closed()
            problem.accept()
            holder.kill()
            holder.wait()

            # a saved live setting that fails: paper starts again, in a new window, and says why
            paper.actions_["mode_live"].trigger()
            answer(question(paper) or QMessageBox(), "Switch to live (real money)")
            await until(lambda: the_window() not in (None, paper), timeout=30)
            again = the_window()
            assert again is not None and again.ctx.settings.mode is Mode.PAPER
            assert again.ctx.db.database == str(database_path(data, "paper"))
            problem = again.findChild(QMessageBox, "modeSwitchProblem")
            assert problem is not None and "RSI_PERIOD" in problem.text()
            assert settings_for(data, {}, {}).mode is Mode.PAPER  # not remembered as live
            await _close_all(app_run)
        finally:
            if not app_run.done():
                await _close_all(app_run)

    try:
        run(scenario(), timeout=120)
    finally:
        holder.kill()
        instance_lock.release(database_path(data, "paper"))
    assert not instance_lock.is_held(live_db)


def test_a_demo_run_on_the_remembered_live_mode_is_a_paper_demo(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from app.storage.mode_choice import save_mode

    data = tmp_path / "data"
    save_mode(data, Mode.LIVE)  # the window was last switched to live
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k.upper() != "MODE"}
    env["QT_QPA_PLATFORM"] = "offscreen"

    def sherwood(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "--screenshot", str(tmp_path / "s.png"), "--run-for",
             "1", "--data-dir", str(data), *extra],
            cwd=root, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    demo = sherwood()
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert (tmp_path / "s.png").exists() and not database_path(data, "live").exists()
    asked = sherwood("--mode", "live")  # asked for by name: refused, as before
    assert asked.returncode == 2 and "not for live mode" in asked.stderr
    assert settings_for(data, {}, {}).mode is Mode.LIVE  # the remembered mode is kept
