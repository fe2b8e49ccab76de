"""The Robinhood login dialog and the File-menu session actions.

The dialog sends commands to the gateway (log in, a code, cancel) and renders
what the gateway publishes: a code field appears when Robinhood asks for one,
"approve on your phone" shows a countdown to the deadline, every failure is
one line in red. No login rule lives here. The first live login shows, once,
a plain warning that Robinhood does not offer this API to third parties.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.bus import EventBus, Subscription
from app.core.errors import SherwoodError
from app.gateway.events import ChallengeIssued, SessionStateChanged
from app.gateway.state import ChallengeKind, SessionState, SessionStatus
from app.ui import theme

API_WARNING = (
    "Robinhood does not offer this API to third parties. Sherwood logs in the way its web "
    "app does, through the unofficial robin-stocks library. Robinhood may restrict or close "
    "accounts that use it, and automated live trading is at your own risk."
)
WARNING_KEY = "robinhood/api_warning_acknowledged"


class SessionCommands(Protocol):
    """The part of the gateway the dialog talks to."""

    @property
    def status(self) -> SessionStatus: ...

    async def login(
        self, username: str, password: str, mfa_code: str | None = None
    ) -> SessionStatus: ...

    def submit_code(self, code: str) -> bool: ...

    def cancel_login(self) -> bool: ...

    async def logout(self) -> bool: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


def countdown_text(deadline: datetime, now: datetime) -> str:
    seconds = max(0, int((deadline - now).total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d} left"


class LoginDialog(QDialog):
    """Username and password, then whatever challenge Robinhood asks for."""

    def __init__(
        self, gateway: SessionCommands, bus: EventBus, clock: Clock, *,
        show_warning: bool = False, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.gateway = gateway
        self.clock = clock
        self.setWindowTitle("Log in to Robinhood")
        self.setMinimumWidth(460)
        self._task: asyncio.Future[Any] | None = None
        self._deadline: datetime | None = None
        self._prompt_total = 1.0
        colors = theme.colors()

        layout = QVBoxLayout(self)
        self.warning = QFrame()
        self.warning.setObjectName("apiWarning")
        self.warning.setStyleSheet(
            f"#apiWarning {{ border: 1px solid {colors.warn}; border-radius: 4px; }}"
        )
        warning_layout = QVBoxLayout(self.warning)
        self.warning_text = QLabel(API_WARNING)
        self.warning_text.setWordWrap(True)
        self.understood = QCheckBox("I understand; I use it at my own risk")
        warning_layout.addWidget(self.warning_text)
        warning_layout.addWidget(self.understood)
        self.warning.setVisible(show_warning)
        layout.addWidget(self.warning)

        form = QFormLayout()
        self.username = QLineEdit(gateway.status.username)
        self.username.setPlaceholderText("e-mail")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        layout.addLayout(form)

        self.code_box = QWidget()
        code_layout = QVBoxLayout(self.code_box)
        code_layout.setContentsMargins(0, 0, 0, 0)
        self.code_message = QLabel("")
        self.code_message.setWordWrap(True)
        code_row = QHBoxLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText("6-digit code")
        self.code.setMaxLength(12)
        self.submit_code = QPushButton("Submit code")
        code_row.addWidget(self.code)
        code_row.addWidget(self.submit_code)
        self.code_countdown = QLabel("")
        code_layout.addWidget(self.code_message)
        code_layout.addLayout(code_row)
        code_layout.addWidget(self.code_countdown)
        self.code_box.setVisible(False)
        layout.addWidget(self.code_box)

        self.prompt_box = QWidget()
        prompt_layout = QVBoxLayout(self.prompt_box)
        prompt_layout.setContentsMargins(0, 0, 0, 0)
        self.prompt_message = QLabel(
            "<b>Approve this login in the Robinhood app on your phone.</b>"
        )
        self.prompt_message.setWordWrap(True)
        self.prompt_countdown = QLabel("")
        self.prompt_bar = QProgressBar()
        self.prompt_bar.setRange(0, 1000)
        self.prompt_bar.setTextVisible(False)
        prompt_layout.addWidget(self.prompt_message)
        prompt_layout.addWidget(self.prompt_countdown)
        prompt_layout.addWidget(self.prompt_bar)
        self.prompt_box.setVisible(False)
        layout.addWidget(self.prompt_box)

        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.message)

        self.buttons = QDialogButtonBox()
        self.login_button = self.buttons.addButton("Log in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.login_button.setDefault(True)
        layout.addWidget(self.buttons)

        self.login_button.clicked.connect(self.start_login)
        self.cancel_button.clicked.connect(self.cancel)
        self.submit_code.clicked.connect(self.send_code)
        self.code.returnPressed.connect(self.send_code)
        self.timer = QTimer(self)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self._tick)
        self._subs: list[Subscription] = [
            bus.subscribe(SessionStateChanged, self._on_state),
            bus.subscribe(ChallengeIssued, self._on_challenge),
        ]
        self.finished.connect(self._detach)

    # --- commands --------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def start_login(self) -> None:
        if self.busy:
            return
        if self.warning.isVisible() and not self.understood.isChecked():
            self._say("Tick the box above to confirm you read the warning.", error=True)
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self._say("Enter your Robinhood username and password.", error=True)
            return
        self._task = asyncio.ensure_future(self._login(username, password))

    async def _login(self, username: str, password: str) -> None:
        try:
            await self.gateway.login(username, password)
        except SherwoodError as exc:
            status = self.gateway.status
            if status.detail:
                self.show_status(status)  # the reason, and when to retry if throttled
            else:
                self._say(str(exc), error=True)
            self._set_inputs(True)
            return
        self.password.clear()
        self.accept()

    def send_code(self) -> None:
        if self.code.text().strip() and self.gateway.submit_code(self.code.text()):
            self.code.clear()
            self.submit_code.setEnabled(False)

    def cancel(self) -> None:
        if self.busy:
            self.gateway.cancel_login()
        else:
            self.reject()

    def reject(self) -> None:
        if self.busy:
            self.gateway.cancel_login()
        super().reject()

    # --- rendering -------------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        colors = theme.colors()
        self.message.setStyleSheet(f"color: {colors.loss if error else colors.muted}")
        self.message.setText(text[:1].upper() + text[1:])

    def _set_inputs(self, enabled: bool) -> None:
        self.username.setEnabled(enabled)
        self.password.setEnabled(enabled)
        self.login_button.setEnabled(enabled)
        self.understood.setEnabled(enabled)

    def _on_state(self, event: SessionStateChanged) -> None:
        self.show_status(event.status)

    def _on_challenge(self, event: ChallengeIssued) -> None:
        self.show_status(event.status, event.message)

    def show_status(self, status: SessionStatus, message: str = "") -> None:
        state = status.state
        asking = state is SessionState.CHALLENGE and status.challenge is not None
        code_kind = asking and status.challenge is not ChallengeKind.PROMPT
        prompt = asking and status.challenge is ChallengeKind.PROMPT
        self._set_inputs(state in (SessionState.LOGGED_OUT, SessionState.THROTTLED,
                                   SessionState.EXPIRED))  # fmt: skip
        if code_kind:
            text = message or status.detail
            self.code_message.setText(text[0].upper() + text[1:] + ":")
            self.submit_code.setEnabled(True)
            self.code.setFocus()
        self.code_box.setVisible(code_kind)
        self.prompt_box.setVisible(prompt)
        self._deadline = status.deadline if asking else None
        if self._deadline is not None:
            self._prompt_total = max(1.0, (self._deadline - self.clock.now()).total_seconds())
            self.timer.start()
            self._tick()
        else:
            self.timer.stop()
        if state is SessionState.LOGGING_IN:
            self._say("Signing in…")
        elif state is SessionState.CHALLENGE:
            self._say("Waiting for you… (Cancel stops the login)")
        elif state is SessionState.THROTTLED and status.retry_at is not None:
            when = status.retry_at.astimezone().strftime("%H:%M:%S")
            self._say(f"{status.detail} (at {when}).", error=True)
        elif state in (SessionState.LOGGED_OUT, SessionState.EXPIRED) and status.detail:
            self._say(status.detail, error=True)
        elif state is SessionState.LOGGED_IN:
            self._say(f"Logged in as {status.username}.")

    def _tick(self) -> None:
        if self._deadline is None:
            return
        left = (self._deadline - self.clock.now()).total_seconds()
        text = countdown_text(self._deadline, self.clock.now())
        self.prompt_countdown.setText(text)
        self.prompt_bar.setValue(int(1000 * max(0.0, left) / self._prompt_total))
        self.code_countdown.setText(text)

    def _detach(self) -> None:
        self.timer.stop()
        for sub in self._subs:
            sub.cancel()
        self._subs.clear()


def session_text(status: SessionStatus, now: datetime) -> tuple[str, str]:
    """The status bar's Robinhood label and its tooltip."""
    if status.state is SessionState.LOGGED_IN and status.expires_at is not None:
        left = max(0, int((status.expires_at - now).total_seconds()))
        tip = f"Token renews itself before {status.expires_at.astimezone():%Y-%m-%d %H:%M}"
        if not status.persistent:
            tip += "; kept in memory only (no keyring)"
        return f"Robinhood: {status.username} · {left // 3600}h {left % 3600 // 60:02d}m", tip
    return f"Robinhood: {status.state.value}", status.detail


class SessionActions:
    """Wires File > Log in / Log out and the status bar to a gateway (live mode)."""

    def __init__(
        self, window: Any, gateway: SessionCommands, bus: EventBus, clock: Clock,
        settings: QSettings | None = None,
    ) -> None:  # fmt: skip
        self.window = window
        self.gateway = gateway
        self.bus = bus
        self.clock = clock
        self.settings = settings or QSettings("Sherwood", "Sherwood")
        self.dialog: LoginDialog | None = None
        self.logout_task: asyncio.Future[bool] | None = None
        self.told_no_keyring = False
        window.actions_["login"].triggered.connect(self.open_login)
        window.actions_["logout"].triggered.connect(self.logout)
        bus.subscribe(SessionStateChanged, lambda e: self.show(e.status))
        self.show(gateway.status)

    def show(self, status: SessionStatus) -> None:
        text, tip = session_text(status, self.clock.now())
        self.window.status.set_session(text, tip, warn=status.state in (
            SessionState.EXPIRED, SessionState.THROTTLED, SessionState.LOGGED_OUT))  # fmt: skip
        if status.logged_in and not status.persistent and not self.told_no_keyring:
            self.told_no_keyring = True  # once a run: where the session is, how to keep it
            self.window.notifier.notify("Robinhood session", status.detail, error=True)
        self.window.actions_["login"].setEnabled(status.state is not SessionState.LOGGED_IN)
        self.window.actions_["logout"].setEnabled(status.state is SessionState.LOGGED_IN)

    def open_login(self) -> None:
        first = not self.settings.value(WARNING_KEY, False, type=bool)
        self.dialog = LoginDialog(self.gateway, self.bus, self.clock, show_warning=first,
                                  parent=self.window)  # fmt: skip
        self.dialog.accepted.connect(lambda: self.settings.setValue(WARNING_KEY, True))
        self.dialog.open()

    def logout(self) -> None:
        answer = QMessageBox.question(
            self.window, "Log out of Robinhood",
            "Log out? Live trading pauses until you log in again.",
        )  # fmt: skip
        if answer == QMessageBox.StandardButton.Yes:
            self.logout_task = asyncio.ensure_future(self.gateway.logout())
