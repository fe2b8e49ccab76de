"""The unhandled-exception hook: logs, shows a dialog (injected), and the app keeps running."""

from __future__ import annotations

import asyncio
import logging

import pytest
from PySide6.QtCore import QTimer

from app.ui.errors import ExceptionHook


def test_unhandled_exceptions_are_logged_shown_and_survived(
    qloop, run, caplog: pytest.LogCaptureFixture
) -> None:
    shown: list[tuple[str, str]] = []
    hook = ExceptionHook(lambda title, detail: shown.append((title, detail)))
    hook.install(qloop)
    after: list[str] = []

    def broken_slot() -> None:
        raise ValueError("slot went wrong")

    def broken_callback() -> None:
        raise RuntimeError("callback went wrong")

    async def body() -> None:
        QTimer.singleShot(0, broken_slot)
        asyncio.get_running_loop().call_soon(broken_callback)
        await asyncio.sleep(0.1)
        QTimer.singleShot(0, lambda: after.append("still running"))
        await asyncio.sleep(0.1)

    try:
        with caplog.at_level(logging.ERROR):
            run(body())
    finally:
        hook.uninstall()
    details = "\n".join(detail for _title, detail in shown)
    assert "ValueError: slot went wrong" in details
    assert "RuntimeError: callback went wrong" in details
    assert all(title == "Unexpected error" for title, _ in shown)
    assert "slot went wrong" in caplog.text and "callback went wrong" in caplog.text
    assert after == ["still running"]
    assert hook.count == 2
