"""ClosedBars: the bounded, start-ordered memory of one symbol's closed bars of one interval.

Appending the next bar (the common case: live bars and replays arrive in
order) is O(1) amortised: the list is trimmed back to ``keep`` bars only once
it has grown ``slack`` bars past it, so the cost of the trim is spread over
``slack`` appends. A bar out of order replaces the bar with the same start or
is inserted in place (a binary search over the starts).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime

from app.core.models import Bar

KEEP_BARS = 5000
SLACK = 500


class ClosedBars:
    """See the module docstring."""

    __slots__ = ("_bars", "_last_start", "keep", "slack")

    def __init__(self, keep: int = KEEP_BARS, slack: int = SLACK) -> None:
        self.keep = keep
        self.slack = slack
        self._bars: list[Bar] = []
        self._last_start: datetime | None = None

    def __len__(self) -> int:
        return len(self._bars)

    def add(self, bar: Bar) -> None:
        """Remember ``bar``; a bar with the start of one already held replaces it."""
        last = self._last_start
        bars = self._bars
        if last is None or bar.start > last:
            bars.append(bar)
            self._last_start = bar.start
            if len(bars) > self.keep + self.slack:
                del bars[: len(bars) - self.keep]
            return
        i = bisect.bisect_left(bars, bar.start, key=_start)
        if i < len(bars) and bars[i].start == bar.start:
            bars[i] = bar
        else:
            bars.insert(i, bar)

    def replace(self, bars: Iterable[Bar]) -> None:
        """Hold ``bars`` (oldest first, unique starts) instead, keeping the newest ``keep``."""
        self._bars = list(bars)[-self.keep :] if self.keep > 0 else []
        self._last_start = self._bars[-1].start if self._bars else None

    def newest(self, count: int) -> list[Bar]:
        """The newest ``count`` bars, oldest first."""
        return self._bars[-count:] if count > 0 else []

    def all(self) -> list[Bar]:
        """Every bar held, oldest first (a copy)."""
        return list(self._bars)


def _start(bar: Bar) -> datetime:
    return bar.start
