"""A buy over the API shows in the running window's orders table, once (real window, offscreen).

The window, the services and the API share one qasync loop, as in the app;
the request comes from another thread through the command line's blocking
client (:mod:`app.api.client`), found through ``api.json``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import qasync
from api_harness import API_SETTINGS, TUESDAY_10_NY
from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtWidgets import QApplication

from app.api.client import find_running
from app.composition import build_app
from app.config import Settings
from app.core.clock import SimulatedClock
from app.core.models import OrderStatus


def run(app: QApplication, loop: Any, coro: Any, timeout: float = 20.0) -> Any:
    task = asyncio.ensure_future(asyncio.wait_for(coro, timeout), loop=loop)
    while not task.done():
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    return task.result()


async def until(predicate: Callable[[], Any], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        await asyncio.sleep(0.02)


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)  # as in the app: the loop always runs
    yield loop
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)


def test_a_buy_over_the_api_appears_in_the_orders_table_once(
    qapp: QApplication, qloop: qasync.QEventLoop, tmp_path: Path
) -> None:
    from app.ui.controller import Controller
    from app.ui.main_window import MainWindow

    folder = tmp_path / "data"
    settings = Settings().replace(**API_SETTINGS)
    ctx = build_app(settings, data_dir=folder, clock=SimulatedClock(TUESDAY_10_NY, speed=10))
    run(qapp, qloop, ctx.start())
    window = MainWindow(
        ctx,
        qsettings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat),
        confirm_order=lambda _text: True,
        ask_close=lambda _text: True,
        use_tray=False,
    )
    controller = Controller(window, ctx)
    controller.start()
    window.show()
    try:

        async def body() -> Any:
            await until(lambda: window.ticket.quote is not None)
            client = await asyncio.to_thread(find_running, folder)
            assert client is not None
            answer = await asyncio.to_thread(client.order, "buy", "TQQQ", dollars=Decimal("5"))
            assert answer.ok, answer.body
            order_id = answer.body["order_id"]
            rows = window.orders.rows
            await until(
                lambda: (
                    [r.status for r in rows if r.client_order_id == order_id]
                    == [OrderStatus.FILLED]
                )
            )
            await until(lambda: [p.symbol for p in window.positions.rows] == ["TQQQ"])
            return order_id

        order_id = run(qapp, qloop, body())
        ids = [row.client_order_id for row in window.orders.rows]
        assert ids.count(order_id) == 1
        journal = [o for o in ctx.execution.orders(100) if o.client_order_id == order_id]
        assert len(journal) == 1
    finally:
        controller.stop()
        window.close()
        run(qapp, qloop, ctx.stop())
        window.deleteLater()
