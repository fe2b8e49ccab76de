"""The status bar's New York clock keeps up with a fast simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QApplication

from app.core.clock import SimulatedClock
from app.ui.status_bar import StatusBar, refresh_interval_ms

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in New York


def test_the_clock_label_refreshes_once_a_simulated_second_at_most_ten_times_a_second() -> None:
    assert refresh_interval_ms(None) == 1000  # a live clock
    assert refresh_interval_ms(1.0) == 1000
    assert refresh_interval_ms(4.0) == 250
    assert refresh_interval_ms(1800.0) == 100


def test_at_1800x_the_label_trails_the_clock_by_minutes_not_half_an_hour(
    qapp: QApplication,
) -> None:
    clock = SimulatedClock(START, speed=1800.0)
    bar = StatusBar(clock, around_the_clock=lambda: False, mode="paper")
    assert bar.timer.interval() == 100
    clock_now = clock.now
    frozen = START + timedelta(minutes=7, seconds=30)
    clock.now = lambda: frozen  # type: ignore[method-assign]
    bar.timer.timeout.emit()
    assert bar.ny_clock.text() == "New York Tue 10:07:30"
    clock.now = clock_now  # type: ignore[method-assign]
    bar.deleteLater()
