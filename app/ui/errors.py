"""The unhandled-exception hook: log it, show it in a dialog, keep running.

Covers ``sys.excepthook`` (exceptions escaping Qt slots and callbacks) and the
asyncio loop's exception handler (exceptions in tasks nobody awaited). The
dialog function is injectable so tests never block on a modal box.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger("sherwood.ui.errors")

ShowError = Callable[[str, str], None]


_open_boxes: set[QMessageBox] = set()  # a box without a parent lives while it is open


def message_box(parent: QWidget | None = None) -> ShowError:
    """A non-modal critical message box (never blocks the event loop)."""

    def show(title: str, detail: str) -> None:
        summary = detail.strip().splitlines()[-1][:500] if detail.strip() else title
        box = QMessageBox(QMessageBox.Icon.Critical, title, summary, parent=parent)
        box.setDetailedText(detail)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # without a Python reference a parentless box is deleted as soon as this returns
        _open_boxes.add(box)
        box.finished.connect(lambda _result: _open_boxes.discard(box))
        box.show()

    return show


class ExceptionHook:
    """Install with :meth:`install`; restores the previous hooks on :meth:`uninstall`."""

    def __init__(self, show: ShowError) -> None:
        self.show = show
        self.count = 0
        self._previous: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self.handle_exception
        if loop is not None:
            self._loop = loop
            loop.set_exception_handler(self.handle_loop_exception)

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook = self._previous
            self._previous = None
        if self._loop is not None:
            self._loop.set_exception_handler(None)
            self._loop = None

    def handle_exception(
        self,
        kind: type[BaseException],
        value: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            if self._previous is not None:
                self._previous(kind, value, tb)
            return
        detail = "".join(traceback.format_exception(kind, value, tb))
        log.error("unhandled exception: %s: %s", kind.__name__, value, exc_info=(kind, value, tb))
        self._report(f"{kind.__name__}: {value}", detail)

    def handle_loop_exception(
        self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        exc = context.get("exception")
        message = str(context.get("message", "error in the event loop"))
        if isinstance(exc, BaseException):
            detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            log.error("unhandled exception in a task: %s", message, exc_info=exc)
            self._report(f"{type(exc).__name__}: {exc}", detail)
        else:
            log.error("event loop error: %s", message)
            self._report(message, message)

    def _report(self, summary: str, detail: str) -> None:
        self.count += 1
        try:
            self.show("Unexpected error", f"{detail}\n{summary}")
        except Exception:  # the dialog itself must never take the app down
            log.exception("could not show the error dialog")
