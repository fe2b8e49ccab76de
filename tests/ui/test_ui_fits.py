"""The window as a user sees it on a 1366x768 laptop: it fits, it never grows by itself, no
label or button is cut in the window or in any dialog, and the light theme reaches the chart."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QTabWidget, QWidget

from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog

SCREEN = QSize(1366, 768)


def clipped(root: QWidget) -> list[str]:
    """Every visible label or button under ``root`` smaller than its text needs."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, QLabel | QAbstractButton) or not widget.isVisibleTo(root):
            continue
        if not widget.text():  # icons only (dock title and tab scroll buttons): no text to cut
            continue
        size = widget.size()
        if isinstance(widget, QLabel) and widget.wordWrap():
            need = QSize(0, widget.heightForWidth(size.width()))
        else:
            need = widget.minimumSizeHint()
        if size.width() < need.width() or size.height() < need.height():
            text = widget.text().replace("\n", " ")[:50]
            problems.append(
                f"{type(widget).__name__} {text!r}: {size.toTuple()} < {need.toTuple()}"
            )
    return problems


def _settle(run: Any) -> None:
    import asyncio

    async def pause() -> None:
        await asyncio.sleep(0.1)

    run(pause())


def _invalid_ticket(window: MainWindow, amount: str) -> None:
    window.ticket.amount_edit.setText(amount)
    window.ticket.buy_button.click()


def test_the_window_fits_a_laptop_screen_and_never_grows(terminal: MainWindow, run, until) -> None:
    terminal.resize(SCREEN)
    run(until(lambda: terminal.ticket.quote is not None))
    _settle(run)
    assert terminal.size() == SCREEN
    hint = terminal.minimumSizeHint()
    assert hint.width() <= SCREEN.width() and hint.height() <= SCREEN.height()
    # inline messages: ticket errors, a long denial, a bot parameter error
    for amount in ("abc", "0", "100000", ""):
        _invalid_ticket(terminal, amount)
        _settle(run)
        assert terminal.size() == SCREEN, amount
    terminal.bot.param_error.setText("RSI oversold must be below overbought " * 3)
    terminal.bot.param_error.show()
    _settle(run)
    assert terminal.size() == SCREEN
    assert clipped(terminal) == []


def test_bottom_panes_show_five_rows_and_the_order_status(terminal: MainWindow, run) -> None:
    terminal.resize(SCREEN)
    _settle(run)
    for view in (terminal.positions_view, terminal.orders_view, terminal.fills_view,
                 terminal.signals_view, terminal.log_pane.table):  # fmt: skip
        rows = view.viewport().height() // view.verticalHeader().defaultSectionSize()
        assert rows >= 5, type(view).__name__
    header = terminal.orders_view.horizontalHeader()
    status = [c.header for c in terminal.orders.columns].index("Status")
    assert header.sectionViewportPosition(status) + header.sectionSize(status) <= (
        terminal.orders_view.viewport().width()
    )


def test_no_label_in_the_settings_dialog_is_cut(terminal: MainWindow, qtbot) -> None:
    dialog = SettingsDialog(terminal.ctx.settings, saver=lambda values: None, parent=terminal)
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    assert dialog.width() <= SCREEN.width() and dialog.height() <= SCREEN.height()
    tabs = dialog.findChild(QTabWidget)
    assert tabs is not None
    bar = tabs.tabBar()
    assert bar.width() >= bar.sizeHint().width(), "some tab titles are cut or scrolled away"
    problems = []
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        QApplication.processEvents()
        problems += [f"{tabs.tabText(index)}: {p}" for p in clipped(dialog)]
    assert problems == []


def test_the_light_theme_reaches_the_chart(terminal: MainWindow, run, until) -> None:
    dark_background = terminal.chart.colors.background
    try:
        terminal.actions_["theme_light"].trigger()
        run(until(lambda: terminal.chart_installed and terminal.chart.colors.background
                  != dark_background and len(terminal.chart.series) > 0))  # fmt: skip
        _settle(run)
        image = terminal.chart.graphics.grab().toImage()
        corner = image.pixelColor(image.width() // 3, 5)
        assert corner.lightness() > 200, corner.name()
    finally:
        terminal.actions_["theme_dark"].trigger()
    run(until(lambda: terminal.chart.colors.background == dark_background))
    assert terminal.chart.graphics.grab().toImage().pixelColor(5, 5).lightness() < 60


def test_no_label_in_the_login_dialog_or_an_error_box_is_cut(qtbot) -> None:
    from types import SimpleNamespace

    from PySide6.QtWidgets import QMessageBox

    from app.core.bus import EventBus
    from app.core.clock import LiveClock
    from app.ui.errors import message_box
    from app.ui.login_dialog import LoginDialog

    gateway = SimpleNamespace(status=SimpleNamespace(username="ann@example.com"))
    login = LoginDialog(gateway, EventBus(), LiveClock(), show_warning=True)  # type: ignore[arg-type]
    qtbot.addWidget(login)
    login.show()
    QApplication.processEvents()
    assert clipped(login) == []

    message_box()("Sherwood hit an error", "Traceback ...\nValueError: " + "a long reason " * 12)
    QApplication.processEvents()
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert boxes
    for box in boxes:
        assert clipped(box) == []
        box.close()
