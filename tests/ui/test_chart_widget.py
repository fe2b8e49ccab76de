"""ChartWidget behaviour a trader sees: loading, live candles, following, panes, input, markers."""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from pytestqt.qtbot import QtBot

from app import indicators
from app.core.models import Bar, Interval
from app.ui.chart.widget import RIGHT_MARGIN, ChartWidget

# Tue 2026-12-01 09:30 New York (EST, UTC-5): 1-minute regular-hours bars from here.
FIRST = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)


def regular_minutes(n: int, start: datetime = FIRST) -> list[datetime]:
    """n bar starts, 09:30-15:59 New York on weekdays only (so weekends fall between bars)."""
    out: list[datetime] = []
    day = start
    while len(out) < n:
        if day.weekday() < 5:
            out.extend(day + timedelta(minutes=k) for k in range(390))
        day += timedelta(days=1)
    return out[:n]


def make_bars(n: int, seed: int = 3) -> list[Bar]:
    rng = np.random.default_rng(seed)
    closes = 100 + np.cumsum(rng.normal(0, 0.2, n))
    bars = []
    prev = closes[0]
    for start, close in zip(regular_minutes(n), closes, strict=True):
        o, c = Decimal(f"{prev:.2f}"), Decimal(f"{close:.2f}")
        hi = max(o, c) + Decimal(f"{rng.uniform(0, 0.1):.2f}")
        lo = min(o, c) - Decimal(f"{rng.uniform(0, 0.1):.2f}")
        bars.append(Bar("AAPL", Interval.M1, start, o, hi, lo, c, int(rng.integers(100, 9000))))
        prev = close
    return bars


@functools.cache
def history() -> list[Bar]:
    """The 500 bars the ``loaded`` fixture shows (Bars are immutable: shared is fine)."""
    return make_bars(500)


@pytest.fixture
def chart(qtbot: QtBot) -> ChartWidget:
    widget = ChartWidget()
    qtbot.addWidget(widget)
    widget.resize(1280, 720)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def loaded(chart: ChartWidget) -> ChartWidget:
    chart.set_bars("AAPL", "1m", history())
    return chart


def next_bar(bar: Bar, *, minutes: int = 0, close: str | None = None) -> Bar:
    c = Decimal(close) if close is not None else bar.close
    return Bar(
        bar.symbol,
        bar.interval,
        bar.start + timedelta(minutes=minutes),
        bar.open if minutes == 0 else c,
        max(bar.high, c) if minutes == 0 else c,
        min(bar.low, c) if minutes == 0 else c,
        c,
        bar.volume + 10,
    )


def test_set_bars_shows_the_last_bars_at_the_right_edge(loaded: ChartWidget) -> None:
    first, last = loaded.visible_range()
    assert last == 499
    assert 150 <= last - first + 1 <= 250
    assert loaded.at_right_edge()
    assert (loaded.symbol, loaded.interval) == ("AAPL", "1m")
    assert loaded.toolbar.symbol_edit.text() == "AAPL"
    assert loaded.toolbar.interval_combo.currentText() == "1m"


def test_forming_candle_updates_in_place(loaded: ChartWidget) -> None:
    bar = history()[-1]
    loaded.update_bar(next_bar(bar, close=str(bar.close + Decimal("1.50"))))
    loaded.flush()
    assert len(loaded.series) == 500
    assert loaded.series.c[-1] == pytest.approx(float(bar.close + Decimal("1.50")))
    assert loaded.series.h[-1] >= loaded.series.c[-1]
    # The streaming RSI/MACD of the live bar equal the batch values over all closes.
    closes = loaded.series.c
    assert loaded.indicators.rsi[-1] == pytest.approx(indicators.rsi(closes, 14)[-1], abs=1e-9)
    line, signal, _ = indicators.macd(closes, 12, 26, 9)
    assert loaded.indicators.macd[-1] == pytest.approx(line[-1], abs=1e-9)
    assert loaded.indicators.signal[-1] == pytest.approx(signal[-1], abs=1e-9)


def test_live_update_repaints_without_rebuilding_the_cached_bars(loaded: ChartWidget) -> None:
    loaded.grab()
    builds = loaded.candles.builds
    bar = history()[-1]
    for k in range(5):
        loaded.update_bar(next_bar(bar, close=str(bar.close + Decimal(k) / 100)))
        loaded.flush()
        loaded.grab()
    assert loaded.candles.builds == builds


def test_updates_are_coalesced_into_one_timed_repaint(loaded: ChartWidget, qtbot: QtBot) -> None:
    bar = history()[-1]
    for k in range(20):
        loaded.update_bar(next_bar(bar, close=str(bar.close + Decimal(k) / 100)))
    assert loaded._timer.isActive() and loaded._timer.interval() <= 34
    qtbot.waitUntil(lambda: not loaded._timer.isActive(), timeout=1000)
    assert loaded.series.c[-1] == pytest.approx(float(bar.close + Decimal("0.19")))


def test_a_later_bar_appends_and_the_view_follows(loaded: ChartWidget) -> None:
    bar = history()[-1]
    loaded.close_bar(bar)
    loaded.update_bar(next_bar(bar, minutes=1, close="120.00"))
    loaded.flush()
    assert len(loaded.series) == 501
    assert loaded.visible_range()[1] == 500
    assert loaded.at_right_edge()


def test_the_view_stays_put_after_the_user_pans_left(loaded: ChartWidget) -> None:
    loaded.price_plot.vb.translateBy(x=-120)  # what a mouse drag does
    loaded.flush()
    before = loaded.visible_range()
    assert not loaded.at_right_edge()
    bar = history()[-1]
    loaded.update_bar(next_bar(bar, minutes=1))
    loaded.flush()
    assert len(loaded.series) == 501
    assert loaded.visible_range() == before


def test_y_fits_the_visible_bars(loaded: ChartWidget) -> None:
    first, last = loaded.visible_range()
    lo, hi = loaded.series.l[first : last + 1].min(), loaded.series.h[first : last + 1].max()
    y0, y1 = loaded.price_plot.vb.viewRange()[1]
    assert y0 < lo and hi < y1
    assert (y1 - y0) < 3 * (hi - lo)


def test_rsi_and_macd_panes_show_the_indicator_values(loaded: ChartWidget) -> None:
    closes = loaded.series.c
    expected = indicators.rsi(closes, 14)
    shown = loaded.rsi_pane.line._values()
    np.testing.assert_allclose(shown, expected, equal_nan=True, rtol=0, atol=1e-9)
    assert math.isnan(shown[13]) and not math.isnan(shown[14])
    assert [line.value() for line in (loaded.rsi_pane.oversold, loaded.rsi_pane.overbought)] == [
        30.0,
        70.0,
    ]
    line, signal, hist = indicators.macd(closes, 12, 26, 9)
    np.testing.assert_allclose(loaded.macd_pane.macd_line._values(), line, equal_nan=True)
    np.testing.assert_allclose(loaded.macd_pane.signal_line._values(), signal, equal_nan=True)
    np.testing.assert_allclose(loaded.macd_pane.histogram._values(), hist, equal_nan=True)


def test_indicator_parameters_change_the_panes(loaded: ChartWidget) -> None:
    loaded.set_indicator_params(7, (20.0, 80.0), (5, 35, 5))
    np.testing.assert_allclose(
        loaded.indicators.rsi, indicators.rsi(loaded.series.c, 7), equal_nan=True
    )
    assert loaded.rsi_pane.oversold.value() == 20.0
    assert loaded.rsi_pane.overbought.value() == 80.0


@pytest.mark.parametrize("text", ["12$", "", "   "])
def test_invalid_symbol_shows_an_error_and_emits_nothing(
    chart: ChartWidget, qtbot: QtBot, text: str
) -> None:
    edit = chart.toolbar.symbol_edit
    edit.setText(text)
    with qtbot.assertNotEmitted(chart.symbolRequested):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert "border" in edit.styleSheet()
    assert "not a valid symbol" in edit.toolTip()


def test_valid_symbol_emits_it_upper_cased_and_clears_the_error(
    chart: ChartWidget, qtbot: QtBot
) -> None:
    edit = chart.toolbar.symbol_edit
    edit.setText("12$")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    edit.clear()
    qtbot.keyClicks(edit, "msft")
    with qtbot.waitSignal(chart.symbolRequested, timeout=1000) as blocker:
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert blocker.args == ["MSFT"]
    assert edit.styleSheet() == "" and edit.toolTip() == ""


def test_symbol_error_from_market_data_is_shown(loaded: ChartWidget) -> None:
    loaded.show_loading("5m")
    assert loaded.toolbar.loading.isVisible()
    loaded.set_symbol_error("unknown symbol ZZZZ")
    assert not loaded.toolbar.loading.isVisible()  # the load failed: no endless "Loading"
    assert loaded.toolbar.symbol_edit.toolTip() == "unknown symbol ZZZZ"
    assert "border" in loaded.toolbar.symbol_edit.styleSheet()


def test_interval_selector_emits_and_reload_does_not(chart: ChartWidget, qtbot: QtBot) -> None:
    combo = chart.toolbar.interval_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["1m", "5m", "15m", "1h", "1D"]
    with qtbot.waitSignal(chart.intervalRequested, timeout=1000) as blocker:
        combo.setCurrentText("15m")
    assert blocker.args == ["15m"]
    with qtbot.waitSignal(chart.intervalRequested, timeout=1000) as blocker:
        combo.setCurrentText("1D")
    assert blocker.args == ["1d"]  # the Interval's value
    with qtbot.assertNotEmitted(chart.intervalRequested):
        chart.set_bars("AAPL", "1h", make_bars(50))
    assert combo.currentText() == "1h"


def test_crosshair_readout_shows_the_hovered_bar(loaded: ChartWidget) -> None:
    vb = loaded.price_plot.vb
    scene_pos = vb.mapViewToScene(QPointF(450, float(loaded.series.c[450])))
    loaded.price_plot.scene().sigMouseMoved.emit(scene_pos)
    assert loaded.crosshair.index == 450
    text = loaded.toolbar.readout.text().replace("&nbsp;", " ")
    bar = history()[450]
    for value in (bar.open, bar.high, bar.low, bar.close):
        assert f"{value:,.2f}" in text
    assert "2026-12-02 10:30" in text  # bar 450 = 390 + 60: Wed 10:30 New York
    assert all(line.isVisible() for line in loaded.crosshair.vlines)
    assert loaded.crosshair.vlines[2].value() == 450


def test_fill_markers_and_average_cost_line(loaded: ChartWidget) -> None:
    bar = history()[450]
    loaded.add_fill_marker(bar.start + timedelta(seconds=20), "buy", bar.close)
    loaded.add_fill_marker(history()[480].start, "sell", history()[480].close)
    assert loaded.markers.positions() == [
        (450, "buy", float(bar.close)),
        (480, "sell", float(history()[480].close)),
    ]
    assert len(loaded.markers.scatter.data) == 2
    loaded.set_position(Decimal("101.25"), Decimal("3"), Decimal("-1.5"))
    line = loaded.position_line
    assert line.line.isVisible() and line.label.isVisible()
    assert line.line.value() == pytest.approx(101.25)
    assert line.label.toPlainText() == "AVG 101.25 · 3 sh · -$1.50"
    loaded.clear_markers()
    assert len(loaded.markers.scatter.data) == 0
    assert not line.line.isVisible() and not line.label.isVisible()


def test_markers_survive_a_reload(loaded: ChartWidget) -> None:
    loaded.add_fill_marker(history()[300].start, "buy", history()[300].close)
    loaded.set_bars("AAPL", "1m", history()[200:])
    assert loaded.markers.positions()[0][0] == 100


def test_bars_of_another_symbol_or_interval_are_ignored(loaded: ChartWidget) -> None:
    bar = history()[-1]
    other = Bar("MSFT", Interval.M1, bar.start, bar.open, bar.high, bar.low, bar.close, 1)
    loaded.update_bar(other)
    five = Bar("AAPL", Interval.M5, bar.start + timedelta(minutes=5), *_ohlc(bar), 1)
    loaded.update_bar(five)
    assert len(loaded.series) == 500 and loaded.series.v[-1] == bar.volume


def _ohlc(bar: Bar) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return bar.open, bar.high, bar.low, bar.close


def test_an_empty_history_then_a_first_live_bar(chart: ChartWidget) -> None:
    chart.set_bars("AAPL", "1m", [])
    assert chart.visible_range() == (0, -1) and chart.at_right_edge()
    chart.grab()
    bar = make_bars(1)[0]
    chart.update_bar(bar)
    chart.flush()
    assert len(chart.series) == 1 and chart.series.c[-1] == float(bar.close)
    assert not chart.grab().isNull()


def test_a_reload_with_as_many_bars_fits_y_to_the_new_prices(chart: ChartWidget) -> None:
    # Switching interval usually brings the same number of bars (the x range does not move):
    # the price axis must still follow the new bars.
    t = np.arange(300, dtype=np.float64) * 60 + 1_764_599_400
    hours = np.arange(300, dtype=np.float64) * 3600 + 1_764_599_400
    chart.set_arrays("AAPL", "1m", t, *(np.full(300, p) for p in (100, 101, 99, 100)), np.ones(300))
    chart.set_arrays(
        "AAPL", "1h", hours, *(np.full(300, p) for p in (50, 51, 49, 50)), np.ones(300)
    )
    _, (y0, y1) = chart.price_plot.vb.viewRange()
    assert y0 < 49 and 51 < y1 < 60


def test_a_narrow_chart_shows_fewer_bars_so_candles_stay_readable(
    chart: ChartWidget, qtbot: QtBot
) -> None:
    chart.resize(560, 600)
    qtbot.waitUntil(lambda: chart.price_plot.vb.width() < 560)
    chart.set_bars("AAPL", "1m", history())
    first, last = chart.visible_range()
    px_per_bar = chart.price_plot.vb.width() / (last - first + 1 + RIGHT_MARGIN)
    assert last == 499 and px_per_bar >= 4.5
    assert last - first + 1 >= 60
