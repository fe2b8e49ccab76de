"""Chart rendering: New York time axis, no gaps over weekends, large data sets, colours."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from app.ui.chart.series import BarSeries, Upsert
from app.ui.chart.widget import ChartWidget


@pytest.fixture
def chart(qtbot: QtBot) -> ChartWidget:
    widget = ChartWidget()
    qtbot.addWidget(widget)
    widget.resize(1280, 720)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def walk(n: int, t0: float = 1_764_599_400.0, step: float = 60.0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    t = t0 + step * np.arange(n)
    c = 100 + np.cumsum(rng.normal(0, 0.1, n))
    o = np.r_[c[0], c[:-1]]
    h = np.maximum(o, c) + 0.05
    low = np.minimum(o, c) - 0.05
    return t, o, h, low, c, rng.integers(100, 1000, n).astype(float)


def epoch(year: int, month: int, day: int, hour: int, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


def flat(t: np.ndarray) -> tuple[np.ndarray, ...]:
    """Columns of constant-price bars at times ``t``."""
    n = len(t)
    return t, np.full(n, 10.0), np.full(n, 10.0), np.full(n, 10.0), np.full(n, 10.0), np.ones(n)


def test_axis_labels_are_new_york_times(chart: ChartWidget) -> None:
    winter = epoch(2026, 12, 1, 14, 30)  # 09:30 EST
    summer = epoch(2026, 7, 1, 13, 30)  # 09:30 EDT
    t = np.array([summer, summer + 60, winter, winter + 60])
    chart.set_arrays("AAPL", "1m", *flat(t))
    axis = chart.axes[2]
    assert "09:30" in axis.label_for(0, None)
    assert "09:30" in axis.label_for(2, None)
    assert axis.tickStrings([2.0, 3.0], 1.0, 1.0) == ["Dec 01 09:30", "09:31"]


def test_a_weekend_takes_no_room_on_the_x_axis(chart: ChartWidget) -> None:
    friday_close = epoch(2026, 11, 27, 20, 59)  # Fri 15:59 New York
    monday_open = epoch(2026, 11, 30, 14, 30)  # Mon 09:30 New York
    t = np.array([friday_close - 60, friday_close, monday_open, monday_open + 60])
    chart.set_arrays("AAPL", "1m", *flat(t))
    assert chart.series.index_at_time(friday_close) == 1
    assert chart.series.index_at_time(monday_open) == 2  # the next index, no gap
    labels = chart.axes[2].tickStrings([1.0, 2.0, 3.0], 1.0, 1.0)
    assert labels[0].endswith("15:59")
    assert labels[1] in ("Mon 30", "Nov 30") and labels[2] == "09:31"


def test_daily_bars_are_labelled_with_dates(chart: ChartWidget) -> None:
    t = np.array([epoch(2026, 12, 30, 5), epoch(2026, 12, 31, 5), epoch(2027, 1, 4, 5)])
    chart.set_arrays("AAPL", "1d", *flat(t))
    assert chart.axes[2].tickStrings([0.0, 1.0, 2.0], 1.0, 1.0) == [
        "2026-12-30",
        "31",
        "2027-01-04",
    ]


def _colour_pixels(image: QImage, color: str) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    ptr = image.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint32, count=image.width() * image.height())
    return int((arr & 0xFFFFFF == QColor(color).rgb() & 0xFFFFFF).sum())


def test_grab_with_100k_candles_draws_the_visible_window(chart: ChartWidget) -> None:
    chart.set_arrays("AAPL", "1m", *walk(100_000))
    pixmap = chart.grab()
    assert not pixmap.isNull()
    assert (pixmap.width(), pixmap.height()) == (1280, 720)
    image = pixmap.toImage()
    assert _colour_pixels(image, chart.colors.up) > 200
    assert _colour_pixels(image, chart.colors.down) > 200
    assert _colour_pixels(image, chart.colors.background) > 100_000
    span = chart.candles._pic_span
    assert span[1] - span[0] < 1000  # only the visible bars (+ overscan) were drawn


def test_zoomed_out_uses_level_of_detail(chart: ChartWidget) -> None:
    chart.set_arrays("AAPL", "1m", *walk(100_000))
    chart.show_last(100_000)
    chart.flush()
    assert chart.visible_range() == (0, 99_999)
    assert chart.at_right_edge()
    image = chart.grab().toImage()
    lod, size = chart.candles._pic_key
    assert lod and size >= 64  # one bin per pixel column, not 100k candles
    assert _colour_pixels(image, chart.colors.up) + _colour_pixels(image, chart.colors.down) > 500


def test_series_updates_in_place_appends_and_grows() -> None:
    s = BarSeries(capacity=16)
    s.set([0.0], [1.0], [2.0], [0.5], [1.5], [10.0])
    assert s.upsert(0.0, 1.0, 3.0, 0.5, 2.5, 20.0) is Upsert.UPDATED
    assert len(s) == 1 and s.c[-1] == 2.5 and s.h[-1] == 3.0
    for k in range(1, 100):
        assert s.upsert(60.0 * k, 1.0, 2.0, 0.5, 1.0, 1.0) is Upsert.APPENDED
    assert len(s) == 100 and s.t[-1] == 60.0 * 99 and s.c[0] == 2.5
    assert s.upsert(-60.0, 1.0, 2.0, 0.5, 1.0, 1.0) is Upsert.IGNORED
    assert len(s) == 100
