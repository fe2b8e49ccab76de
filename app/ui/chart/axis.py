"""Bottom axis mapping bar index to New York time labels.

The x coordinate is the bar index, so nights, weekends and holidays take no
room. Labels adapt to the zoom: ``HH:MM`` within a day, the date (``Mon 24``)
where the day changes between ticks, month names for daily bars.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray

from app.calendar import NEW_YORK

TimesFn = Callable[[], NDArray[np.float64]]


def new_york(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, NEW_YORK)


class TimeAxis(pg.AxisItem):
    """An AxisItem whose tick values are bar indices into ``times()`` (epoch seconds)."""

    def __init__(self, times: TimesFn, orientation: str = "bottom", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self._times = times
        self.daily = False  # set for 1d bars: labels are dates, never times

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        # Whole bar indices only; keep pyqtgraph's spacing choice.
        levels = super().tickValues(minVal, maxVal, size)
        out = []
        for spacing, values in levels:
            if spacing < 1:
                continue
            out.append((spacing, [v for v in values if float(v).is_integer()]))
        return out or [(1.0, [float(v) for v in range(int(np.ceil(minVal)), int(maxVal) + 1)])]

    def label_for(self, index: int, previous: datetime | None) -> str:
        """The label of bar ``index``, given the time at the previous tick."""
        t = self._times()
        if not 0 <= index < len(t):
            return ""
        when = new_york(float(t[index]))
        if self.daily:
            if previous is None or previous.year != when.year:
                return when.strftime("%Y-%m-%d")
            if previous.month != when.month:
                return when.strftime("%b %d")
            return when.strftime("%d")
        if previous is None:
            return when.strftime("%b %d %H:%M")
        if previous.date() != when.date():
            days_apart = (when.date() - previous.date()).days
            return when.strftime("%a %d" if days_apart < 3 else "%b %d")
        return when.strftime("%H:%M")

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        t = self._times()
        labels: list[str] = []
        previous: datetime | None = None
        for value in values:
            index = round(value)
            labels.append(self.label_for(index, previous))
            if 0 <= index < len(t):
                previous = new_york(float(t[index]))
        return labels
