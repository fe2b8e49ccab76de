"""Extended hours on the chart: bars outside the NYSE regular session are shaded."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from app.calendar import NEW_YORK
from app.ui.chart.colors import blend
from app.ui.chart.widget import ChartWidget


@pytest.fixture
def chart(qtbot: QtBot) -> ChartWidget:
    widget = ChartWidget()
    qtbot.addWidget(widget)
    widget.resize(1280, 720)
    widget.show()
    return widget


def minutes(day: tuple[int, int, int], start: str, end: str) -> np.ndarray:
    """Epoch starts of the 1m bars from ``start`` to ``end`` (New York, end excluded)."""
    h0, m0 = (int(x) for x in start.split(":"))
    h1, m1 = (int(x) for x in end.split(":"))
    first = datetime(*day, h0, m0, tzinfo=NEW_YORK).timestamp()
    last = datetime(*day, h1, m1, tzinfo=NEW_YORK).timestamp()
    return np.arange(first, last, 60.0)


def load(chart: ChartWidget, t: np.ndarray, interval: str = "1m") -> None:
    price = 50 + np.sin(np.arange(len(t)) / 20.0)
    chart.set_arrays(
        "TQQQ", interval, t, price, price + 0.05, price - 0.05, price, np.full(len(t), 100.0)
    )
    chart.price_plot.vb.setXRange(-0.5, len(t) - 0.5, padding=0.0)  # everything in view


def index_of(t: np.ndarray, day: tuple[int, int, int], hhmm: str) -> int:
    h, m = (int(x) for x in hhmm.split(":"))
    return int(np.searchsorted(t, datetime(*day, h, m, tzinfo=NEW_YORK).timestamp()))


def test_pre_market_and_after_hours_are_shaded_regular_hours_are_not(chart: ChartWidget) -> None:
    tuesday = (2026, 11, 24)
    t = minutes(tuesday, "07:00", "20:00")
    load(chart, t)
    assert chart.extended_hours.shaded_runs() == [
        (0, index_of(t, tuesday, "09:30")),  # pre-market 07:00-09:30
        (index_of(t, tuesday, "16:00"), len(t)),  # after-hours 16:00-20:00
    ]


def test_an_early_close_shades_from_13_00(chart: ChartWidget) -> None:
    friday = (2026, 11, 27)  # the day after Thanksgiving: the market closes at 13:00
    t = minutes(friday, "09:00", "14:00")
    load(chart, t)
    assert chart.extended_hours.shaded_runs() == [
        (0, index_of(t, friday, "09:30")),
        (index_of(t, friday, "13:00"), len(t)),
    ]


def test_a_live_bar_after_the_close_is_shaded_when_it_arrives(chart: ChartWidget) -> None:
    tuesday = (2026, 11, 24)
    t = minutes(tuesday, "15:00", "16:00")
    load(chart, t)
    assert chart.extended_hours.shaded_runs() == []
    four_pm = datetime(2026, 11, 24, 16, 0, tzinfo=NEW_YORK).timestamp()
    chart.update_values(four_pm, 50, 50.1, 49.9, 50, 10)
    chart.price_plot.vb.setXRange(-0.5, len(t) + 0.5, padding=0.0)
    assert chart.extended_hours.shaded_runs() == [(len(t), len(t) + 1)]


def _pixels(image: QImage, color: str) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.width() * image.height())
    return int((arr & 0xFFFFFF == QColor(color).rgb() & 0xFFFFFF).sum())


def test_the_shading_is_painted_and_daily_bars_have_none(chart: ChartWidget) -> None:
    tuesday = (2026, 11, 24)
    t = minutes(tuesday, "07:00", "20:00")
    load(chart, t)
    shaded = _pixels(chart.grab().toImage(), chart.colors.extended_hours)
    assert shaded > 50_000  # about half the price pane's width, its whole height

    days = np.array([datetime(2026, 11, d, tzinfo=NEW_YORK).timestamp() for d in (23, 24, 25)])
    load(chart, days, "1d")
    assert chart.extended_hours.shaded_runs() == []
    assert _pixels(chart.grab().toImage(), chart.colors.extended_hours) == 0


def test_pre_market_volume_shows_over_the_shading(chart: ChartWidget) -> None:
    tuesday = (2026, 11, 24)
    t = minutes(tuesday, "07:00", "09:30")  # every bar shaded
    load(chart, t)
    c = chart.colors
    volume_up = blend(c.up, c.volume_alpha, c.background).name()
    image = chart.grab().toImage()
    assert _pixels(image, c.extended_hours) > 10_000
    assert _pixels(image, volume_up) > 1_000
