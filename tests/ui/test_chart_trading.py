"""The chart in the real terminal: intervals, orders placed and cancelled on it, average cost.

The app runs on the paper broker and the simulated market, whose path started
two hours before the clock (as after a restart), so the last two hours of
history are the live path folded into bars: every interval is built from the
same prices and a 5m bar must be exactly its five 1m bars.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from app.config import Settings
from app.core.clock import SimulatedClock
from app.core.errors import MarketDataError
from app.core.models import Interval, OrderStatus
from app.marketdata.feeds.simulated import SimulatedFeed
from app.ui.chart.widget import ChartWidget
from app.ui.main_window import MainWindow

TUESDAY_10_NY = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 New York, as in conftest
PATH_AGE = timedelta(hours=2)


@pytest.fixture
def window(run: Any, tmp_path: Path, ui_settings: Settings, layout_ini: Path) -> Iterator[Any]:
    """The real app and window (as the ``terminal`` fixture) on a market two hours old."""
    from app.composition import build_app
    from app.ui.controller import Controller

    clock = SimulatedClock(TUESDAY_10_NY, speed=10.0)
    s = ui_settings
    feed = SimulatedFeed(clock, seed=s.sim_seed, start_price=s.sim_start_price,
                         anchor=TUESDAY_10_NY - PATH_AGE, primary_symbol=s.symbol)  # fmt: skip
    ctx = build_app(s, data_dir=tmp_path / "data", clock=clock, feed=feed)
    run(ctx.start())
    w = MainWindow(
        ctx,
        qsettings=QSettings(str(layout_ini), QSettings.Format.IniFormat),
        confirm_order=lambda _text: True,
        ask_close=lambda _text: True,
        use_tray=False,
    )
    controller = Controller(w, ctx)
    controller.start()
    w.resize(1400, 900)
    w.show()
    yield w
    controller.stop()
    w.close()
    run(ctx.stop())
    w.deleteLater()


def _rows(chart: ChartWidget) -> list[tuple[float, ...]]:
    s = chart.series
    return list(zip(*(a.tolist() for a in (s.t, s.o, s.h, s.l, s.c, s.v)), strict=True))


def _loaded(chart: ChartWidget, interval: str) -> bool:
    return chart.interval == interval and len(chart.series) > 0


def pick_interval(chart: ChartWidget, label: str) -> None:
    """Choose ``label`` in the toolbar's interval box, as a user does."""
    combo = chart.toolbar.interval_combo
    combo.setCurrentIndex(combo.findText(label))


def test_picking_5m_rebuckets_the_minute_bars_without_blocking(
    window: MainWindow, run: Any, until: Any
) -> None:
    chart = window.chart
    run(until(lambda: _loaded(chart, "1m")))
    minutes = _rows(chart)[:-1]  # the last one is forming
    anchor = (TUESDAY_10_NY - PATH_AGE).timestamp()

    pick_interval(chart, "5m")
    if "SHERWOOD_SHOTS" in os.environ:  # the toolbar's loading note
        chart.toolbar.grab().save(str(Path(os.environ["SHERWOOD_SHOTS"]) / "chart_loading.png"))
    # The window is not blocked: the minute bars are still shown while 5m loads.
    assert chart.interval == "1m" and len(chart.series) == len(minutes) + 1
    assert chart.toolbar.loading.isVisible() and chart.toolbar.loading.text() == "Loading 5m…"
    run(until(lambda: _loaded(chart, "5m")))
    assert not chart.toolbar.loading.isVisible()
    assert chart.toolbar.interval_combo.currentText() == "5m"

    five = _rows(chart)
    assert all(t % 300 == 0 for t, *_ in five)
    by_start = {row[0]: row for row in minutes}
    compared = 0
    for t, o, h, low, c, v in five[:-1]:
        if t < anchor or t + 240 > minutes[-1][0]:
            continue  # before the path (separate history) or not all minutes closed yet
        parts = [by_start[t + 60 * k] for k in range(5)]
        assert (o, h, low, c, v) == (
            parts[0][1], max(p[2] for p in parts), min(p[3] for p in parts), parts[-1][4],
            sum(p[5] for p in parts),
        )  # fmt: skip
        compared += 1
    assert compared >= 20

    # The forming 5m bar follows the market live (its volume grows with each trade).
    last = (chart.series.t[-1], chart.series.v[-1])
    run(until(lambda: (chart.series.t[-1], chart.series.v[-1]) != last, timeout=15))
    assert chart.series.t[-1] % 300 == 0


def test_every_interval_loads_its_own_bars(window: MainWindow, run: Any, until: Any) -> None:
    chart = window.chart
    run(until(lambda: _loaded(chart, "1m")))
    for label, value, seconds in (("15m", "15m", 900), ("1h", "1h", 3600), ("1D", "1d", 0)):
        pick_interval(chart, label)
        run(until(lambda v=value: _loaded(chart, v)))
        starts = chart.series.t
        if seconds:
            assert np.all(starts % seconds == 0)
            assert np.all(np.diff(starts) >= seconds)
            assert chart.extended_hours.enabled
        else:
            assert np.all(np.diff(starts) >= 23 * 3600)  # one bar a day
            assert not chart.extended_hours.enabled  # daily bars are never shaded
        if "SHERWOOD_SHOTS" in os.environ:  # to look at each interval
            chart.grab().save(str(Path(os.environ["SHERWOOD_SHOTS"]) / f"chart_{value}.png"))
    # quick clicks: only the last choice is shown in the end
    pick_interval(chart, "5m")
    pick_interval(chart, "1m")
    run(until(lambda: _loaded(chart, "1m")))
    run(_pause(0.5))  # the overtaken 5m load has finished too, and was dropped
    assert chart.interval == "1m"


async def _pause(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def _viewport_point(chart: ChartWidget, scene: QPointF) -> QPoint:
    return chart.graphics.mapFromScene(scene)


def right_click_price(chart: ChartWidget, qtbot: Any, price: float) -> None:
    vb = chart.price_plot.vb
    (x0, x1), _ = vb.viewRange()
    point = _viewport_point(chart, vb.mapViewToScene(QPointF((x0 + x1) / 2, price)))
    viewport = chart.graphics.viewport()
    qtbot.mouseMove(viewport, point)
    qtbot.mouseClick(viewport, Qt.MouseButton.RightButton, pos=point)


def click_item(chart: ChartWidget, qtbot: Any, item: Any) -> None:
    point = _viewport_point(chart, item.sceneBoundingRect().center())
    viewport = chart.graphics.viewport()
    qtbot.mouseMove(viewport, point)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)


def _ticket_shares(window: MainWindow, amount: str) -> list[str]:
    """Shares on the ticket, confirmation on; returns the list of questions asked."""
    ticket = window.ticket
    ticket.unit_combo.setCurrentIndex(0)
    ticket.amount_edit.setText(amount)
    ticket.confirm_box.setChecked(True)
    asked: list[str] = []

    def confirm(text: str) -> bool:
        asked.append(text)
        return True  # the user says yes

    ticket.confirm = confirm
    return asked


def _buy_limit_from_chart(window: MainWindow, qtbot: Any, run: Any, until: Any) -> Decimal:
    """Right-click low in the view, choose "Buy limit at P"; returns P."""
    chart = window.chart
    run(until(lambda: _loaded(chart, "1m") and window.ticket.quote is not None))
    _, (y0, y1) = chart.price_plot.vb.viewRange()
    y = y0 + 0.3 * (y1 - y0)
    quote = window.ticket.quote
    assert quote is not None and y < float(quote.bid) - 0.05  # below the market: it works
    right_click_price(chart, qtbot, y)
    menu = chart.price_menu.menu
    assert menu is not None
    texts = [a.text() for a in menu.actions()]
    price = Decimal(texts[0].rsplit(" ", 1)[1].replace(",", ""))
    assert texts == [f"Buy limit at {price:,}", f"Sell limit at {price:,}"]
    assert price == price.quantize(Decimal("0.01"))  # on the tick
    _, px_h = chart.price_plot.vb.viewPixelSize()
    assert abs(float(price) - y) <= px_h + 0.005  # the price under the pointer
    menu.actions()[0].trigger()
    return price


def test_limit_order_from_the_chart_is_confirmed_drawn_and_cancelled_from_its_line(
    window: MainWindow, run: Any, qtbot: Any, until: Any
) -> None:
    chart = window.chart
    execution = window.ctx.execution
    asked = _ticket_shares(window, "3")
    price = _buy_limit_from_chart(window, qtbot, run, until)

    assert asked == [f"BUY 3 shares of TQQQ (limit {price})"]
    assert window.ticket.type_combo.currentText() == "Limit"
    assert window.ticket.limit_edit.text() == str(price)
    run(until(lambda: len(execution.open_orders()) == 1))
    order = execution.open_orders()[0]
    assert (order.request.limit_price, order.request.quantity) == (price, Decimal(3))
    run(until(lambda: chart.order_lines.texts() == [f"BUY 3 @ {price:,.2f}"]))
    drawn = chart.order_lines.lines[order.client_order_id]
    assert drawn.line.value() == pytest.approx(float(price))
    assert drawn.line.isVisible() and drawn.handle.isVisible()

    click_item(chart, qtbot, drawn.handle)
    run(until(lambda: execution.get_order(order.client_order_id).status
              is OrderStatus.CANCELLED))  # fmt: skip
    run(until(lambda: chart.order_lines.texts() == []))
    assert execution.open_orders() == []
    assert window.orders.rows[0].status is OrderStatus.CANCELLED


def test_a_dollar_amount_from_the_ticket_becomes_a_limit_order_line(
    window: MainWindow, run: Any, qtbot: Any, until: Any
) -> None:
    ticket = window.ticket
    assert ticket.unit_combo.currentText() == "Dollars"  # the ticket's default: $500
    price = _buy_limit_from_chart(window, qtbot, run, until)
    execution = window.ctx.execution
    run(until(lambda: len(execution.open_orders()) == 1))
    order = execution.open_orders()[0]
    assert (order.request.notional, order.request.limit_price) == (Decimal("500.00"), price)
    run(until(lambda: len(window.chart.order_lines.texts()) == 1))
    text = window.chart.order_lines.texts()[0]
    assert text.startswith("BUY ") and text.endswith(f" @ {price:,.2f}")


def test_a_declined_confirmation_sends_nothing_and_draws_no_line(
    window: MainWindow, run: Any, qtbot: Any, until: Any
) -> None:
    _ticket_shares(window, "3")
    window.ticket.confirm = lambda _text: False  # the user says no
    before = len(window.ctx.execution.orders(100))
    _buy_limit_from_chart(window, qtbot, run, until)
    assert window.ticket.result_label.text() == "Order not sent."
    run(_pause(0.3))
    assert len(window.ctx.execution.orders(100)) == before
    assert window.chart.order_lines.texts() == []


def test_the_ticket_checks_still_apply_to_an_order_from_the_chart(
    window: MainWindow, run: Any, qtbot: Any, until: Any
) -> None:
    asked = _ticket_shares(window, "100")  # far above MAX_INVESTMENT ($500)
    _buy_limit_from_chart(window, qtbot, run, until)
    assert "MAX_INVESTMENT" in window.ticket.error_text("amount")
    assert asked == [] and window.ctx.execution.orders(100) == []


def test_average_cost_line_appears_after_a_fill_with_its_unrealized_pnl(
    window: MainWindow, run: Any, qtbot: Any, until: Any
) -> None:
    chart = window.chart
    portfolio = window.ctx.portfolio
    run(until(lambda: _loaded(chart, "1m") and window.ticket.quote is not None))
    assert not chart.position_line.line.isVisible()
    _ticket_shares(window, "2")
    qtbot.mouseClick(window.ticket.buy_button, Qt.MouseButton.LeftButton)
    run(until(lambda: portfolio.get_position("TQQQ") is not None))
    run(until(lambda: chart.position_line.line.isVisible()))
    position = portfolio.get_position("TQQQ")
    assert chart.position_line.line.value() == pytest.approx(float(position.average_cost))

    def label_matches_portfolio() -> bool:
        view = next(p for p in portfolio.positions() if p.symbol == "TQQQ")
        sign = "+" if view.unrealized_pnl > 0 else "-" if view.unrealized_pnl < 0 else ""
        pnl = f"{sign}${abs(view.unrealized_pnl):,.2f}"
        return chart.position_line.text == f"AVG {view.average_cost:,.2f} · 2 sh · {pnl}"

    run(until(label_matches_portfolio))
    # selling it all removes the line
    qtbot.mouseClick(window.ticket.sell_button, Qt.MouseButton.LeftButton)
    run(until(lambda: portfolio.get_position("TQQQ") is None))
    run(until(lambda: not chart.position_line.line.isVisible()))


def _row_count(image: QImage, y: int, color: str) -> int:
    """Pixels of ``color`` on row ``y`` (one pixel up or down, for rounding)."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    count = image.width() * image.height()
    arr = np.frombuffer(image.constBits(), dtype=np.uint32, count=count).reshape(image.height(), -1)
    rgb = QColor(color).rgb() & 0xFFFFFF
    rows = arr[max(0, y - 1) : y + 2] & 0xFFFFFF
    return int((rows == rgb).sum(axis=1).max())


def test_render_5m_chart_with_a_working_order_and_the_average_cost(
    window: MainWindow, run: Any, qtbot: Any, until: Any, tmp_path: Path
) -> None:
    chart = window.chart
    portfolio = window.ctx.portfolio
    run(until(lambda: _loaded(chart, "1m") and window.ticket.quote is not None))
    pick_interval(chart, "5m")
    run(until(lambda: _loaded(chart, "5m")))
    _ticket_shares(window, "3")
    qtbot.mouseClick(window.ticket.buy_button, Qt.MouseButton.LeftButton)
    run(until(lambda: portfolio.get_position("TQQQ") is not None))
    window.ticket.type_combo.setCurrentIndex(0)
    price = _buy_limit_from_chart_5m(window, qtbot, run, until)
    run(until(lambda: len(chart.order_lines.texts()) == 1))
    run(until(lambda: chart.position_line.line.isVisible() and "$" in chart.position_line.text))
    QApplication.sendEvent(chart.graphics.viewport(), QEvent(QEvent.Type.Leave))  # pointer out
    assert not any(line.isVisible() for line in chart.crosshair.hlines)
    chart.flush()
    image = chart.grab().toImage()
    out = Path(os.environ.get("SHERWOOD_SHOTS", tmp_path)) / "chart_5m_order_avg_cost.png"
    assert image.save(str(out))
    if "SHERWOOD_SHOTS" in os.environ:  # the whole window, ticket included
        window.grab().save(str(out.with_name("window_5m_order_avg_cost.png")))

    def row_of(value: float) -> int:
        scene = chart.price_plot.vb.mapViewToScene(QPointF(0, value))
        return chart.graphics.mapTo(chart, chart.graphics.mapFromScene(scene)).y()

    width = image.width()
    assert _row_count(image, row_of(float(price)), chart.colors.buy_order) > width // 3
    avg = float(portfolio.get_position("TQQQ").average_cost)
    assert _row_count(image, row_of(avg), chart.colors.average_cost) > width // 5  # dashed
    assert chart.order_lines.texts() == [f"BUY 3 @ {price:,.2f}"]


def _buy_limit_from_chart_5m(window: MainWindow, qtbot: Any, run: Any, until: Any) -> Decimal:
    chart = window.chart
    _, (y0, y1) = chart.price_plot.vb.viewRange()
    quote = window.ticket.quote
    assert quote is not None
    y = min(y0 + 0.35 * (y1 - y0), float(quote.bid) - 0.3)
    right_click_price(chart, qtbot, y)
    menu = chart.price_menu.menu
    assert menu is not None
    price = Decimal(menu.actions()[0].text().rsplit(" ", 1)[1].replace(",", ""))
    menu.actions()[0].trigger()
    return price


def test_a_failed_interval_load_keeps_the_bars_and_the_next_choice_works(
    window: MainWindow, run: Any, until: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart = window.chart
    md = window.ctx.market_data
    run(until(lambda: _loaded(chart, "1m")))
    shown = len(chart.series)
    original = md.historical_bars

    async def history_down(symbol: str, interval: Interval, count: int = 500) -> Any:
        if interval is Interval.H1:
            raise MarketDataError("history unavailable: the feed timed out")
        return await original(symbol, interval, count)

    monkeypatch.setattr(md, "historical_bars", history_down)
    pick_interval(chart, "1h")
    run(until(lambda: chart.toolbar.error is not None))
    assert "history unavailable" in chart.toolbar.symbol_edit.toolTip()
    assert chart.interval == "1m" and len(chart.series) == shown  # the bars shown stay
    assert chart.toolbar.interval_combo.currentText() == "1m"
    assert not chart.toolbar.loading.isVisible()
    pick_interval(chart, "15m")  # the next choice is for the symbol shown
    run(until(lambda: _loaded(chart, "15m")))
    assert chart.symbol == "TQQQ"
