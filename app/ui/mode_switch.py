"""The question before switching between paper and live trading (Mode menu).

The window's Mode menu asks for a switch (``MainWindow.modeSwitchRequested``); this
module asks the user, in a window-modal message box, and on a yes hands the target
mode to ``on_switch`` (the window start-up code in :mod:`app.ui.run`, which stops
the services and starts them again on the other mode's database). Nothing here
decides anything about trading.

Live to paper is one question. Paper to live first says what live means: real money
in the Robinhood account, an unofficial API at the user's own risk, a separate
database, a confirmation before each order; its default button stays in paper.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QAbstractButton, QMainWindow, QMenu, QMessageBox, QWidget

log = logging.getLogger("sherwood.ui.mode")

LIVE_TITLE = "Switch to live trading"
PAPER_TITLE = "Switch to paper trading"
LIVE_TEXT = "<b>Live trading uses real money.</b>"
LIVE_DETAILS = (
    "Sherwood will send real orders to your Robinhood account: every buy spends your "
    "money, every loss is real.\n\n"
    "• Orders go through Robinhood's unofficial API, at your own risk; Robinhood may "
    "limit or stop accounts that trade through it.\n"
    "• Live has its own database and settings; the paper account stays as it is.\n"
    "• Each order asks for a confirmation (Settings: CONFIRM_ORDERS).\n"
    "• Without a stored Robinhood session, Sherwood asks you to log in after the switch."
)
PAPER_TEXT = "Switch to paper trading on the simulated market?"
PAPER_DETAILS = (
    "Sherwood stops trading on your Robinhood account and restarts on the paper "
    "account. Orders open at Robinhood stay open there; Sherwood checks them again "
    "when you come back to live."
)


def question(current: str, target: str, concerns: str = "") -> tuple[str, str, str]:
    """(title, text, details) of the question for switching from ``current`` to ``target``;
    ``concerns`` (the bot running, open orders) is added to the details."""
    title, text, details = (
        (LIVE_TITLE, LIVE_TEXT, LIVE_DETAILS) if target == "live"
        else (PAPER_TITLE, PAPER_TEXT, PAPER_DETAILS)
    )  # fmt: skip
    if concerns:
        details = f"{concerns}\n\n{details}"
    return title, text, details


class ModeSwitcher:
    """Asks before a mode switch; ``on_switch(target)`` runs only on a yes."""

    def __init__(
        self, parent: QWidget, current: str, on_switch: Callable[[str], None],
        concerns: Callable[[], str] = lambda: "",
    ) -> None:  # fmt: skip
        self.parent = parent
        self.current = current
        self.on_switch = on_switch
        self.concerns = concerns
        self.dialog: QMessageBox | None = None
        self.yes_button: QAbstractButton | None = None
        self.no_button: QAbstractButton | None = None

    def request(self, target: str) -> None:
        """Open the question (window-modal, not blocking the event loop)."""
        if target == self.current or (self.dialog is not None and self.dialog.isVisible()):
            return
        title, text, details = question(self.current, target, self.concerns())
        box = QMessageBox(self.parent)
        box.setObjectName("modeSwitchQuestion")
        box.setWindowTitle(title)
        box.setIcon(QMessageBox.Icon.Warning if target == "live" else QMessageBox.Icon.Question)
        box.setText(text)
        box.setInformativeText(details)
        yes_text = "Switch to live (real money)" if target == "live" else "Switch to paper"
        no_text = "Stay in paper" if target == "live" else "Stay in live"
        self.yes_button = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
        self.no_button = box.addButton(no_text, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.no_button)  # Enter alone never switches
        box.setEscapeButton(self.no_button)
        box.finished.connect(lambda _code: self._answered(box, target))
        self.dialog = box
        box.open()

    def _answered(self, box: QMessageBox, target: str) -> None:
        yes = box.clickedButton() is self.yes_button
        box.deleteLater()
        if self.dialog is box:
            self.dialog = None
        if not yes:
            log.info("switch to %s mode declined", target)
            return
        log.info("switching from %s to %s mode", self.current, target)
        self.on_switch(target)


MODES = (
    ("paper", "&Paper trading (simulated market)"),
    ("live", "&Live trading (Robinhood, real money)…"),
)


def install_mode_menu(
    window: QMainWindow, current: str, switcher: ModeSwitcher, *, enabled: bool = True
) -> QMenu:
    """A Mode menu before Help: the current mode checked; choosing the other asks first
    (``enabled`` False: a demo run on a scratch account, which cannot switch)."""
    bar = window.menuBar()
    menu = QMenu("&Mode", window)
    menu.setObjectName("modeMenu")
    group = QActionGroup(menu)
    group.setExclusive(True)
    actions: dict[str, QAction] = getattr(window, "actions_", {})
    for mode, text in MODES:
        action = QAction(text, menu)
        action.setCheckable(True)
        action.setChecked(mode == current)
        action.setEnabled(enabled)
        if not enabled:
            action.setToolTip("A demo run (--speed, --replay) has its own scratch account")
        group.addAction(action)
        menu.addAction(action)
        actions[f"mode_{mode}"] = action

        def chosen(_checked: bool = False, mode: str = mode) -> None:
            actions[f"mode_{current}"].setChecked(True)  # it changes only once switched
            switcher.request(mode)

        action.triggered.connect(chosen)
    help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
    if help_menu is not None:
        bar.insertMenu(help_menu, menu)
    else:
        bar.addMenu(menu)
    return menu


__all__ = ["ModeSwitcher", "install_mode_menu", "question"]
