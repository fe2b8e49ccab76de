"""Order lines follow an order's life: drawn while it works, relabelled, gone when it ends."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.models import Order, OrderRequest, OrderStatus, OrderType, Side
from app.ui.chart.widget import ChartWidget

D = Decimal
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


@pytest.fixture
def chart(qtbot: QtBot) -> ChartWidget:
    widget = ChartWidget()
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    t = NOW.timestamp() - 60 * np.arange(100, 0, -1, dtype=np.float64)
    price = np.full(100, 50.0)
    widget.set_arrays("TQQQ", "1m", t, price, price + 1, price - 1, price, np.ones(100))
    return widget


def order(key: str, side: Side, limit: str | None, symbol: str = "TQQQ", **changes: Any) -> Order:
    kind = OrderType.LIMIT if limit is not None else OrderType.MARKET
    request = OrderRequest(symbol, side, quantity=D(3), order_type=kind,
                           limit_price=D(limit) if limit else None)  # fmt: skip
    return dataclasses.replace(Order(key, request, NOW, OrderStatus.ACCEPTED), **changes)


def test_a_line_per_working_limit_order_relabelled_and_removed_with_its_events(
    chart: ChartWidget,
) -> None:
    lines = chart.order_lines
    chart.upsert_order(order("a", Side.BUY, "49.50", status=OrderStatus.SUBMITTED))
    chart.upsert_order(order("b", Side.SELL, "50.75"))
    chart.upsert_order(order("m", Side.BUY, None))  # a market order has no price: no line
    assert lines.texts() == ["SELL 3 @ 50.75", "BUY 3 @ 49.50"]
    sell = lines.lines["b"]
    assert sell.line.pen.color().name() == chart.colors.sell_order
    assert lines.lines["a"].line.pen.color().name() == chart.colors.buy_order

    chart.upsert_order(order("a", Side.BUY, "49.50", status=OrderStatus.PARTIALLY_FILLED,
                             filled_quantity=D(1)))  # fmt: skip
    assert lines.texts() == ["SELL 3 @ 50.75", "BUY 2 @ 49.50"]
    chart.upsert_order(order("a", Side.BUY, "49.50", status=OrderStatus.FILLED,
                             filled_quantity=D(3)))  # fmt: skip
    assert lines.texts() == ["SELL 3 @ 50.75"]
    chart.upsert_order(order("b", Side.SELL, "50.75", status=OrderStatus.CANCEL_PENDING))
    assert lines.texts() == ["SELL 3 @ 50.75"]  # still working until the broker confirms
    chart.upsert_order(order("b", Side.SELL, "50.75", status=OrderStatus.CANCELLED))
    assert lines.texts() == []
    assert not [i for i in chart.price_plot.items if getattr(i, "toPlainText", None)
                and "@" in i.toPlainText()]  # fmt: skip


def test_lines_follow_the_chart_symbol(chart: ChartWidget) -> None:
    chart.set_working_orders([order("a", Side.BUY, "49.50"),
                              order("q", Side.BUY, "401.00", symbol="QQQ")])  # fmt: skip
    assert chart.order_lines.texts() == ["BUY 3 @ 49.50"]
    t = NOW.timestamp() - 60 * np.arange(10, 0, -1, dtype=np.float64)
    price = np.full(10, 400.0)
    chart.set_arrays("QQQ", "1m", t, price, price + 1, price - 1, price, np.ones(10))
    assert chart.order_lines.texts() == ["BUY 3 @ 401.00"]


def test_the_cancel_handle_reports_its_order(chart: ChartWidget, qtbot: QtBot) -> None:
    chart.upsert_order(order("a", Side.BUY, "49.50"))
    handle = chart.order_lines.lines["a"].handle
    with qtbot.waitSignal(chart.cancelOrderRequested, timeout=1000) as blocker:
        point = chart.graphics.mapFromScene(handle.sceneBoundingRect().center())
        qtbot.mouseMove(chart.graphics.viewport(), point)
        qtbot.mouseClick(chart.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == ["a"]
    assert chart.order_lines.texts() == ["BUY 3 @ 49.50"]  # gone only when cancelled


def test_the_price_axis_takes_in_a_line_near_the_candles_but_not_a_far_one(
    chart: ChartWidget,
) -> None:
    chart.flush()
    _, (_, top) = chart.price_plot.vb.viewRange()
    assert top < 51.5  # the candles reach 51
    chart.upsert_order(order("near", Side.SELL, "52.50"))
    chart.flush()
    _, (_, top) = chart.price_plot.vb.viewRange()
    assert top > 52.5  # the working sell is on screen
    chart.upsert_order(order("far", Side.SELL, "80.00"))
    chart.set_position(D("47.50"), D(3), D("7.50"))  # the average cost, just below
    chart.flush()
    _, (bottom, top) = chart.price_plot.vb.viewRange()
    assert 52.5 < top < 60 and bottom < 47.5
