"""Start-up order: the window shell paints before the services and the chart exist;
then the chart replaces the "Loading chart…" placeholder and gets bars; closing early
stops cleanly; the dock layout survives the swap; screenshot mode and the start-up
probe still work end to end (subprocesses)."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel

from app.composition import build_app
from app.config import Settings
from app.core.clock import SimulatedClock
from app.ui.controller import Controller
from app.ui.main_window import LOADING_TEXT, MainWindow
from app.ui.run import Shell, _run, on_first_paint

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 New York


def _shell(settings: Settings, layout_ini: Path) -> MainWindow:
    return MainWindow(
        settings=settings,
        qsettings=QSettings(str(layout_ini), QSettings.Format.IniFormat),
        ask_close=lambda _q: True,
        use_tray=False,
    )


def _show_and_paint(app: QApplication, window: MainWindow) -> None:
    seen: list[bool] = []
    on_first_paint(window.chart, lambda: seen.append(True))
    window.show()
    for _ in range(200):
        if seen:
            return
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
    raise AssertionError("the window shell never painted")


def _start(window: MainWindow, ctx: Any, run: Any) -> Controller:
    run(ctx.start())
    window.attach(ctx)
    controller = Controller(window, ctx)
    controller.start()
    return controller


def test_shell_paints_placeholder_then_chart_replaces_it_with_bars(
    qapp, run, until, tmp_path: Path, ui_settings: Settings, layout_ini: Path
) -> None:
    window = _shell(ui_settings, layout_ini)
    _show_and_paint(qapp, window)
    assert window.isVisible()
    assert isinstance(window.chart, QLabel) and window.chart.text() == LOADING_TEXT
    assert window.centralWidget() is window.chart
    assert not window.chart_installed and not window.is_attached
    assert set(window.docks) >= {"ticket", "positions", "orders", "log"}
    assert not window.grab().isNull()
    window.actions_["buy"].trigger()  # menus work (do nothing) before the panes exist

    clock = SimulatedClock(NOW, speed=10.0)
    ctx = build_app(ui_settings, data_dir=tmp_path / "data", clock=clock)
    controller = _start(window, ctx, run)
    assert window.docks["ticket"].isAncestorOf(window.ticket)
    assert isinstance(window.chart, QLabel)  # the panes came first, the chart not yet
    window.install_chart()
    chart = window.chart
    assert not isinstance(chart, QLabel) and window.centralWidget() is chart
    try:
        run(until(lambda: len(chart.series) > 0))
        assert chart.symbol == ui_settings.symbol
        assert window.ticket.symbol == ui_settings.symbol
        frame = window.grab().toImage()
        assert frame.width() > 0
    finally:
        controller.stop()
        window.close()
        run(ctx.stop())
        window.deleteLater()


def test_dock_layout_restored_in_the_shell_survives_the_chart_swap(
    qapp, run, until, tmp_path: Path, ui_settings: Settings, layout_ini: Path
) -> None:
    first = _shell(ui_settings, layout_ini)
    _show_and_paint(qapp, first)
    first.docks["fills"].hide()
    first.docks["signals"].setFloating(True)
    first.layout_keeper.save()
    first.close()
    first.deleteLater()

    again = _shell(ui_settings, layout_ini)
    again.resize(1600, 1000)
    _show_and_paint(qapp, again)
    assert again.layout_keeper.restored
    assert not again.docks["fills"].isVisible()  # restored before anything else loads
    ctx = build_app(ui_settings, data_dir=tmp_path / "data", clock=SimulatedClock(NOW))
    controller = _start(again, ctx, run)
    qapp.processEvents()
    ticket_width = again.docks["ticket"].width()  # with the real ticket in it
    again.install_chart()
    try:
        run(until(lambda: len(again.chart.series) > 0 and again.updatesEnabled()))
        assert not again.docks["fills"].isVisible()
        assert again.docks["signals"].isFloating()
        assert again.docks["ticket"].isVisible()
        # the new centre does not take the docks' room (nor give them the chart's)
        assert abs(again.docks["ticket"].width() - ticket_width) <= 2
        assert again.chart.width() > again.docks["ticket"].width()
    finally:
        controller.stop()
        again.close()
        run(ctx.stop())
        again.deleteLater()


def test_closing_before_the_services_start_stops_cleanly(
    qapp, run, tmp_path: Path, ui_settings: Settings, layout_ini: Path, caplog
) -> None:
    args = argparse.Namespace(screenshot=None)
    early = _shell(ui_settings, layout_ini)
    _show_and_paint(qapp, early)
    early.close()
    data = tmp_path / "never"
    assert run(_run(args, Shell(early, ui_settings, data, None, False))) == 0
    assert not data.exists()  # no database, no services

    late = _shell(ui_settings, layout_ini)
    _show_and_paint(qapp, late)
    late.attached.connect(late.close)  # closed while the services were starting
    with caplog.at_level(logging.INFO, logger="sherwood"):
        assert run(_run(args, Shell(late, ui_settings, tmp_path / "late", None, False))) == 0
    assert not late.isVisible()
    assert not late.chart_installed
    assert "Sherwood stopped" in caplog.text
    early.deleteLater()
    late.deleteLater()


def _app(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **env}
    return subprocess.run(
        [sys.executable, "-m", "app", *args, "--data-dir", str(tmp_path / "data")],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_screenshot_mode_still_shows_the_chart(tmp_path: Path) -> None:
    shot = tmp_path / "s.png"
    result = _app(["--screenshot", str(shot), "--run-for", "3"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    image = QImage(str(shot))
    assert image.width() >= 1280 and image.height() >= 720
    # the chart area (top left) holds candles, grid and indicator lines, not a flat placeholder
    pixels = [image.pixel(x, y) for x in range(20, 800, 5) for y in range(60, 700, 5)]
    background = max(set(pixels), key=pixels.count)
    assert sum(p != background for p in pixels) > 0.05 * len(pixels)


def test_startup_probe_reports_first_paint_before_chart_ready(tmp_path: Path) -> None:
    result = _app([], tmp_path, SHERWOOD_STARTUP_PROBE="1")
    assert result.returncode == 0, result.stderr[-3000:]
    stamps = dict(line.split() for line in result.stdout.splitlines() if line.strip())
    assert float(stamps["first_paint"]) < float(stamps["chart_ready"])
