"""One optimizer job: one combination backtested on one stretch of bars, in a worker.

A worker (a pool process or a Ray actor) is given the stretches and the base
settings once (:class:`Worker`); each job then names a combination and a
stretch and gets back that run's metrics row (or the reason it could not
run). Every job is a full :func:`~app.backtest.engine.run_backtest`: the same
engine, services and rules as ``sherwood --backtest``.

Walk-forward (``parts > 1``): the bars are cut into ``parts`` consecutive
stretches of (nearly) equal length; fold ``k`` tunes on stretch ``k - 1``
(in-sample) and is judged on stretch ``k`` (out-of-sample).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.backtest.engine import run_backtest
from app.backtest.optimize.grid import Combination, apply
from app.backtest.result import BacktestResult
from app.config import Settings
from app.core.models import Bar


@dataclass(frozen=True, slots=True)
class Job:
    index: int  # the combination's place in the grid
    part: int  # which stretch of bars (0 without walk-forward)
    combination: Combination


@dataclass(frozen=True, slots=True)
class JobResult:
    job: Job
    row: dict[str, Any]  # Metrics.as_row(), empty when the run failed
    error: str = ""


def split(bars: Sequence[Bar], parts: int) -> list[list[Bar]]:
    """``parts`` consecutive stretches of ``bars``, lengths differing by at most one."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    if len(bars) < 2 * parts:
        raise ValueError(f"{len(bars)} bars cannot be cut into {parts} stretches")
    size, extra = divmod(len(bars), parts)
    out: list[list[Bar]] = []
    start = 0
    for k in range(parts):
        stop = start + size + (1 if k < extra else 0)
        out.append(list(bars[start:stop]))
        start = stop
    return out


def full_run(bars: Sequence[Bar], settings: Settings) -> BacktestResult:
    """One whole backtest and its result (the terminal runs it in a child process: a
    backtest builds a whole app, which must not share a process with the running one)."""
    logging.getLogger().setLevel(logging.ERROR)
    return asyncio.run(run_backtest(bars, settings))


class Worker:
    """Holds the stretches, the base settings and one event loop; runs jobs one after
    another on that loop (``asyncio.run`` per job would build a loop for each, and on a
    process's main thread set and restore a Ctrl+C handler each time: ~10 % of a job)."""

    def __init__(self, stretches: Sequence[Sequence[Bar]], base: Settings) -> None:
        self.stretches = stretches
        self.base = base
        self.loop = asyncio.new_event_loop()
        logging.getLogger().setLevel(logging.ERROR)  # a worker prints rows, not log lines

    def run(self, job: Job) -> JobResult:
        try:
            settings = apply(self.base, job.combination)
            result = self.loop.run_until_complete(run_backtest(self.stretches[job.part], settings))
        except Exception as exc:  # the row says why; the other jobs go on
            return JobResult(job, {}, f"{type(exc).__name__}: {exc}")
        assert result.metrics is not None
        return JobResult(job, result.metrics.as_row())
