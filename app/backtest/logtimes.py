"""Log lines of a backtest carry the simulated time of the bar being replayed, not the wall clock.

A backtest replays days in a second: a log line stamped with the wall clock
says nothing about when in the replayed market it happened. While a backtest
runs, :func:`stamp_logs_with` puts a filter on the root logger's handlers
that sets each record's time to the simulated clock's (the formatters then
print it as usual).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime


class ClockTimes(logging.Filter):
    """Sets ``record.created`` (and ``msecs``) from ``now()``; lets every record through."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.now = now

    def filter(self, record: logging.LogRecord) -> bool:
        stamp = self.now().timestamp()
        record.created = stamp
        record.msecs = (stamp - int(stamp)) * 1000
        return True


def stamp_logs_with(now: Callable[[], datetime]) -> Callable[[], None]:
    """Stamp records with ``now()`` until the returned function is called."""
    stamp = ClockTimes(now)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(stamp)

    def restore() -> None:
        for handler in handlers:
            handler.removeFilter(stamp)

    return restore
