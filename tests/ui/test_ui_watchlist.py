"""The watchlist dock driven as a user would: add, refuse, remove, reorder, click, restart."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMenu

from app.__main__ import build_parser, load_settings
from app.core.clock import SimulatedClock
from app.ui import theme
from app.ui.main_window import MainWindow
from app.ui.watchlist_model import COLUMNS

TUESDAY_10_NY = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def _symbols(window: MainWindow) -> list[str]:
    return window.watchlist.model.symbols()


def _cell(window: MainWindow, symbol: str, column: str, role: int = 0) -> Any:
    model = window.watchlist.model
    position = model.row_of(symbol)
    assert position is not None, f"{symbol} is not listed"
    return model.data(model.index(position, COLUMNS.index(column)), role)


def _type_and_enter(qtbot: Any, window: MainWindow, text: str) -> None:
    box = window.watchlist.input
    box.clear()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def _click_row(qtbot: Any, window: MainWindow, symbol: str) -> None:
    table = window.watchlist.table
    position = window.watchlist.model.row_of(symbol)
    assert position is not None
    rect = table.visualRect(window.watchlist.model.index(position, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_add_a_symbol_and_a_bad_one_is_refused_with_its_message(
    terminal: MainWindow, run, qtbot, until
) -> None:
    pane = terminal.watchlist

    async def body() -> None:
        assert _symbols(terminal) == ["TQQQ"]  # WATCHLIST empty: SYMBOL
        _type_and_enter(qtbot, terminal, "aapl")
        await until(lambda: _symbols(terminal) == ["TQQQ", "AAPL"])
        assert pane.input.text() == "" and not pane.message.isVisible()
        # the new row quotes its own market: a price, bid below ask, a change vs. yesterday
        await until(lambda: _cell(terminal, "AAPL", "Chg %") not in ("", None))
        await until(lambda: _cell(terminal, "AAPL", "Volume") not in ("", "0"))
        last = float(_cell(terminal, "AAPL", "Last").replace(",", ""))
        bid = float(_cell(terminal, "AAPL", "Bid").replace(",", ""))
        ask = float(_cell(terminal, "AAPL", "Ask").replace(",", ""))
        assert bid <= last <= ask and last != float(_cell(terminal, "TQQQ", "Last"))

        _type_and_enter(qtbot, terminal, "BAD$SYM")
        await until(lambda: pane.message.isVisible())
        assert "is not a valid symbol" in pane.message.text()
        assert _symbols(terminal) == ["TQQQ", "AAPL"]  # refused: nothing added
        assert "BAD$SYM" not in terminal.ctx.market_data.watched()

        _type_and_enter(qtbot, terminal, "AAPL")
        await until(lambda: "already in the watchlist" in pane.message.text())
        assert _symbols(terminal) == ["TQQQ", "AAPL"]
        qtbot.keyClicks(pane.input, "X")  # typing again clears the message
        assert not pane.message.isVisible()

    run(body())
    assert "AAPL" in terminal.ctx.market_data.watched()
    assert terminal.ctx.settings.watchlist == "TQQQ,AAPL"


def test_change_is_coloured_against_the_previous_close_and_rows_update_in_place(
    terminal: MainWindow, run, qtbot, until
) -> None:
    model = terminal.watchlist.model
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    painted: list[tuple[int, int]] = []
    model.dataChanged.connect(
        lambda top, bottom, _roles=(): painted.append((top.row(), bottom.row()))
    )

    async def body() -> None:
        for symbol in ("MSFT", "SPY", "NVDA"):
            _type_and_enter(qtbot, terminal, symbol)
            await until(lambda s=symbol: s in _symbols(terminal))
        await until(lambda: all(row.prev_close is not None and row.quote for row in model.rows))
        painted.clear()
        before = {row.symbol: row.volume for row in model.rows}
        await asyncio.sleep(1.0)  # ten quotes a second each
        assert all(row.volume > before[row.symbol] for row in model.rows)

    run(body())
    assert not resets  # rows update in place, never a reset
    assert 3 <= len(painted) <= 14  # coalesced: about ten repaints a second, not one per quote
    colors = theme.colors()
    for row in model.rows:
        change = row.change
        assert change is not None and row.quote is not None and row.prev_close is not None
        assert change == row.quote.last - row.prev_close
        shown = _cell(terminal, row.symbol, "Chg", Qt.ItemDataRole.ForegroundRole)
        if change > 0:
            assert shown == QColor(colors.gain)
        elif change < 0:
            assert shown == QColor(colors.loss)
        assert len(row.spark) >= 2  # today's points so far, for the sparkline


def _menu_action(window: MainWindow, symbol: str, text: str) -> None:
    """Right-click ``symbol``'s row and choose ``text`` in the menu."""
    table = window.watchlist.table
    position = window.watchlist.model.row_of(symbol)
    assert position is not None
    table.customContextMenuRequested.emit(
        table.visualRect(window.watchlist.model.index(position, 0)).center()
    )
    menus = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible()]
    assert len(menus) == 1
    action = next(a for a in menus[0].actions() if a.text() == text)
    assert action.isEnabled()
    action.trigger()
    menus[0].close()


def test_remove_and_reorder_are_saved(terminal: MainWindow, run, qtbot, until) -> None:
    pane = terminal.watchlist
    model = pane.model

    async def body() -> None:
        for symbol in ("MSFT", "SPY", "QQQ", "NVDA"):
            _type_and_enter(qtbot, terminal, symbol)
            await until(lambda s=symbol: s in _symbols(terminal))
        _click_row(qtbot, terminal, "SPY")
        await until(lambda: terminal.chart_installed and terminal.chart.symbol == "SPY")
        qtbot.keyClick(pane.table, Qt.Key.Key_Delete)
        await until(lambda: "SPY" not in _symbols(terminal))

    run(body())
    assert _symbols(terminal) == ["TQQQ", "MSFT", "QQQ", "NVDA"]
    assert "SPY" in terminal.ctx.market_data.watched()  # the chart still shows it
    _menu_action(terminal, "NVDA", "Remove NVDA")
    assert _symbols(terminal) == ["TQQQ", "MSFT", "QQQ"]
    assert "NVDA" not in terminal.ctx.market_data.watched()  # nothing else needs its quotes
    # drag QQQ to the top: the drop the view makes when a row is dropped above the first
    drag = model.mimeData([model.index(2, 0)])
    assert model.dropMimeData(drag, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert _symbols(terminal) == ["QQQ", "TQQQ", "MSFT"]
    # and TQQQ dropped on the last row goes there
    drag = model.mimeData([model.index(1, 0)])
    assert model.dropMimeData(drag, Qt.DropAction.MoveAction, -1, -1, model.index(2, 0))
    assert _symbols(terminal) == ["QQQ", "MSFT", "TQQQ"]
    _menu_action(terminal, "MSFT", "Move up")
    assert _symbols(terminal) == ["MSFT", "QQQ", "TQQQ"]
    assert terminal.ctx.settings.watchlist == "MSFT,QQQ,TQQQ"
    # removing the traded symbol keeps its quotes (the bot and the ticket need them)
    _menu_action(terminal, "TQQQ", "Remove TQQQ")
    assert _symbols(terminal) == ["MSFT", "QQQ"]
    assert "TQQQ" in terminal.ctx.market_data.watched()


def test_clicking_a_row_points_the_chart_the_ticket_and_the_positions_at_it(
    terminal: MainWindow, run, qtbot, until
) -> None:
    async def body() -> None:
        await until(lambda: terminal.chart_installed and terminal.chart.symbol == "TQQQ")
        _type_and_enter(qtbot, terminal, "AAPL")
        await until(lambda: "AAPL" in _symbols(terminal))
        _click_row(qtbot, terminal, "AAPL")
        await until(lambda: terminal.chart.symbol == "AAPL" and len(terminal.chart.series) > 0)
        assert terminal.ticket.symbol == "AAPL"
        await until(lambda: terminal.ticket.quote is not None
                    and terminal.ticket.quote.symbol == "AAPL")  # fmt: skip
        # the ticket buys what the row says; the position view then follows the rows too
        terminal.ticket.unit_combo.setCurrentIndex(0)  # shares
        terminal.ticket.amount_edit.setText("1")
        qtbot.mouseClick(terminal.ticket.buy_button, Qt.MouseButton.LeftButton)
        await until(lambda: terminal.positions.row_of("AAPL") is not None)
        # the arrow keys move through the rows as clicks do
        qtbot.keyClick(terminal.watchlist.table, Qt.Key.Key_Up)
        await until(lambda: terminal.chart.symbol == "TQQQ")
        assert terminal.ticket.symbol == "TQQQ"
        assert not terminal.positions_view.selectionModel().selectedRows()  # no TQQQ position
        _click_row(qtbot, terminal, "AAPL")
        await until(lambda: terminal.chart.symbol == "AAPL")
        chosen = terminal.positions_view.selectionModel().selectedRows()
        assert [terminal.positions.rows[i.row()].symbol for i in chosen] == ["AAPL"]
        _click_row(qtbot, terminal, "TQQQ")
        await until(lambda: terminal.chart.symbol == "TQQQ")
        # the chart's own symbol box moves the watchlist's current row too
        box = terminal.chart.toolbar.symbol_edit
        box.clear()
        qtbot.keyClicks(box, "AAPL")
        qtbot.keyClick(box, Qt.Key.Key_Return)
        await until(lambda: terminal.chart.symbol == "AAPL")
        assert terminal.watchlist.table.current_symbol() == "AAPL"
        assert terminal.ticket.symbol == "AAPL"

    run(body())


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _open(run: Any, data_dir: Path, layout: Path) -> tuple[MainWindow, Any, Any]:
    """The app as ``sherwood --data-dir`` starts it: saved settings from the mode's database."""
    from app.composition import build_app
    from app.ui.controller import Controller

    settings = load_settings(build_parser().parse_args(["--data-dir", str(data_dir)]))
    ctx = build_app(settings, data_dir=data_dir, clock=SimulatedClock(TUESDAY_10_NY, speed=10.0))
    run(ctx.start())
    window = MainWindow(ctx, qsettings=QSettings(str(layout), QSettings.Format.IniFormat),
                        confirm_order=lambda _t: True, ask_close=lambda _t: True,
                        use_tray=False)  # fmt: skip
    controller = Controller(window, ctx)
    controller.start()
    window.show()
    return window, ctx, controller


def _close(run: Any, window: MainWindow, ctx: Any, controller: Any) -> None:
    controller.stop()
    window.close()
    run(ctx.stop())
    window.deleteLater()


@pytest.fixture
def reopen(run: Any, data_dir: Path, tmp_path: Path) -> Iterator[Any]:
    opened: list[tuple[MainWindow, Any, Any]] = []

    def open_window() -> MainWindow:
        if opened:
            _close(run, *opened.pop())
        opened.append(_open(run, data_dir, tmp_path / "layout.ini"))
        return opened[-1][0]

    yield open_window
    while opened:
        _close(run, *opened.pop())


def test_the_list_survives_a_restart(reopen: Any, run, qtbot, until) -> None:
    window = reopen()

    async def fill() -> None:
        for symbol in ("SPY", "AAPL"):
            _type_and_enter(qtbot, window, symbol)
            await until(lambda s=symbol: s in _symbols(window))

    run(fill())
    model = window.watchlist.model
    model.move(2, 0)  # AAPL first
    assert _symbols(window) == ["AAPL", "TQQQ", "SPY"]

    again = reopen()  # a new window on the same data folder
    assert again is not window
    assert _symbols(again) == ["AAPL", "TQQQ", "SPY"]
    assert set(again.ctx.market_data.watched()) >= {"AAPL", "TQQQ", "SPY"}

    async def quoted() -> None:
        await until(lambda: all(row.quote is not None for row in again.watchlist.model.rows))

    run(quoted())


def test_a_watchlist_typed_in_the_settings_dialog_is_shown(
    terminal: MainWindow, run, qtbot, until
) -> None:
    from app.ui.settings_dialog import SettingsDialog

    terminal.actions_["settings"].trigger()
    dialogs = [  # the one the action opened (another test's may await deletion, hidden)
        w for w in QApplication.topLevelWidgets()
        if isinstance(w, SettingsDialog) and w.isVisible()
    ]  # fmt: skip
    assert len(dialogs) == 1
    dialog = dialogs[0]
    dialog.set_text("watchlist", "spy, tqqq, aapl")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()

    async def body() -> None:
        await until(lambda: _symbols(terminal) == ["SPY", "TQQQ", "AAPL"])
        await until(lambda: all(row.quote is not None for row in terminal.watchlist.model.rows))

    run(body())
    assert terminal.ctx.settings.watchlist == "SPY,TQQQ,AAPL"
