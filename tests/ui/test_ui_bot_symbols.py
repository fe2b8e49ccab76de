"""The bot panel lists the symbols the bot trades, each with its strategy and parameters; a
symbol added there is traded by the bot (and saved), one that is malformed is refused.

The real app (build_app, a real SQLite file) with its window and controller; the market is a
ManualFeed on a manual simulated clock, so the test replays the minute bars that make the
signals (RSI(2): a drop after a flat stretch is a BUY).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt

from app.config import Settings, resolve_settings
from app.core.clock import SimulatedClock
from app.core.events import OrderFilled
from app.core.models import Bar, Interval, OrderSource, Side
from app.marketdata.feeds.manual import ManualFeed
from app.storage.settings_store import load_saved_settings

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 New York
SETTINGS = Settings().replace(
    paper_latency_ms=0, bot_symbols="AAA:rsi period=2, BBB:macd fast=5",
    profit_target_pct=Decimal("1000"), stop_loss_pct=Decimal("-99"),
)  # fmt: skip


@pytest.fixture
def window(run: Any, tmp_path: Path) -> Iterator[Any]:
    from app.composition import build_app
    from app.ui.controller import Controller
    from app.ui.main_window import MainWindow

    ctx = build_app(SETTINGS, data_dir=tmp_path / "data", clock=SimulatedClock(START),
                    feed=ManualFeed(), bar_store=False)  # fmt: skip
    run(ctx.start())
    win = MainWindow(
        ctx, qsettings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat),
        confirm_order=lambda _text: True, ask_close=lambda _text: True, use_tray=False,
    )  # fmt: skip
    controller = Controller(win, ctx)
    controller.start()
    win.show()
    yield win
    controller.stop()
    win.close()
    run(ctx.stop())
    win.deleteLater()


def rows(panel: Any) -> list[tuple[str, str, str]]:
    table = panel.table
    return [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]


async def replay(ctx: Any, plan: dict[str, str]) -> None:
    """Minute bars per symbol: B = a drop to $19, anything else = flat at $20."""
    for i in range(len(next(iter(plan.values())))):
        ctx.clock.set(START + timedelta(minutes=i + 1))
        for symbol, steps in plan.items():
            p = Decimal("19") if "B" in steps[: i + 1] else Decimal("20")
            await ctx.market_data.on_bar(
                Bar(symbol, Interval.M1, START + timedelta(minutes=i), p, p, p, p, 1000)
            )
        for _ in range(5):
            await asyncio.sleep(0)
        await ctx.bus.flush()


def test_the_panel_lists_both_symbols_and_an_added_one_is_traded(
    window: Any, run: Any, qtbot: Any, until: Any
) -> None:
    panel = window.bot
    ctx = window.ctx
    assert rows(panel) == [("AAA", "RSI", "2 · 30/70"), ("BBB", "MACD", "5/26/9")]
    assert panel.table.item(1, 2).toolTip() == "MACD: fast 5 · slow 26 · signal 9"
    panel.table.selectRow(1)
    assert panel.strategy.currentText() == "MACD" and panel.macd_fast.value() == 5
    assert panel.apply_button.text() == "Apply to BBB"

    # add CCC on RSI(2), as a user does: pick the strategy and period, type, click Add
    panel.strategy.setCurrentIndex(panel.strategy.findText("RSI"))
    panel.rsi_period.setValue(2)
    qtbot.keyClicks(panel.add_edit, "ccc")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    run(until(lambda: len(rows(panel)) == 3))
    assert rows(panel)[2] == ("CCC", "RSI", "2 · 30/70")
    assert panel.add_edit.text() == ""
    saved = load_saved_settings(ctx.db)["BOT_SYMBOLS"]
    assert saved == "AAA:rsi period=2, BBB:macd fast=5, CCC:rsi period=2"
    assert resolve_settings(saved={"BOT_SYMBOLS": saved}).bot_plan()[2].symbol == "CCC"
    run(until(lambda: ("CCC", "rsi") in ctx.strategy.enabled_pairs()))

    qtbot.mouseClick(panel.bot_button, Qt.MouseButton.LeftButton)
    run(until(lambda: ctx.bot.enabled))
    run(until(lambda: panel.bot_label.text() == "Bot running"))  # the panel hears it after
    assert panel.bot_label.toolTip() == "The bot trades AAA, BBB, CCC"
    fills: list[OrderFilled] = []
    ctx.bus.subscribe(OrderFilled, fills.append)
    run(replay(ctx, {"AAA": "........", "CCC": "......B."}))  # only CCC drops

    assert [(f.fill.symbol, f.fill.side) for f in fills] == [("CCC", Side.BUY)]
    order = ctx.execution.get_order(fills[0].order.client_order_id)
    assert order is not None and order.request.source is OrderSource.BOT
    run(until(lambda: "CCC" in [row.symbol for row in window.positions.rows]))


def test_a_malformed_symbol_or_removing_the_last_is_refused_with_a_message(
    window: Any, run: Any, qtbot: Any, until: Any
) -> None:
    panel = window.bot
    ctx = window.ctx
    qtbot.keyClicks(panel.add_edit, "??")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert "is not a valid symbol" in panel.param_error.text()
    assert panel.param_error.isVisible()
    panel.add_edit.clear()
    qtbot.keyClicks(panel.add_edit, "aaa")  # already traded
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert "lists AAA twice" in panel.param_error.text()

    panel.table.selectRow(0)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    run(until(lambda: [r[0] for r in rows(panel)] == ["BBB"]))
    assert not panel.param_error.isVisible()
    run(until(lambda: ctx.strategy.enabled_pairs() == [("BBB", "macd")]))
    assert ctx.bot.symbols == ["BBB"]
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert "at least one symbol" in panel.param_error.text()
    assert ctx.bot.symbols == ["BBB"]


def test_changing_a_symbols_strategy_runs_the_new_one_on_it(
    window: Any, run: Any, qtbot: Any, until: Any
) -> None:
    panel = window.bot
    ctx = window.ctx
    panel.table.selectRow(1)  # BBB on MACD
    panel.strategy.setCurrentIndex(panel.strategy.findText("RSI at support/resistance"))
    assert panel.rsi_period.value() == 14  # RSI's own settings, not AAA's period 2
    panel.rsi_oversold.setValue(25)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    run(until(lambda: rows(panel)[1] == ("BBB", "RSI S/R", "14 · 25/70")))
    assert panel.selected_symbol() == "BBB"
    run(until(lambda: ("BBB", "rsi_sr") in ctx.strategy.enabled_pairs()))
    assert ctx.strategy.enabled_pairs() == [("AAA", "rsi"), ("BBB", "rsi_sr")]
    assert load_saved_settings(ctx.db)["BOT_SYMBOLS"] == (
        "AAA:rsi period=2, BBB:rsi_sr oversold=25"
    )
