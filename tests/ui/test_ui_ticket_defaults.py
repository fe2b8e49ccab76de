"""The ticket a newcomer meets: with the original limits (MAX_INVESTMENT $20, a ~$50 share)
the first BUY click is an order the limits allow, and old messages go away when the input
changes or trading resumes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.config import Settings
from app.core.models import OrderStatus
from app.ui.main_window import MainWindow


@pytest.fixture
def ui_settings() -> Settings:
    return Settings().replace(paper_latency_ms=20)  # the original limits: $20 per order


def test_the_first_buy_click_with_default_limits_fills(
    terminal: MainWindow, run, qtbot, until
) -> None:
    ticket = terminal.ticket
    execution = terminal.ctx.execution
    assert terminal.ctx.settings.max_investment == 20
    run(until(lambda: ticket.quote is not None))
    qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)  # nothing typed
    assert ticket.error_text("amount") == ""
    run(until(lambda: execution.orders(10) and execution.orders(10)[0].status.is_terminal))
    order = execution.orders(10)[0]
    assert order.status is OrderStatus.FILLED, order.reason
    assert order.request.notional == 20
    assert ticket.result_label.text().startswith("Sent: BUY $20.00 of TQQQ")


def test_messages_clear_when_the_input_changes_and_when_trading_resumes(
    terminal: MainWindow, run, qtbot, until
) -> None:
    ticket = terminal.ticket
    run(until(lambda: ticket.quote is not None))
    ticket.amount_edit.setText("500")
    qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
    assert "MAX_INVESTMENT" in ticket.error_text("amount")
    QTest.keyClick(ticket.amount_edit, Qt.Key.Key_Backspace)  # the user edits the amount
    assert ticket.error_text("amount") == ""
    assert ticket.errors["amount"].isHidden()

    qtbot.mouseClick(terminal.bot.kill_button, Qt.MouseButton.LeftButton)
    run(until(lambda: terminal.bot.state_label.text() == "HALTED"))
    ticket.amount_edit.setText("20")
    qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
    assert ticket.error_text("amount") != ""  # refused while halted
    qtbot.mouseClick(terminal.bot.resume_button, Qt.MouseButton.LeftButton)
    run(until(lambda: terminal.bot.state_label.text() == "ACTIVE"))
    assert ticket.error_text("amount") == ""
    assert ticket.result_label.text() == ""
