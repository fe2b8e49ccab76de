"""The PDT meter on the real compliance service: a day trade changes its text and colour."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from app.config import Settings
from app.ui.main_window import MainWindow
from app.ui.pdt_meter import AMBER, GREEN


@pytest.fixture
def ui_settings() -> Settings:
    # two day trades allowed: one round trip leaves one, so the meter turns amber
    return Settings().replace(
        max_investment=Decimal("500"), max_position_value=Decimal("2000"),
        max_daily_loss=Decimal("500"), paper_starting_cash=Decimal("5000"),
        paper_latency_ms=20, max_day_trades=2,
    )  # fmt: skip


def test_pdt_meter_changes_after_a_day_trade(terminal: MainWindow, run, qtbot, until) -> None:
    meter = terminal.pdt
    ticket = terminal.ticket
    assert meter.headline.text() == "Day trades: 0 of 2"
    assert meter.level == GREEN
    assert not meter.warning.isVisible()
    green_style = meter.headline.styleSheet()

    async def body() -> None:
        await until(lambda: ticket.quote is not None)
        ticket.unit_combo.setCurrentIndex(0)  # shares
        ticket.amount_edit.setText("1")
        qtbot.mouseClick(ticket.buy_button, Qt.MouseButton.LeftButton)
        await until(lambda: len(terminal.fills.rows) == 1)
        qtbot.mouseClick(ticket.sell_button, Qt.MouseButton.LeftButton)
        await until(lambda: len(terminal.fills.rows) == 2)
        await until(lambda: meter.headline.text() == "Day trades: 1 of 2")

    run(body())
    assert meter.level == AMBER
    assert meter.headline.styleSheet() != green_style
    assert "1 remaining" in meter.remaining.text()
    assert meter.warning.isVisible()
    assert "next day trade reaches the limit" in meter.warning.text()
    assert "TQQQ" in meter.drop_offs.text() and "drops out" in meter.drop_offs.text()
