"""Named layouts on the real app: the shipped "trading" and "analysis", save the current
arrangement under a name, rearrange, switch back; a restart (a new app and window on the
same data folder and layout file) still has it; delete; a bad name is refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMenu, QTabBar

from app.composition import build_app
from app.config import Settings
from app.core.clock import SimulatedClock
from app.ui.controller import Controller
from app.ui.main_window import MainWindow

RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


@contextmanager
def app_window(
    run: Any, data_dir: Path, layout_ini: Path, settings: Settings, clock: SimulatedClock
) -> Iterator[MainWindow]:
    """One run of the app: services, window and controller; everything stopped after."""
    ctx = build_app(settings, data_dir=data_dir, clock=clock)
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
    window.resize(1400, 880)
    window.show()
    try:
        yield window
    finally:
        controller.stop()
        window.close()  # saves the window's own layout, as quitting does
        run(ctx.stop())
        window.deleteLater()


def layout_menu(window: MainWindow) -> QMenu:
    menu = window.layouts_menu.menu
    menu.aboutToShow.emit()  # what opening it does: rebuilt from the stored names
    return menu


def click(menu: QMenu, object_name: str) -> None:
    for action in menu.actions():
        if action.objectName() == object_name:
            action.trigger()
            return
        sub = action.menu()
        if isinstance(sub, QMenu):
            for inner in sub.actions():
                if inner.objectName() == object_name:
                    inner.trigger()
                    return
    raise AssertionError(f"no menu entry {object_name}")


def entries(window: MainWindow) -> list[str]:
    return [a.text() for a in layout_menu(window).actions() if a.objectName().startswith("layout:")]


def shown(window: MainWindow) -> set[str]:
    return {name for name, dock in window.docks.items() if dock.isVisible()}


def tab_bars(window: MainWindow) -> list[list[str]]:
    """The dock tab bars a user sees in the window (titles), sorted."""
    seen = []
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        inside = bar.geometry().intersects(window.rect())
        if bar.isVisible() and inside and bar.count():
            seen.append(sorted(bar.tabText(i) for i in range(bar.count())))
    return sorted(seen)


def tab_groups(window: MainWindow) -> list[list[str]]:
    """The groups of tabbed docks now shown (titles), sorted: one tab bar each."""
    groups = set()
    for dock in window.docks.values():
        if dock.isVisible() and not dock.isFloating():
            group = [d for d in [dock, *window.tabifiedDockWidgets(dock)] if not d.isHidden()]
            if len(group) > 1:
                groups.add(tuple(sorted(d.windowTitle() for d in group)))
    return sorted(list(g) for g in groups)


def save_as(window: MainWindow, name: str) -> None:
    window.layouts_menu.ask_name = lambda: name  # what the user types in the dialog
    click(layout_menu(window), "layoutSaveAs")


async def settle() -> None:
    import asyncio

    await asyncio.sleep(0.05)


def test_shipped_layouts_show_what_their_names_say(terminal: MainWindow, run) -> None:
    assert entries(terminal)[:2] == ["trading", "analysis"]
    assert tab_bars(terminal) == tab_groups(terminal) != []  # no stray tab bar over a pane
    click(layout_menu(terminal), "layout:trading")
    run(settle())
    assert shown(terminal) == {"ticket", "orders"}
    assert tab_bars(terminal) == tab_groups(terminal) == []
    assert terminal.chart.isVisible()
    assert terminal.dockWidgetArea(terminal.docks["ticket"]) == RIGHT
    assert terminal.dockWidgetArea(terminal.docks["orders"]) == BOTTOM

    click(layout_menu(terminal), "layout:analysis")
    run(settle())
    assert shown(terminal) == {"account", "fills", "signals"}
    assert terminal.dockWidgetArea(terminal.docks["account"]) == RIGHT
    assert terminal.account.isVisible()
    fills, signals = terminal.docks["fills"], terminal.docks["signals"]
    assert terminal.dockWidgetArea(fills) == terminal.dockWidgetArea(signals) == BOTTOM
    assert fills.x() + fills.width() <= signals.x()  # side by side, not tabbed
    assert abs(fills.width() - signals.width()) <= 30  # and as wide as each other

    assert tab_bars(terminal) == tab_groups(terminal) == []

    terminal.actions_["reset_layout"].trigger()
    run(settle())
    assert {"ticket", "pdt", "bot", "positions", "orders", "signals"} <= shown(terminal)
    assert tab_bars(terminal) == tab_groups(terminal) != []


def test_save_a_layout_rearrange_and_switch_back(terminal: MainWindow, run) -> None:
    docks = terminal.docks
    docks["log"].hide()
    docks["bot"].hide()
    terminal.splitDockWidget(docks["ticket"], docks["account"], Qt.Orientation.Vertical)
    docks["account"].show()
    run(settle())
    before = shown(terminal)
    save_as(terminal, "my desk")
    assert "my desk" in entries(terminal)

    click(layout_menu(terminal), "layout:trading")  # something else entirely
    run(settle())
    assert shown(terminal) == {"ticket", "orders"}

    click(layout_menu(terminal), "layout:my desk")
    run(settle())
    assert shown(terminal) == before
    assert "log" not in shown(terminal) and "bot" not in shown(terminal)
    assert terminal.dockWidgetArea(docks["account"]) == RIGHT
    assert docks["account"].y() > docks["ticket"].y()  # under the ticket, as arranged


def test_a_bad_name_is_refused_with_a_message(terminal: MainWindow) -> None:
    save_as(terminal, "a/b")
    assert "cannot contain" in terminal.layouts_menu.message
    assert "cannot contain" in terminal.statusBar().currentMessage()
    save_as(terminal, "   ")
    assert terminal.layouts_menu.message == "a layout needs a name"
    assert entries(terminal) == ["trading", "analysis"]
    terminal.layouts_menu.ask_name = lambda: None  # the user cancels the dialog
    click(layout_menu(terminal), "layoutSaveAs")
    assert entries(terminal) == ["trading", "analysis"]


def test_named_layouts_survive_a_restart(
    run, until, tmp_path: Path, ui_settings: Settings, layout_ini: Path
) -> None:
    from datetime import UTC, datetime

    clock = SimulatedClock(datetime(2026, 11, 24, 15, 0, tzinfo=UTC), speed=10.0)
    data = tmp_path / "data"
    with app_window(run, data, layout_ini, ui_settings, clock) as first:
        ctx = first.ctx

        async def history() -> None:  # something for the account view to draw
            await until(lambda: first.ticket.quote is not None)
            first.ticket.unit_combo.setCurrentIndex(0)  # shares
            first.ticket.amount_edit.setText("5")
            first.ticket.buy_button.click()
            await until(lambda: ctx.portfolio.get_position("TQQQ") is not None)
            for _ in range(10):
                account = await ctx.accounts.refresh()
                await ctx.portfolio.snapshot_equity(account)
                await settle()
                await settle()

        run(history())
        click(layout_menu(first), "layout:analysis")
        first.splitDockWidget(first.docks["account"], first.docks["positions"],
                              Qt.Orientation.Vertical)  # fmt: skip
        first.docks["positions"].show()
        run(settle())
        save_as(first, "review")
        click(layout_menu(first), "deleteLayout:trading")
        assert entries(first) == ["analysis", "review"]
        click(layout_menu(first), "layout:analysis")  # quit on another layout

    with app_window(run, data, layout_ini, ui_settings, clock) as again:
        assert entries(again) == ["analysis", "review"]  # the deletion holds too
        run(settle())  # the window is up (the chart swap done)
        # the last session's own layout came back, the optimizer (built later) included
        assert shown(again) == {"account", "fills", "signals"}
        click(layout_menu(again), "layout:review")
        run(settle())
        assert shown(again) == {"account", "positions", "fills", "signals"}
        account, positions = again.docks["account"], again.docks["positions"]
        assert again.dockWidgetArea(account) == again.dockWidgetArea(positions) == RIGHT
        assert positions.y() > account.y()
        assert tab_bars(again) == tab_groups(again) == []
        run(until(lambda: len(again.chart.series) > 0 and len(again.account.equity) >= 10))
        assert again.account.equity_stack.currentWidget() is again.account.equity_plot
        run(settle())
        image = again.grab()
        assert image.save(str(tmp_path / "restored_layout.png"))
        folder = os.environ.get("SHERWOOD_SHOTS")
        if folder:
            image.save(str(Path(folder) / "restored_layout.png"))
        # a shipped layout deleted by mistake comes back by saving under its name
        save_as(again, "trading")
        assert entries(again) == ["trading", "analysis", "review"]
