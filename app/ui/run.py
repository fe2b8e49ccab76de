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

Mode switch (Mode menu, :mod:`app.ui.mode_switch`): once the user confirmed, the other
mode's database lock is taken (another Sherwood on it: nothing changes), the services
stop, the choice is saved (:mod:`app.storage.mode_choice`) and a new window starts the
services on the other database; the run loops until a window is closed. Live without a
Robinhood session opens logged out and asks to log in; the login reloads the chart.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import Mode, Settings
from app.storage.db import database_path
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
    cli: Mapping[str, str] = field(default_factory=dict)  # the flags that are settings

    @property
    def mode(self) -> str:
        return str(self.settings.mode.value)

    @property
    def mode_database(self) -> Path:
        return database_path(self.data_dir, self.mode)

    @property
    def can_switch(self) -> bool:
        """A run on the mode's own database (not a demo's scratch account) may switch."""
        return not (self.screenshot or self.probe or self.replay) and (
            self.database is None or Path(self.database) == self.mode_database
        )


def run_gui(
    args: argparse.Namespace, settings: Settings, database: Path | None = None,
    cli: Mapping[str, str] | None = None,
) -> int:  # fmt: skip
    """The window until it is closed; ``cli`` (the flags that are settings) applies again
    when the Mode menu switches to the other mode's database."""
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
    shell.cli = dict(cli or {})

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
    until it has painted once (at most ``FIRST_PAINT_TIMEOUT``). Before the event loop
    runs only: processing events inside a running qasync loop would re-enter its tasks."""
    from PySide6.QtCore import QEventLoop

    shell = build_shell(args, settings, app, icon)
    window = shell.window
    seen: list[bool] = []
    on_first_paint(window.chart, lambda: seen.append(True))
    window.show()
    deadline = time.monotonic() + FIRST_PAINT_TIMEOUT
    while not seen and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    if shell.probe:
        _probe("first_paint")
    app.processEvents()  # the frame reaches the screen before the heavy work starts
    return shell


def build_shell(
    args: argparse.Namespace, settings: Settings, app: Any, icon: Any, geometry: Any = None
) -> Shell:
    """The window shell (not shown yet) from the settings alone; ``geometry`` (a saved
    window geometry) places it where the window it replaces was."""
    from PySide6.QtCore import QSettings

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
    elif geometry is not None:
        window.restoreGeometry(geometry)
    return Shell(window, settings, data_dir, screenshot, probe)


async def _run(args: argparse.Namespace, shell: Shell) -> int:
    """Run the window; after a mode switch (Mode menu), run the next one, until closed."""
    outcome: Shell | int = shell
    while isinstance(outcome, Shell):
        outcome = await _serve(args, outcome)
        if isinstance(outcome, Shell):  # the next mode's window: painted before its services
            outcome.window.show()
            await _first_of(painted(outcome.window.chart), asyncio.Future(), FIRST_PAINT_TIMEOUT)
    return outcome


async def _serve(args: argparse.Namespace, shell: Shell) -> Shell | int:
    """With the shell painted: build and start the services, fill the docks, add the chart;
    run until the window closes (the exit code) or the user switches mode (the next
    window's shell)."""
    window = shell.window
    loop = asyncio.get_running_loop()
    closed: asyncio.Future[None] = loop.create_future()
    switch: asyncio.Future[Mode] = loop.create_future()

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
        _offer_mode_switch(shell, ctx, switch)
        _reload_chart_at_login(window, ctx, controller)
        _ask_to_log_in(window, ctx)
        waits: list[asyncio.Future[Any]] = [closed, switch]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if closed.done():
            return 0
        window.layout_keeper.save()  # the next window opens with the same layout
    finally:
        if controller is not None:
            controller.stop()
        if not switch.done() and window.isVisible():  # a switch keeps it until the next shows
            window.hide()
        if ctx is not None:
            await ctx.stop()
    return _next_shell(args, shell, switch.result())


def _offer_mode_switch(shell: Shell, ctx: Any, switch: asyncio.Future[Mode]) -> None:
    """The Mode menu: a confirmed switch first takes the other database's instance lock
    (another Sherwood on it: nothing changes), then ends this window's run."""
    from app.storage import instance_lock
    from app.storage.db import DatabaseInUse
    from app.ui.mode_switch import ModeSwitcher, install_mode_menu

    window = shell.window

    def on_switch(target: str) -> None:
        mode = Mode(target)
        try:
            instance_lock.acquire(database_path(shell.data_dir, mode.value))
        except DatabaseInUse as exc:
            _tell(window, "Cannot switch mode", str(exc))
            return
        if not switch.done():
            switch.set_result(mode)

    switcher = ModeSwitcher(window, shell.mode, on_switch, concerns=lambda: _concerns(ctx))
    install_mode_menu(window, shell.mode, switcher, enabled=shell.can_switch)


def _concerns(ctx: Any) -> str:
    """What the user should know before the services stop: the bot, open orders."""
    reasons = []
    if getattr(ctx.bot, "enabled", False):
        reasons.append("the bot is running; it stops with this mode")
    count = len(ctx.execution.open_orders())
    if count:
        reasons.append(f"{count} order(s) are open; they stay open")
    return "; ".join(reasons).capitalize() + "." if reasons else ""


def _reload_chart_at_login(window: Any, ctx: Any, controller: Any) -> None:
    """Live: a login after a time without a session loads the chart again (its history
    failed meanwhile; the app context fetches it again, see app.gateway.catch_up)."""
    if getattr(ctx, "gateway", None) is None:
        return
    from app.gateway.events import SessionStateChanged
    from app.gateway.state import SessionState

    last = [ctx.gateway.status.state]

    def on_change(event: SessionStateChanged) -> None:
        before, last[0] = last[0], event.status.state
        if event.status.state is SessionState.LOGGED_IN and before is not SessionState.LOGGED_IN:
            controller.load_chart(getattr(window.chart, "symbol", None) or ctx.settings.symbol)

    ctx.bus.subscribe(SessionStateChanged, on_change)  # ends with the context's bus


def _ask_to_log_in(window: Any, ctx: Any) -> None:
    """Live without a Robinhood session (none stored, or expired): the window is open and
    the login dialog asks for one; trading stays paused until then."""
    gateway = getattr(ctx, "gateway", None)
    actions = getattr(window, "session_actions", None)
    if gateway is not None and actions is not None and not gateway.logged_in:
        actions.open_login()


def _next_shell(args: argparse.Namespace, shell: Shell, target: Mode) -> Shell:
    """After the services stopped: remember ``target``, resolve its settings (its own
    database's saved settings under the environment and the flags) and show its window
    in place of this one. When that fails (a bad saved setting), the current mode starts
    again and the window says why."""
    from PySide6.QtWidgets import QApplication

    from app.core.errors import SettingsError
    from app.storage import instance_lock
    from app.storage.mode_choice import save_mode, settings_for

    old = shell.window
    current, database = shell.mode_database, database_path(shell.data_dir, target.value)
    problem = ""
    try:
        settings = settings_for(shell.data_dir, os.environ, {**shell.cli, "MODE": target.value})
        save_mode(shell.data_dir, target)
    except (SettingsError, OSError) as exc:
        instance_lock.release(database)
        problem = f"{target.value.capitalize()} mode cannot start: {exc}"
        log.error("switch to %s mode failed: %s", target.value, exc)
        settings, database = shell.settings, current
    else:
        instance_lock.release(current)
        log.info("switched to %s mode (%s)", target.value, database)
    geometry = old.saveGeometry()
    quit_without_asking(old)  # saves the layout and hides it; its services are stopped
    old.deleteLater()
    nxt = build_shell(args, settings, QApplication.instance(), old.windowIcon(), geometry)
    if problem:
        _tell(nxt.window, "Cannot switch mode", problem)
    return Shell(nxt.window, settings, shell.data_dir, None, False, database, None, shell.cli)


def _tell(parent: Any, title: str, text: str) -> None:
    """A window-modal warning that does not block the event loop."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                      parent)  # fmt: skip
    box.setObjectName("modeSwitchProblem")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


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
