"""Notifications on fills and denials: a tray message where a tray exists, else a toast.

The toast is a small label in the window's bottom-right corner that fades out
after a few seconds; several toasts stack.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QPropertyAnimation, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QGraphicsOpacityEffect, QLabel, QSystemTrayIcon, QWidget

log = logging.getLogger("sherwood.ui.notifications")

TOAST_MS = 4000


class Toast(QLabel):
    """One in-window message that fades after ``TOAST_MS``."""

    def __init__(self, parent: QWidget, title: str, text: str) -> None:
        super().__init__(f"<b>{title}</b><br>{text}", parent)
        self.setObjectName("toast")
        self.setWordWrap(True)
        self.setMaximumWidth(360)
        self.adjustSize()
        effect = QGraphicsOpacityEffect(self)
        effect.setOpacity(1.0)
        self.setGraphicsEffect(effect)
        self._fade = QPropertyAnimation(effect, b"opacity", self)
        self._fade.setDuration(600)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.finished.connect(self.deleteLater)
        QTimer.singleShot(TOAST_MS, self._fade.start)


class Notifier:
    """Shows fills and denials to the user."""

    def __init__(self, window: QWidget, icon: QIcon | None = None, *, use_tray: bool | None = None):
        self.window = window
        self.tray: QSystemTrayIcon | None = None
        self.toasts: list[Toast] = []
        self.history: list[tuple[str, str]] = []
        self.muted = False  # logged and kept in the history, not shown (a screenshot is taken)
        if use_tray is None:
            use_tray = QSystemTrayIcon.isSystemTrayAvailable()
        if use_tray:
            self.tray = QSystemTrayIcon(icon or QIcon(), window)
            self.tray.setToolTip("Sherwood")
            self.tray.show()

    def notify(self, title: str, text: str, *, error: bool = False) -> None:
        self.history.append((title, text))
        log.info("notification: %s: %s", title, text)
        if self.muted:
            return
        if self.tray is not None:
            kind = (
                QSystemTrayIcon.MessageIcon.Warning
                if error
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.tray.showMessage(title, text, kind, TOAST_MS)
            return
        self._toast(title, text)

    def _toast(self, title: str, text: str) -> None:
        self.toasts = [t for t in self.toasts if _alive(t)]
        toast = Toast(self.window, title, text)
        margin = 16
        y = self.window.height() - margin
        for other in self.toasts:
            y -= other.height() + 6
        toast.move(self.window.width() - toast.width() - margin, y - toast.height())
        toast.show()
        toast.raise_()
        self.toasts.append(toast)

    def dismiss_all(self) -> None:
        for toast in self.toasts:
            if _alive(toast):
                toast.hide()
        self.toasts.clear()

    def hide(self) -> None:
        if self.tray is not None:
            self.tray.hide()


def _alive(widget: QWidget) -> bool:
    try:
        return widget.isVisible()
    except RuntimeError:  # deleted on the C++ side
        return False
