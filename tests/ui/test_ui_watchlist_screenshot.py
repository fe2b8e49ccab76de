"""A watchlist of eight symbols with one selected, rendered offscreen to PNG.

Set ``SHERWOOD_SHOTS=<folder>`` to keep the pictures (``watchlist-window.png``
and ``watchlist-dock.png``) for a look.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from app.config import Settings
from app.core.clock import SimulatedClock
from app.ui import theme
from app.ui.main_window import MainWindow
from app.ui.watchlist_model import COLUMNS, SPARK_COLUMN

EIGHT = ("TQQQ", "AAPL", "MSFT", "SPY", "QQQ", "NVDA", "TSLA", "AMD")
CHOSEN = "NVDA"
TUESDAY_10_NY = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


@pytest.fixture
def dark_theme(qapp: QApplication) -> Iterator[None]:
    theme.apply_theme(qapp, "dark")  # as the app does: the header's padding comes from it
    yield
    qapp.setStyleSheet("")
    qapp.setPalette(qapp.style().standardPalette())


@pytest.fixture
def window(
    run: Any, tmp_path: Path, ui_settings: Settings, dark_theme: None
) -> Iterator[MainWindow]:
    """The terminal started as ``sherwood`` starts it: the window shell at its size first,
    then the services, the docks and the chart (see app/ui/run.py)."""
    from app.composition import build_app
    from app.ui.controller import Controller

    settings = ui_settings.replace(watchlist=",".join(EIGHT))
    layout = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    shell = MainWindow(settings=settings, qsettings=layout, confirm_order=lambda _t: True,
                       ask_close=lambda _t: True, use_tray=False)  # fmt: skip
    shell.resize(1600, 1000)
    shell.show()
    ctx = build_app(settings, data_dir=tmp_path / "data",
                    clock=SimulatedClock(TUESDAY_10_NY, speed=10.0))  # fmt: skip
    run(ctx.start())
    shell.attach(ctx)
    controller = Controller(shell, ctx)
    controller.start()
    shell.install_chart()
    yield shell
    controller.stop()
    shell.close()
    run(ctx.stop())
    shell.deleteLater()


def _colour_count(image: QImage, colour: str, x0: int, x1: int, y0: int, y1: int) -> int:
    wanted = QColor(colour)
    hits = 0
    for y in range(max(y0, 0), min(y1, image.height())):
        for x in range(max(x0, 0), min(x1, image.width())):
            pixel = image.pixelColor(x, y)
            if (abs(pixel.red() - wanted.red()) < 40 and abs(pixel.green() - wanted.green()) < 40
                    and abs(pixel.blue() - wanted.blue()) < 40):  # fmt: skip
                hits += 1
    return hits


def test_a_watchlist_of_eight_symbols_with_one_selected(
    window: MainWindow, run: Any, qtbot: Any, until: Any, tmp_path: Path
) -> None:
    terminal = window
    pane = terminal.watchlist
    model = pane.model

    async def body() -> None:
        await until(lambda: model.symbols() == list(EIGHT))
        await until(lambda: all(r.quote and r.prev_close and len(r.spark) > 20 for r in model.rows),
                    timeout=15)  # fmt: skip
        position = model.row_of(CHOSEN)
        assert position is not None
        rect = pane.table.visualRect(model.index(position, 0))
        qtbot.mouseClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        await until(lambda: terminal.chart_installed and terminal.chart.symbol == CHOSEN
                    and len(terminal.chart.series) > 0)  # fmt: skip
        await until(lambda: terminal.ticket.symbol == CHOSEN)

    run(body())
    shots = tmp_path / "shots"
    shots.mkdir()
    window_png = shots / "watchlist-window.png"
    dock_png = shots / "watchlist-dock.png"
    assert terminal.grab().save(str(window_png))
    assert terminal.docks["watchlist"].grab().save(str(dock_png))
    keep = os.environ.get("SHERWOOD_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in (window_png, dock_png):
            shutil.copy(png, Path(keep) / png.name)

    # the whole table is visible: eight rows, every column, no horizontal scroll bar
    table = pane.table
    assert not table.horizontalScrollBar().isVisible()
    header = table.horizontalHeader()
    for column, title in enumerate(COLUMNS):  # no header cut ("Symbo", "olume")
        assert header.sectionSize(column) >= header.sectionSizeHint(column), title
    assert all(table.columnViewportPosition(c) >= 0 for c in range(len(COLUMNS)))
    last_row = table.visualRect(model.index(len(EIGHT) - 1, 0))
    assert table.viewport().rect().contains(last_row)
    # the selected row is drawn selected; the sparklines are drawn in gain / loss colours
    image = table.viewport().grab().toImage()
    chosen = table.visualRect(model.index(model.row_of(CHOSEN) or 0, 1))
    selection = table.palette().color(table.palette().ColorRole.Highlight)
    middle = image.pixelColor(chosen.left() + 3, chosen.center().y())
    others = image.pixelColor(chosen.left() + 3, chosen.center().y() - chosen.height())
    assert middle != others and middle.name() in (selection.name(), "#2c3e57")
    spark = table.visualRect(model.index(0, SPARK_COLUMN))
    colours = theme.colors()
    drawn = sum(
        _colour_count(image, c, spark.left(), spark.right(), 0, last_row.bottom())
        for c in (colours.gain, colours.loss)
    )
    assert drawn > 8 * 20  # a line in every row
    for row in model.rows:  # each row shows its own market
        assert row.quote is not None
    assert len({row.quote.last for row in model.rows if row.quote}) == len(EIGHT)
