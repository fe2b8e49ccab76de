"""No blocking call on the GUI thread: event-loop lag under a fast simulated market."""

from __future__ import annotations

import asyncio
import time

import pytest
from PySide6.QtCore import QTimer

from app.ui.main_window import MainWindow

TICK_MS = 10
MEASURE_S = 3.0


@pytest.mark.speed(600)
def test_event_loop_lag_p99_under_50ms(terminal: MainWindow, run, until) -> None:
    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    async def body() -> None:
        await until(lambda: terminal.ticket.quote is not None)
        await terminal.ctx.execution.set_bot_enabled(True)
        timer = QTimer()
        timer.setInterval(TICK_MS)
        timer.timeout.connect(tick)
        last[0] = time.perf_counter()
        timer.start()
        await asyncio.sleep(MEASURE_S)
        timer.stop()

    run(body())
    lateness.sort()
    p99 = lateness[int(len(lateness) * 0.99) - 1]
    print(
        f"ticks={len(lateness)} p50={lateness[len(lateness) // 2]:.1f}ms p99={p99:.1f}ms "
        f"max={lateness[-1]:.1f}ms"
    )
    assert len(lateness) > MEASURE_S * 1000 / TICK_MS / 6  # enough samples for a p99
    assert p99 < 50.0
