"""GUI event-loop lag of the running terminal beside a bare PySide6 window on the same loop.

Run ``python bench/ui_lag.py`` from the repo root (offscreen unless QT_QPA_PLATFORM is set).

A 10 ms ``QTimer`` runs for ``--seconds`` on the qasync loop; its lateness
(time between ticks minus 10 ms) is what a user feels as a sluggish window.
Measured twice in the same process: (1) with a bare ``QMainWindow`` shown and
nothing else running (the floor of this machine and Qt), (2) with the full
terminal (every service, the chart, the bot enabled) on a simulated market at
``--speed`` (600x: ten simulated minutes a wall second, a bar every 6 ms of
wall time at 1-minute bars). p50, p99 and max are printed side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qasync
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from app.config import Settings
from app.core.clock import SimulatedClock

TICK_MS = 10
START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in New York


async def lateness(seconds: float) -> list[float]:
    """Lateness of a 10 ms QTimer's ticks over ``seconds``, in ms."""
    samples: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        samples.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    last[0] = time.perf_counter()
    timer.start()
    await asyncio.sleep(seconds)
    timer.stop()
    return samples


async def bare_window(seconds: float) -> list[float]:
    window = QMainWindow()
    window.resize(1280, 800)
    window.show()
    try:
        return await lateness(seconds)
    finally:
        window.close()


async def terminal(seconds: float, speed: float) -> list[float]:
    from app.composition import build_app
    from app.ui.controller import Controller
    from app.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings().replace(log_level="ERROR")
        ctx = build_app(settings, data_dir=Path(folder), clock=SimulatedClock(START, speed=speed))
        await ctx.start()
        qsettings = QSettings(str(Path(folder) / "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(ctx, qsettings=qsettings, confirm_order=lambda _t: True,
                            ask_close=lambda _t: True, use_tray=False)  # fmt: skip
        controller = Controller(window, ctx)
        controller.start()
        window.show()
        await asyncio.sleep(0.5)  # the first quotes and the chart's first bars
        await ctx.execution.set_bot_enabled(True)
        try:
            return await lateness(seconds)
        finally:
            controller.stop()
            window.close()
            await ctx.stop()


def summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99) - 1], ordered[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--speed", type=float, default=600.0)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)  # as in the app: the loop always runs

    async def both() -> tuple[list[float], list[float]]:
        return await bare_window(args.seconds), await terminal(args.seconds, args.speed)

    task = asyncio.ensure_future(both(), loop=loop)
    while not task.done():  # Qt drives the loop, as in the app
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    bare, full = task.result()
    rows = [("bare PySide6 window", bare), (f"terminal at {args.speed:.0f}x, bot on", full)]
    out = [f"GUI event-loop lag, 10 ms QTimer for {args.seconds:.0f} s, ms:"]
    for name, samples in rows:
        p50, p99, worst = summary(samples)
        out.append(f"  {name:<28} p50 {p50:6.2f}  p99 {p99:6.2f}  max {worst:7.2f}  "
                   f"({len(samples)} ticks)")  # fmt: skip
    bare_p99, full_p99 = summary(bare)[1], summary(full)[1]
    out.append(f"  p99 terminal - bare: {full_p99 - bare_p99:+.2f} ms")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
