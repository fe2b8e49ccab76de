"""The Robinhood login dialog, offscreen, driving the real gateway against the fake Robinhood
over real HTTP: the first-login warning, a code field when asked, "approve on your phone"
with a countdown and Cancel, and one-line failures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fake_robinhood import FakeRobinhood
from gateway_support import FAST
from memory_keyring import MemoryKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.core.bus import EventBus
from app.core.clock import LiveClock
from app.gateway.factory import build_gateway
from app.gateway.service import GatewayService
from app.gateway.state import SessionState, SessionStatus
from app.ui.login_dialog import LoginDialog, session_text

PASSWORD = "hunter2-but-longer"
WAIT_S = 5.0  # the gateway answers on the qasync loop, so waits run that loop


@pytest.fixture
def fake() -> Iterator[FakeRobinhood]:
    with FakeRobinhood() as server:
        server.add_user("alice", PASSWORD, mfa="totp", code="314159")
        server.add_user("bob", PASSWORD, verification="prompt", approve_after_polls=None)
        server.add_user("carol", PASSWORD, verification="sms", code="246810")
        yield server


@pytest.fixture
def gateway(fake: FakeRobinhood, run: Any) -> Iterator[GatewayService]:
    made = build_gateway(EventBus(), LiveClock(), fake.url, timings=FAST, backend=MemoryKeyring())
    run(made.start())
    yield made
    run(made.stop())


def open_dialog(gateway: GatewayService, qtbot: Any, user: str, warn: bool = False) -> LoginDialog:
    dialog = LoginDialog(gateway, gateway.bus, LiveClock(), show_warning=warn)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, user)
    qtbot.keyClicks(dialog.password, PASSWORD)
    return dialog


def test_first_login_warns_then_asks_for_the_authenticator_code(
    gateway: GatewayService, qtbot: Any, run: Any, until: Any
) -> None:
    dialog = open_dialog(gateway, qtbot, "alice", warn=True)
    assert dialog.warning.isVisible()
    assert "does not offer this API to third parties" in dialog.warning_text.text()
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert "Tick the box" in dialog.message.text() and not dialog.busy
    dialog.understood.setChecked(True)
    assert not dialog.code_box.isVisible()
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    run(until(dialog.code_box.isVisible, timeout=WAIT_S))
    assert "authenticator app" in dialog.code_message.text()
    assert not dialog.login_button.isEnabled()
    qtbot.keyClicks(dialog.code, "314159")
    qtbot.mouseClick(dialog.submit_code, Qt.MouseButton.LeftButton)
    run(until(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=WAIT_S))
    assert gateway.logged_in and gateway.status.username == "alice"
    assert dialog.password.text() == ""


def test_approve_on_the_phone_shows_a_countdown_and_cancel_stops_it(
    gateway: GatewayService, fake: FakeRobinhood, qtbot: Any, run: Any, until: Any
) -> None:
    dialog = open_dialog(gateway, qtbot, "bob")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    run(until(dialog.prompt_box.isVisible, timeout=WAIT_S))
    assert "Robinhood app on your phone" in dialog.prompt_message.text()
    assert re.fullmatch(r"\d+:\d\d left", dialog.prompt_countdown.text())
    assert not dialog.code_box.isVisible()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    run(until(lambda: not dialog.busy, timeout=WAIT_S))
    assert dialog.message.text() == "Login cancelled"
    assert not dialog.prompt_box.isVisible() and dialog.login_button.isEnabled()
    assert dialog.isVisible()  # cancelling the login leaves the dialog open to try again
    assert gateway.status.state is SessionState.LOGGED_OUT and fake.live_tokens() == 0


def test_sms_code_wrong_then_right(
    gateway: GatewayService, qtbot: Any, run: Any, until: Any
) -> None:
    dialog = open_dialog(gateway, qtbot, "carol")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    run(until(dialog.code_box.isVisible, timeout=WAIT_S))
    assert "text message" in dialog.code_message.text()
    assert re.fullmatch(r"\d+:\d\d left", dialog.code_countdown.text())
    qtbot.keyClicks(dialog.code, "111111")
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    run(until(lambda: "2 attempts left" in dialog.code_message.text(), timeout=WAIT_S))
    qtbot.keyClicks(dialog.code, "246810")
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    run(until(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=WAIT_S))
    assert gateway.logged_in


def test_wrong_password_is_one_red_line(
    gateway: GatewayService, qtbot: Any, run: Any, until: Any
) -> None:
    dialog = LoginDialog(gateway, gateway.bus, LiveClock())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "alice")
    qtbot.keyClicks(dialog.password, "not it")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    run(until(lambda: not dialog.busy and dialog.message.text() != "", timeout=WAIT_S))
    assert dialog.message.text() == "Unable to log in with provided credentials."
    assert dialog.login_button.isEnabled() and dialog.isVisible()


def test_status_bar_text_shows_who_and_how_long() -> None:
    now = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    status = SessionStatus(SessionState.LOGGED_IN, username="alice",
                           expires_at=now + timedelta(hours=23, minutes=5))  # fmt: skip
    text, tip = session_text(status, now)
    assert text == "Robinhood: alice · 23h 05m" and "renews itself" in tip
    assert session_text(SessionStatus(SessionState.EXPIRED, detail="log in again"), now) == (
        "Robinhood: expired", "log in again",
    )  # fmt: skip


def test_file_menu_and_status_bar_follow_the_session(
    gateway: GatewayService, run: Any, until: Any, qtbot: Any, tmp_path: Any
) -> None:
    from PySide6.QtCore import QSettings

    from app.config import Settings
    from app.ui.login_dialog import SessionActions
    from app.ui.main_window import MainWindow
    from app.ui.status_bar import StatusBar

    qsettings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings=Settings(), qsettings=qsettings, use_tray=False)
    qtbot.addWidget(window)
    window.status = StatusBar(LiveClock(), around_the_clock=lambda: True, mode="live")
    window.setStatusBar(window.status)
    actions = SessionActions(window, gateway, gateway.bus, LiveClock(), settings=qsettings)
    login, logout = window.actions_["login"], window.actions_["logout"]
    assert login.isEnabled() and not logout.isEnabled()
    assert window.status.robinhood.text() == "Robinhood: logged out"

    login.trigger()
    first = actions.dialog
    assert first is not None and first.warning.isVisible()  # the one-time warning
    first.understood.setChecked(True)
    qtbot.keyClicks(first.username, "alice")
    qtbot.keyClicks(first.password, PASSWORD)
    qtbot.mouseClick(first.login_button, Qt.MouseButton.LeftButton)
    run(until(first.code_box.isVisible, timeout=WAIT_S))
    qtbot.keyClicks(first.code, "314159")
    qtbot.keyClick(first.code, Qt.Key.Key_Return)
    run(until(lambda: gateway.logged_in, timeout=WAIT_S))
    assert re.fullmatch(r"Robinhood: alice · 2[34]h \d\dm", window.status.robinhood.text())
    assert logout.isEnabled() and not login.isEnabled()

    run(gateway.logout())
    assert window.status.robinhood.text() == "Robinhood: logged out"
    login.trigger()
    assert actions.dialog is not first and not actions.dialog.warning.isVisible()  # once only
