"""A backtest's log lines carry the replayed bars' times, and the wall clock again afterwards."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from app.backtest.cli import load_backtest_bars
from app.backtest.engine import run_backtest
from app.config import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample" / "tqqq_5m.csv"


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_log_records_are_stamped_with_the_simulated_clock() -> None:
    bars = load_backtest_bars(SAMPLE, "TQQQ")
    keep = Keep()
    root = logging.getLogger()
    level = root.level
    root.addHandler(keep)
    root.setLevel(logging.INFO)
    try:
        result = asyncio.run(run_backtest(bars, Settings()))
        logging.getLogger("sherwood.test").info("after the run")
    finally:
        root.removeHandler(keep)
        root.setLevel(level)
    first, last = bars[0].start.timestamp(), bars[-1].start.timestamp() + 300
    during = [r for r in keep.records if r.name == "sherwood.flow"]
    assert len(during) >= len(result.fills)
    assert all(first <= r.created <= last for r in during)
    fills = [r for r in during if r.getMessage().startswith("fill ")]
    assert [round(r.created) for r in fills] == [round(f.time.timestamp()) for f in result.fills]
    assert abs(keep.records[-1].created - time.time()) < 60  # the wall clock again
