"""GUI entry: QApplication on a qasync loop, the services, the main window; screenshot mode.

``run_gui(args)`` is called by ``app.__main__`` for GUI mode. With
``args.screenshot`` it runs the simulated market fast (speed 600, bot on) for
``args.run_for`` seconds, saves the main window as a PNG and returns 0; it
works on the offscreen platform (chosen when no display is available).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("sherwood.ui")

SCREENSHOT_SPEED = 1800.0  # 8 s show ~4 hours: enough for the bot to trade
SCREENSHOT_SECONDS = 8.0
SCREENSHOT_SIZE = (1600, 1000)
LAYOUT_FILE = "layout.ini"


def _no_display() -> bool:
    if sys.platform != "linux":
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def resolve_settings_for(args: argparse.Namespace) -> Any:
    """Settings as the CLI resolves them (reusing app.__main__'s helper when it has one)."""
    try:
        from app import __main__ as cli

        helper = getattr(cli, "load_settings", None) or getattr(cli, "resolve_cli_settings", None)
    except Exception:
        helper = None
    if helper is not None:
        return helper(args)
    from app.config import resolve_settings

    flags: dict[str, str] = {}
    for attr, env in (
        ("mode", "MODE"),
        ("strategy", "STRATEGY"),
        ("symbol", "SYMBOL"),
        ("speed", "SIM_SPEED"),
        ("seed", "SIM_SEED"),
        ("log_level", "LOG_LEVEL"),
    ):
        value = getattr(args, attr, None)
        if value is not None:
            flags[env] = str(value)  # fmt: skip
    return resolve_settings(environ=os.environ, cli=flags)


def window_icon() -> Any:
    from PySide6.QtGui import QIcon

    from app.paths import resource_dir

    icon = QIcon()
    for size in (16, 32, 64, 128, 256):
        path = resource_dir() / "icons" / f"sherwood-{size}.png"
        if path.exists():
            icon.addFile(str(path))
    return icon


def run_gui(args: argparse.Namespace) -> int:
    screenshot = getattr(args, "screenshot", None)
    if screenshot and _no_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.ui.errors import ExceptionHook, message_box

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Sherwood")
    app.setOrganizationName("Sherwood")
    app.setQuitOnLastWindowClosed(False)  # _run stops the services, then the loop ends
    icon = window_icon()
    app.setWindowIcon(icon)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    hook = ExceptionHook(message_box())
    hook.install(loop)
    try:
        with loop:
            return int(loop.run_until_complete(_run(args, icon)))
    finally:
        hook.uninstall()


async def _run(args: argparse.Namespace, icon: Any) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.composition import build_app
    from app.ui.controller import Controller
    from app.ui.main_window import MainWindow
    from app.ui.theme import apply_theme

    screenshot = getattr(args, "screenshot", None)
    settings = resolve_settings_for(args)
    if screenshot:
        speed = getattr(args, "speed", None) or SCREENSHOT_SPEED
        # at 600x, 30 clock seconds are 50 ms of wall time: let quotes live half a second
        stale = max(settings.quote_stale_seconds, float(speed) / 2)
        settings = settings.replace(
            sim_speed=float(speed), bot_enabled=True, quote_stale_seconds=stale
        )
    ctx = build_app(settings, data_dir=getattr(args, "data_dir", None))
    _setup_logging(Path(ctx.data_dir), str(settings.log_level))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, str(settings.theme.value))
    qsettings = QSettings(str(Path(ctx.data_dir) / LAYOUT_FILE), QSettings.Format.IniFormat)
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    window: MainWindow | None = None
    controller: Controller | None = None
    try:
        await ctx.start()
        window = MainWindow(ctx, qsettings=qsettings, icon=icon,
                            ask_close=(lambda _q: True) if screenshot else None)  # fmt: skip
        controller = Controller(window, ctx)
        controller.start()

        def on_closing() -> None:
            if not closed.done():
                closed.set_result(None)

        window.closing.connect(on_closing)
        if screenshot:
            return await _screenshot(window, ctx, Path(screenshot), args)
        window.show()
        await closed
        return 0
    finally:
        if controller is not None:
            controller.stop()
        if window is not None and window.isVisible():
            window.hide()
        await ctx.stop()


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
    if not ctx.execution.bot_enabled:
        await ctx.execution.set_bot_enabled(True)
    window.bot.set_bot_running(bool(ctx.execution.bot_enabled))
    await asyncio.sleep(seconds)
    window.layout_keeper.settings.clear()  # a screenshot run leaves no saved layout
    for _ in range(3):
        await asyncio.sleep(0.05)
    window.notifier.dismiss_all()  # toasts fade anyway; keep them off the picture
    flush = getattr(window.chart, "flush", None)
    if flush is not None:
        flush()
    await asyncio.sleep(0.1)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        log.error("could not write the screenshot to %s", path)
        return 1
    log.info("screenshot saved to %s", path)
    await ctx.execution.set_bot_enabled(False)
    window.close()
    return 0
