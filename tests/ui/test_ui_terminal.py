"""The terminal end to end on the real services: buy, invalid tickets, kill switch, layout."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, Qt

from app.core.models import OrderStatus, TradingState
from app.ui.main_window import MainWindow


def _symbols(model: Any) -> list[str]:
    return [row.symbol for row in model.rows]


def test_clicking_buy_fills_and_shows_position_and_fill(
    terminal: MainWindow, run, qtbot, until
) -> None:
    ticket = terminal.ticket
    ctx = terminal.ctx

    async def body() -> None:
        await until(lambda: ticket.quote is not None)
        assert ticket.ask_label.text() != "—"
        ticket.unit_combo.setCurrentIndex(0)  # shares
        ticket.amount_edit.setText("2")
        qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
        await until(lambda: "TQQQ" in _symbols(terminal.positions))
        await until(lambda: len(terminal.fills.rows) == 1)

    run(body())
    position = terminal.positions.rows[0]
    assert position.quantity == 2
    fill = terminal.fills.rows[0]
    assert (fill.symbol, fill.side.value, fill.quantity) == ("TQQQ", "buy", 2)
    assert ctx.execution.orders(10)[0].status is OrderStatus.FILLED
    assert terminal.orders.rows[0].status is OrderStatus.FILLED
    assert any(title == "Order filled" for title, _ in terminal.notifier.history)
    assert ticket.result_label.text().startswith("Sent: BUY 2 shares of TQQQ")


CASES = [
    ({"amount": ""}, "amount", "enter a quantity"),
    ({"amount": "0"}, "amount", "the quantity must be more than zero"),
    ({"amount": "-1"}, "amount", "the quantity must not be negative"),
    ({"amount": "abc"}, "amount", "'abc' is not a number"),
    ({"amount": "0.50", "unit": 1}, "amount", "dollar orders must be at least $1.00"),
    ({"amount": "100"}, "amount", "is above the MAX_INVESTMENT limit of $500.00"),
    ({"amount": "0.5", "limit": "45", "after_hours": True}, "amount",
     "fractional limit orders are only taken during regular hours"),
    ({"amount": "1", "limit": "-3"}, "limit_price", "the limit price must not be negative"),
    ({"symbol": "??"}, "symbol", "is not a valid symbol"),
]  # fmt: skip


def test_every_invalid_input_shows_its_message_and_sends_nothing(
    terminal: MainWindow, run, qtbot, until
) -> None:
    ticket = terminal.ticket
    execution = terminal.ctx.execution
    run(until(lambda: ticket.quote is not None))
    before = len(execution.orders(1000))
    for changes, field, message in CASES:
        ticket.symbol_edit.setText(changes.get("symbol", "TQQQ"))
        ticket.amount_edit.setText(changes.get("amount", "1"))
        ticket.unit_combo.setCurrentIndex(int(changes.get("unit", 0)))
        ticket.type_combo.setCurrentIndex(1 if "limit" in changes else 0)
        ticket.limit_edit.setText(str(changes.get("limit", "")))
        regular = not changes.get("after_hours", False)
        ticket.session_regular = lambda regular=regular: regular  # the clock stays at 10:00
        qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
        assert message in ticket.error_text(field), (changes, ticket.error_text(field))
        assert ticket.errors[field].isVisible()
        run(_settle())
        assert len(execution.orders(1000)) == before, changes
    # a valid ticket clears the messages
    ticket.session_regular = lambda: True
    ticket.symbol_edit.setText("TQQQ")
    ticket.type_combo.setCurrentIndex(0)
    ticket.unit_combo.setCurrentIndex(0)
    ticket.amount_edit.setText("1")
    qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
    assert ticket.error_text("amount") == ""
    run(until(lambda: len(execution.orders(1000)) == before + 1))


async def _settle() -> None:
    import asyncio

    await asyncio.sleep(0.05)


def test_kill_switch_halts_and_cancels_open_orders(terminal: MainWindow, run, qtbot, until) -> None:
    ticket = terminal.ticket
    execution = terminal.ctx.execution

    async def body() -> None:
        await until(lambda: ticket.quote is not None)
        ticket.type_combo.setCurrentIndex(1)
        ticket.limit_edit.setText("5.00")  # far below the market: stays open
        ticket.unit_combo.setCurrentIndex(0)  # shares
        ticket.amount_edit.setText("1")
        qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
        await until(lambda: len(execution.open_orders()) == 1)
        await until(lambda: terminal.orders.rows and terminal.orders.rows[0].status.is_open)
        qtbot.mouseClick(terminal.bot.kill_button, Qt.MouseButton.LeftButton)
        await until(lambda: terminal.bot.state_label.text() == "HALTED")
        await until(lambda: terminal.orders.rows[0].status is OrderStatus.CANCELLED)

    run(body())
    assert terminal.ctx.risk.state is TradingState.HALTED
    assert execution.open_orders() == []
    assert terminal.bot.resume_button.isVisible()
    # while halted, a buy is refused on the ticket and nothing is sent
    count = len(execution.orders(1000))
    ticket.type_combo.setCurrentIndex(0)
    qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
    assert ticket.error_text("amount") != ""
    assert len(execution.orders(1000)) == count


def test_layout_survives_a_restart(terminal: MainWindow, run, layout_ini, qtbot) -> None:
    terminal.move(37, 23)
    terminal.docks["fills"].hide()
    terminal.docks["signals"].setFloating(True)
    run(_settle())
    terminal.layout_keeper.save()

    again = MainWindow(
        terminal.ctx,
        qsettings=QSettings(str(layout_ini), QSettings.Format.IniFormat),
        ask_close=lambda _t: True,
        use_tray=False,
    )
    qtbot.addWidget(again)
    again.show()
    run(_settle())
    assert not again.docks["fills"].isVisible()
    assert again.docks["signals"].isFloating()
    assert again.docks["ticket"].isVisible()
    assert again.layout_keeper.restored
    # the offscreen screen is 800 px wide, so Qt clamps x and width; y survives as saved
    assert again.y() == 23
    again.layout_keeper_reset()
    assert again.docks["fills"].isVisible()
    assert not again.docks["signals"].isFloating()
