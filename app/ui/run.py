"""GUI entry: QApplication on a qasync loop, the services, the main window; screenshot mode.

``run_gui(args, settings)`` is called by ``app.__main__`` for GUI mode. With
``args.screenshot`` it runs the simulated market fast (speed 600, bot on) for
``args.run_for`` seconds, saves the main window as a PNG and returns 0; it
works on the offscreen platform (chosen when no display is available).

Start-up order (issue 5, first paint fast): settings, theme and the window shell
(menus, empty docks, restored layout, a "Loading chart…" placeholder) are shown
first; only after that first paint are the services built and started (numpy,
SQLite, simulated history), the docks filled, and the chart (pyqtgraph) installed.
With ``SHERWOOD_STARTUP_PROBE=1`` the process writes ``first_paint <epoch>`` and
``chart_ready <epoch>`` lines to stdout and closes the window (bench/chart.py).
With ``args.replay`` the market is that CSV file's bars, paced at ``args.speed``
(:mod:`app.backtest.replay`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.config import Settings
from app.ui.display import display_problem

log = logging.getLogger("sherwood.ui")

SCREENSHOT_SPEED = 1800.0  # 8 s show ~4 hours: enough for the bot to trade
SCREENSHOT_SECONDS = 8.0
SCREENSHOT_SIZE = (1600, 1000)
LAYOUT_FILE = "layout.ini"
FIRST_PAINT_TIMEOUT = 2.0  # never hold the start-up back for a paint that does not come
PROBE_ENV = "SHERWOOD_STARTUP_PROBE"


def window_icon() -> Any:
    from PySide6.QtGui import QIcon

    from app.ui.theme import ASSETS

    icon = QIcon()
    for size in (16, 32, 64, 128, 256):
        path = ASSETS / "icons" / f"sherwood-{size}.png"
        if path.exists():
            icon.addFile(str(path))
    return icon


@dataclass
class Shell:
    """The window shell shown before the event loop and the services exist."""

    window: Any
    settings: Any
    data_dir: Path
    screenshot: str | None
    probe: bool
    database: Path | None = None  # None: the mode's database (see app.__main__.is_demo_run)
    replay: Any = None  # (clock, feed) of a --replay run


def run_gui(args: argparse.Namespace, settings: Settings, database: Path | None = None) -> int:
    screenshot = getattr(args, "screenshot", None)
    if screenshot and display_problem(os.environ) is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a picture needs no screen
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Sherwood")
    app.setOrganizationName("Sherwood")
    app.setQuitOnLastWindowClosed(False)  # _run stops the services, then the loop ends
    icon = window_icon()
    app.setWindowIcon(icon)
    replay = None
    if getattr(args, "replay", None):
        from app.backtest.replay import replay_setup
        from app.core.errors import DataFormatError

        try:
            settings, *replay = replay_setup(args.replay, settings, getattr(args, "speed", 1) or 1)
        except DataFormatError as exc:
            sys.stderr.write(f"sherwood: cannot replay: {exc}\n")
            return 2
    shell = show_shell(args, settings, app, icon)  # painted before qasync and the services load
    shell.database = database
    shell.replay = replay

    import qasync

    from app.ui.errors import ExceptionHook, message_box
    from app.ui.termination import SignalCloser

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    hook = ExceptionHook(message_box())
    hook.install(loop)
    closer = SignalCloser(lambda: quit_without_asking(shell.window))
    try:
        with loop:
            return int(loop.run_until_complete(_run(args, shell)))
    finally:
        closer.uninstall()
        hook.uninstall()


def quit_without_asking(window: Any) -> None:
    """What File > Quit does, minus the question (a signal cannot answer it)."""
    window.ask_close = lambda _question: True
    window.close()


def show_shell(args: argparse.Namespace, settings: Settings, app: Any, icon: Any) -> Shell:
    """Build the window shell from the settings alone, show it and process Qt events
    until it has painted once (at most ``FIRST_PAINT_TIMEOUT``)."""
    from PySide6.QtCore import QEventLoop, QSettings

    from app import paths
    from app.ui.main_window import MainWindow
    from app.ui.theme import apply_theme

    screenshot = getattr(args, "screenshot", None)
    probe = os.environ.get(PROBE_ENV) == "1"
    if screenshot:
        speed = getattr(args, "speed", None) or SCREENSHOT_SPEED
        # at 600x, 30 clock seconds are 50 ms of wall time: let quotes live half a second
        stale = max(settings.quote_stale_seconds, float(speed) / 2)
        settings = settings.replace(
            sim_speed=float(speed), bot_enabled=True, quote_stale_seconds=stale
        )
    data_dir = paths.data_dir(getattr(args, "data_dir", None))
    data_dir.mkdir(parents=True, exist_ok=True)
    _setup_logging(data_dir, str(settings.log_level))
    apply_theme(app, str(settings.theme.value))
    qsettings = QSettings(str(data_dir / LAYOUT_FILE), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, qsettings=qsettings, icon=icon,
                        ask_close=(lambda _q: True) if screenshot or probe else None)  # fmt: skip
    if screenshot:
        window.resize(*SCREENSHOT_SIZE)
    seen: list[bool] = []
    on_first_paint(window.chart, lambda: seen.append(True))
    window.show()
    deadline = time.monotonic() + FIRST_PAINT_TIMEOUT
    while not seen and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    if probe:
        _probe("first_paint")
    app.processEvents()  # the frame reaches the screen before the heavy work starts
    return Shell(window, settings, data_dir, screenshot, probe)


async def _run(args: argparse.Namespace, shell: Shell) -> int:
    """With the shell painted: build and start the services, fill the docks, add the chart."""
    window = shell.window
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_closing() -> None:
        if not closed.done():
            closed.set_result(None)

    window.closing.connect(on_closing)
    if not window.isVisible():  # closed while the shell was painting
        on_closing()
    ctx: Any = None
    controller: Any = None
    try:
        if closed.done():
            return 0
        ctx, controller = await _start_services(
            window, shell.settings, shell.data_dir, shell.database, *(shell.replay or ())
        )
        if closed.done():
            return 0
        await asyncio.sleep(0)
        window.install_chart()  # the controller binds it and loads its bars
        if shell.screenshot:
            return await _screenshot(window, ctx, Path(shell.screenshot), args)
        if shell.probe:
            await _first_of(chart_ready(window), closed, timeout=10.0)
            _probe("chart_ready")
            window.close()
        await closed
        return 0
    finally:
        if controller is not None:
            controller.stop()
        if window.isVisible():
            window.hide()
        if ctx is not None:
            await ctx.stop()


async def _start_services(
    window: Any, settings: Any, data_dir: Path, database: Path | None = None,
    clock: Any = None, feed: Any = None,
) -> tuple[Any, Any]:  # fmt: skip
    """Build the app context (imports numpy and the services), start it, fill the docks."""
    from app.composition import build_app
    from app.ui.controller import Controller

    ctx = build_app(settings, data_dir=data_dir, database=database, clock=clock, feed=feed)
    try:
        await ctx.start()
        window.attach(ctx)
        controller = Controller(window, ctx)
        controller.start()
    except BaseException:
        await ctx.stop()
        raise
    return ctx, controller


def on_first_paint(widget: Any, callback: Any) -> None:
    """Call ``callback()`` once, at the next paint event ``widget`` handles."""
    from PySide6.QtCore import QEvent, QObject

    class Spy(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                widget.removeEventFilter(self)
                self.deleteLater()
                callback()
            return False

    widget.installEventFilter(Spy(widget))


def painted(widget: Any) -> asyncio.Future[None]:
    """A future done at the next paint event ``widget`` handles."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def done() -> None:
        if not future.done():
            future.set_result(None)

    on_first_paint(widget, done)
    return future


async def chart_ready(window: Any) -> None:
    """Return once the installed chart holds bars and has painted them."""
    while not (window.chart_installed and len(getattr(window.chart, "series", ())) > 0):
        await asyncio.sleep(0.005)
    graphics = getattr(window.chart, "graphics", None)
    target = graphics.viewport() if graphics is not None else window.chart
    frame = painted(target)
    target.update()
    await frame


async def _first_of(awaitable: Any, closed: asyncio.Future[None], timeout: float) -> None:
    """Wait for ``awaitable``, but no longer than ``timeout`` or the window closing."""
    task = asyncio.ensure_future(awaitable)
    await asyncio.wait({task, closed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if not task.done():
        task.cancel()


def _probe(name: str) -> None:
    """Start-up probe (``SHERWOOD_STARTUP_PROBE=1``, used by bench/chart.py): one line
    ``<name> <epoch seconds>`` on stdout."""
    sys.stdout.write(f"{name} {time.time():.6f}\n")
    sys.stdout.flush()


def _setup_logging(data_dir: Path, level: str) -> None:
    try:
        from app.logging_setup import setup_logging
    except ImportError:
        logging.basicConfig(level=level)
        return
    setup_logging(data_dir, level)


async def _screenshot(window: Any, ctx: Any, path: Path, args: argparse.Namespace) -> int:
    run_for = getattr(args, "run_for", None)
    seconds = float(run_for) if run_for else SCREENSHOT_SECONDS
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    await _first_of(chart_ready(window), asyncio.get_running_loop().create_future(), 10.0)
    await ctx.bot.set_enabled(True)
    window.bot.set_bot_running(bool(ctx.bot.enabled))
    await asyncio.sleep(seconds)
    window.layout_keeper.settings.clear()  # a screenshot run leaves no saved layout
    for _ in range(3):
        await asyncio.sleep(0.05)
    window.notifier.muted = True  # toasts fade anyway; keep them off the picture
    window.notifier.dismiss_all()
    flush = getattr(window.chart, "flush", None)
    if flush is not None:
        flush()
    await asyncio.sleep(0.1)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        log.error("could not write the screenshot to %s", path)
        return 1
    log.info("screenshot saved to %s", path)
    await ctx.bot.set_enabled(False)
    window.close()
    return 0
