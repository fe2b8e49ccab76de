"""SIGTERM and SIGINT close the window the way File > Quit (Ctrl+Q) does, without asking.

A logout, a shutdown or ``kill`` sends SIGTERM; Ctrl+C in the terminal sends
SIGINT. Either way the services stop in order, the layout is saved and the
process exits 0. Python runs signal handlers only between bytecodes, which Qt's
event loop may not reach for a while, so the signal number goes through
``signal.set_wakeup_fd`` to a socket that a :class:`QSocketNotifier` watches:
the window hears it on the next turn of the event loop.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier

log = logging.getLogger("sherwood.ui")

SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _ignore(_signum: int, _frame: FrameType | None) -> None:
    """The Python-level handler: the work happens when the wakeup byte is read."""


class SignalCloser(QObject):
    """Calls ``quit_now()`` when SIGTERM or SIGINT arrives (a second one exits at once);
    ``uninstall`` puts the previous handlers back."""

    def __init__(self, quit_now: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._quit_now = quit_now
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        self._previous: dict[int, Any] = {sig: signal.signal(sig, _ignore) for sig in SIGNALS}
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wakeup)
        self.received: list[int] = []

    def _on_wakeup(self) -> None:
        try:
            data = self._read.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        for number in data:
            if number not in SIGNALS:
                continue
            if self.received:  # a second signal while stopping: stop now, the default way
                log.warning("%s received again: exiting at once", signal.Signals(number).name)
                signal.signal(number, signal.SIG_DFL)
                os.kill(os.getpid(), number)
                return
            self.received.append(number)
            log.info("%s received: quitting as File > Quit does", signal.Signals(number).name)
            self._quit_now()

    def uninstall(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._read.close()
        self._write.close()
