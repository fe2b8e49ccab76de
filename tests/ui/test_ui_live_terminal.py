"""The terminal in live mode against the fake Robinhood (real HTTP), rendered offscreen: the
LIVE badge, quotes moving, the chart backfilled from Robinhood's historicals, a click-buy
confirmed and filled at Robinhood, Robinhood's day-trade count beside Sherwood's.

Set ``SHERWOOD_LIVE_PNG`` to a path to keep the rendered window for a look."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fake_robinhood import FakeRobinhood
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.config import Mode, Settings
from app.core.clock import LiveClock
from app.core.models import Interval, OrderStatus


@pytest.fixture
def dark_theme(qapp: QApplication) -> Iterator[None]:
    from app.ui.theme import apply_theme

    apply_theme(qapp, "dark")  # as the app does (the red LIVE badge is in the theme)
    yield
    qapp.setStyleSheet("")
    qapp.setPalette(qapp.style().standardPalette())


def test_live_terminal_quotes_chart_click_buy_and_day_trades(
    fake: FakeRobinhood, stored_session: None, dark_theme: None, run: Any, until: Any,
    tmp_path: Path,
) -> None:  # fmt: skip
    from app.composition import build_app
    from app.ui.controller import Controller
    from app.ui.main_window import MainWindow

    fake.state.account.day_trades = [{"symbol": "SPY", "date": "2026-11-20"}]
    settings = Settings().replace(
        mode=Mode.LIVE, robinhood_api_url=fake.url, bar_interval=Interval.M5,
        max_investment=Decimal("50"), max_position_value=Decimal("500"),
    )  # fmt: skip
    ctx = build_app(settings, data_dir=tmp_path / "data", clock=LiveClock())
    run(ctx.start())
    asked: list[str] = []

    def confirm(text: str) -> bool:
        asked.append(text)
        return True

    window = MainWindow(
        ctx, qsettings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat),
        confirm_order=confirm, ask_close=lambda _text: True, use_tray=False,
    )  # fmt: skip
    controller = Controller(window, ctx)
    controller.start()
    window.resize(1400, 900)
    window.show()
    window.install_chart()
    try:

        async def scenario() -> None:
            await until(lambda: ctx.market_data.latest_quote("TQQQ") is not None, timeout=10)
            first = ctx.market_data.latest_quote("TQQQ")
            fake.trading.set_quote("TQQQ", Decimal("63.40"), Decimal("63.50"))
            await until(lambda: _ask(ctx) == Decimal("63.50"), timeout=10)
            assert first is not None and first.ask == Decimal("63.20")
            bars = await ctx.market_data.historical_bars("TQQQ", Interval.M5, 200)
            assert len(bars) == 200  # backfilled from Robinhood's 5-minute bars
            await ctx.accounts.refresh()
            await until(lambda: "Robinhood 1, Sherwood 0" in window.pdt.remaining.text())

            window.ticket.amount_edit.setText("5")
            window.ticket.buy_button.click()
            await until(lambda: len(fake.trading.orders) == 1, timeout=10)
            [placed] = fake.trading.orders
            await until(lambda: ctx.execution.status(placed.ref_id or "") is OrderStatus.FILLED,
                        timeout=15)  # fmt: skip
            await until(lambda: window.positions.rowCount() == 1)

        run(scenario(), timeout=60)
        assert len(asked) == 1 and "BUY" in asked[0].upper()
        assert window.mode_badge.text() == "LIVE"
        png = os.environ.get("SHERWOOD_LIVE_PNG")
        if png:
            window.grab().save(png)
    finally:
        controller.stop()
        window.close()
        run(ctx.stop())
        window.deleteLater()


def _ask(ctx: Any) -> Decimal | None:
    quote = ctx.market_data.latest_quote("TQQQ")
    return None if quote is None else quote.ask
