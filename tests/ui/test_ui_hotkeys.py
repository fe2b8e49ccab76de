"""Hotkeys on the real app, pressed as keys: buy and sell at the ticket's amount (asking
first, as the buttons do), cancel all, flatten the selected position (asking first), the
symbol box; Help > Keyboard shortcuts lists exactly the keys the window binds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from app.core.models import OrderStatus, Side, TradingState
from app.ui.hotkeys import HOTKEYS, ShortcutsDialog, key_of
from app.ui.main_window import MainWindow


def press(window: MainWindow, qtbot: Any, name: str) -> None:
    """Type the hotkey ``name`` where the keyboard focus is (the window if nowhere)."""
    [combination] = [QKeySequence(h.key)[0] for h in HOTKEYS if h.name == name]
    target: QWidget = QApplication.focusWidget() or window
    qtbot.keyClick(target, combination.key(), combination.keyboardModifiers())


class Asked:
    """The confirmation dialog, answered by the test; records each question."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, text: str) -> bool:
        self.questions.append(text)
        return self.answer


def ready(window: MainWindow, run: Any, until: Any) -> None:
    window.activateWindow()
    run(until(lambda: window.ticket.quote is not None))


def shares(window: MainWindow, amount: str) -> None:
    ticket = window.ticket
    ticket.type_combo.setCurrentIndex(0)  # market
    ticket.unit_combo.setCurrentIndex(0)  # shares
    ticket.amount_edit.setText(amount)


def test_every_hotkey_is_bound_and_listed_under_help(
    terminal: MainWindow, qtbot, tmp_path: Path
) -> None:
    keys = [QKeySequence(h.key) for h in HOTKEYS]
    assert len(set(k.toString() for k in keys)) == len(keys)  # no key does two things
    for hotkey in HOTKEYS:
        assert terminal.actions_[hotkey.name].shortcut() == QKeySequence(hotkey.key), hotkey
    # no shortcut in the window that the table (and so the dialog) does not know
    bound = {a.shortcut().toString() for a in terminal.findChildren(QAction)
             if not a.shortcut().isEmpty()}  # fmt: skip
    assert bound == {k.toString() for k in keys}

    terminal.activateWindow()
    press(terminal, qtbot, "shortcuts")
    [dialog] = [w for w in QApplication.topLevelWidgets()
                if isinstance(w, ShortcutsDialog) and w.isVisible()]  # fmt: skip
    assert dialog.rows() == [(key_of(h.name), h.description) for h in HOTKEYS]
    assert ("Ctrl+Shift+F", "Sell the whole selected position at market, after you confirm") in (
        dialog.rows()
    )
    assert not dialog.table.horizontalScrollBar().isVisible()  # nothing cut off
    assert not dialog.table.verticalScrollBar().isVisible()
    image = dialog.grab()
    assert image.save(str(tmp_path / "shortcuts.png"))
    folder = os.environ.get("SHERWOOD_SHOTS")
    if folder:
        image.save(str(Path(folder) / "shortcuts.png"))
    dialog.close()


def test_buy_and_sell_keys_send_the_tickets_amount_after_the_same_confirmation(
    terminal: MainWindow, run, qtbot, until
) -> None:
    ctx = terminal.ctx
    ticket = terminal.ticket
    ready(terminal, run, until)
    shares(terminal, "2")
    ticket.confirm_box.setChecked(True)
    ticket.confirm = declined = Asked(False)
    press(terminal, qtbot, "buy")
    assert declined.questions == ["BUY 2 shares of TQQQ (market)"]
    assert ticket.result_label.text() == "Order not sent."
    assert ctx.execution.orders(10) == []

    ticket.confirm = accepted = Asked(True)
    press(terminal, qtbot, "buy")
    run(until(lambda: ctx.portfolio.get_position("TQQQ") is not None))
    position = ctx.portfolio.get_position("TQQQ")
    assert position is not None and position.quantity == 2
    shares(terminal, "1")
    press(terminal, qtbot, "sell")
    run(until(lambda: ctx.portfolio.get_position("TQQQ").quantity == 1))
    assert accepted.questions == ["BUY 2 shares of TQQQ (market)",
                                  "SELL 1 shares of TQQQ (market)"]  # fmt: skip
    sides = [o.request.side for o in ctx.execution.orders(10)]
    assert sides == [Side.SELL, Side.BUY]  # newest first

    # without confirmation the key sends at once, as the button does
    ticket.confirm_box.setChecked(False)
    ticket.confirm = never = Asked(False)
    press(terminal, qtbot, "sell")
    run(until(lambda: ctx.portfolio.get_position("TQQQ") is None))
    assert never.questions == []


def test_cancel_all_cancels_the_open_limit_orders_and_trading_goes_on(
    terminal: MainWindow, run, qtbot, until
) -> None:
    ctx = terminal.ctx
    ticket = terminal.ticket
    ready(terminal, run, until)
    shares(terminal, "1")
    ticket.type_combo.setCurrentIndex(1)  # limit
    for limit in ("5.00", "6.00"):  # far below the market: they stay open
        ticket.limit_edit.setText(limit)
        qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
    run(until(lambda: len(ctx.execution.open_orders()) == 2))
    press(terminal, qtbot, "cancel_all")
    run(until(lambda: ctx.execution.open_orders() == []))
    run(until(lambda: [o.status for o in terminal.orders.rows]
              == [OrderStatus.CANCELLED, OrderStatus.CANCELLED]))  # fmt: skip
    assert ctx.risk.state is TradingState.ACTIVE  # not the kill switch: trading goes on
    shares(terminal, "1")
    qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
    run(until(lambda: ctx.portfolio.get_position("TQQQ") is not None))


def test_flatten_sells_the_selected_position_only_after_confirmation(
    terminal: MainWindow, run, qtbot, until
) -> None:
    ctx = terminal.ctx
    ready(terminal, run, until)
    shares(terminal, "3")
    qtbot.mouseClick(terminal.ticket.buy_button, Qt.MouseButton.LeftButton)
    run(until(lambda: terminal.positions.rowCount() == 1))
    orders = len(ctx.execution.orders(100))

    press(terminal, qtbot, "flatten")  # nothing selected: nothing to flatten
    assert "select a position" in terminal.statusBar().currentMessage()

    view = terminal.positions_view
    cell = view.visualRect(terminal.positions.index(0, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert terminal.selected_position() == "TQQQ"

    terminal.ticket.confirm = declined = Asked(False)
    press(terminal, qtbot, "flatten")
    assert declined.questions == ["Flatten TQQQ: sell all 3 shares at market?"]
    run(until(lambda: "not sent" in terminal.statusBar().currentMessage()))
    assert len(ctx.execution.orders(100)) == orders
    assert ctx.portfolio.get_position("TQQQ").quantity == 3

    terminal.ticket.confirm = accepted = Asked(True)
    press(terminal, qtbot, "flatten")
    run(until(lambda: ctx.portfolio.get_position("TQQQ") is None))
    assert len(accepted.questions) == 1
    [sell] = [o for o in ctx.execution.orders(100) if o.request.side is Side.SELL]
    assert sell.request.quantity == 3 and sell.status is OrderStatus.FILLED
    run(until(lambda: terminal.positions.rowCount() == 0))


def test_symbol_key_puts_the_cursor_in_the_symbol_box_even_from_a_layout_without_it(
    terminal: MainWindow, run, qtbot, until
) -> None:
    ready(terminal, run, until)
    terminal.named_layouts.apply("analysis")  # the ticket is hidden there
    run(until(lambda: not terminal.docks["ticket"].isVisible()))
    terminal.fills_view.setFocus()
    press(terminal, qtbot, "symbol")
    run(until(lambda: terminal.ticket.symbol_edit.hasFocus()))
    assert terminal.docks["ticket"].isVisible()
    assert terminal.ticket.symbol_edit.selectedText() == "TQQQ"  # typing replaces it
    qtbot.keyClicks(terminal.ticket.symbol_edit, "SPY")
    assert terminal.ticket.symbol_edit.text() == "SPY"


def test_the_readme_lists_every_hotkey() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### In the window", 1)[1].split("\n## ", 1)[0]
    missing = [h.key for h in HOTKEYS if h.key not in section]
    assert missing == []
