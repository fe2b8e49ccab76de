"""UI test fixtures: a qasync loop on pytest-qt's QApplication, and the real app on a tmp dir.

How the tests drive async code: each test is a plain (sync) function. The
``qloop`` fixture makes a ``qasync.QEventLoop`` over the QApplication and marks
it as asyncio's running loop for the whole test, as it is for the whole life of
the app: qasync runs asyncio callbacks from Qt timers, so *any* Qt event
processing (pytest-qt pumps events between test phases) runs them, and they
must find their loop. ``run(coro)`` runs an async body by processing Qt events
until it is done (with a timeout). Inside a body, wait with
``await until(predicate)``; ``qtbot.mouseClick`` / ``keyClicks`` are fine anywhere.
The app runs on a SimulatedClock at speed 10 starting Tuesday 10:00 New York,
so the simulated market moves and the paper broker fills within milliseconds.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import keyring
import pytest
import qasync
from fake_robinhood import FakeRobinhood
from live_robinhood import running_fake
from memory_keyring import MemoryKeyring
from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtWidgets import QApplication

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import LiveClock, SimulatedClock
from app.gateway.factory import build_gateway

T = TypeVar("T")
TUESDAY_10_NY = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
UI_SETTINGS = {
    "max_investment": Decimal("500"),
    "max_position_value": Decimal("2000"),
    "max_daily_loss": Decimal("500"),
    "paper_starting_cash": Decimal("5000"),
    "paper_latency_ms": 20,
}


class Runner:
    def __init__(self, loop: qasync.QEventLoop, app: QApplication) -> None:
        self.loop = loop
        self.app = app

    def __call__(self, coro: Awaitable[T], timeout: float = 20.0) -> T:
        task = asyncio.ensure_future(asyncio.wait_for(coro, timeout), loop=self.loop)
        while not task.done():
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        return task.result()


async def until(predicate: Callable[[], Any], timeout: float = 5.0, step: float = 0.02) -> None:
    """Wait (pumping Qt and asyncio) until ``predicate()`` is truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        await asyncio.sleep(step)


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)  # as in the app: the loop always runs
    yield loop
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def run(qloop: qasync.QEventLoop, qapp: QApplication) -> Runner:
    return Runner(qloop, qapp)


@pytest.fixture
def ui_settings() -> Settings:
    return Settings().replace(**UI_SETTINGS)


@pytest.fixture
def layout_ini(tmp_path: Path) -> Path:
    return tmp_path / "layout.ini"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "speed(n): simulated clock speed of the terminal fixture")


@pytest.fixture
def terminal(
    request: pytest.FixtureRequest,
    run: Runner,
    tmp_path: Path,
    ui_settings: Settings,
    layout_ini: Path,
) -> Iterator[Any]:
    """The real app (build_app) with its MainWindow and Controller, started."""
    from app.composition import build_app
    from app.ui.controller import Controller
    from app.ui.main_window import MainWindow

    marker = request.node.get_closest_marker("speed")
    clock = SimulatedClock(TUESDAY_10_NY, speed=float(marker.args[0]) if marker else 10.0)
    ctx = build_app(ui_settings, data_dir=tmp_path / "data", clock=clock)
    run(ctx.start())
    window = MainWindow(
        ctx,
        qsettings=QSettings(str(layout_ini), QSettings.Format.IniFormat),
        confirm_order=lambda _text: True,
        ask_close=lambda _text: True,
        use_tray=False,
    )
    controller = Controller(window, ctx)
    controller.start()
    window.show()
    yield window
    controller.stop()
    window.close()
    run(ctx.stop())
    window.deleteLater()


@pytest.fixture(name="until")
def until_fixture() -> Callable[..., Awaitable[None]]:
    """The :func:`until` helper, for test modules (they cannot import conftest)."""
    return until


@pytest.fixture(autouse=True)
def _no_leftover_windows(qapp: QApplication) -> Iterator[None]:
    """Close and delete every window a test leaves behind, before the next test runs.

    PySide6 on CPython 3.11 can crash in ``processEvents`` when widgets, timers and
    helper threads of many earlier tests pile up in one process.
    """
    yield
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QApplication.sendPostedEvents(None, 0)  # 0: QEvent.DeferredDelete included
    qapp.processEvents()
    gc.collect()


# --- live mode against the fake Robinhood (real HTTP) -------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeRobinhood]:
    """The fake Robinhood with user dave and an empty account (a test adds what it needs)."""
    with running_fake() as server:
        yield server


@pytest.fixture
def stored_session(fake: FakeRobinhood, run: Callable[..., Any]) -> Iterator[None]:
    """``sherwood login`` done before: the session is in the (test) keyring."""
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())

    async def login() -> None:
        gateway = build_gateway(EventBus(), LiveClock(), fake.url)
        await gateway.start()
        await gateway.login("dave", "hunter2")
        await gateway.stop()

    run(login())
    yield
    keyring.set_keyring(previous)
