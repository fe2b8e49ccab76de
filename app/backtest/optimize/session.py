"""One optimizer run: the bars, the grid, an engine; results gathered as jobs finish.

Used by ``sherwood optimize`` and by the terminal's Optimizer dock: both call
:meth:`Optimization.run` with a progress callback and an optional ``stop``
event, and read :attr:`Optimization.results` afterwards, also after an
interruption (the finished rows are there).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from app.backtest.optimize.engines import Engine
from app.backtest.optimize.grid import Combination
from app.backtest.optimize.results import ComboRow, Results
from app.backtest.optimize.runner import Job, split
from app.config import Settings
from app.core.models import Bar

Progress = Callable[[int, int, ComboRow | None], None]  # jobs done, jobs in all, row completed


class Optimization:
    def __init__(
        self,
        bars: Sequence[Bar],
        base: Settings,
        combinations: Sequence[Combination],
        metric: str = "sharpe",
        folds: int = 0,
    ) -> None:
        if not combinations:
            raise ValueError("no combinations to run")
        if folds < 0:
            raise ValueError("walk-forward folds must be at least 1")
        self.base = base
        self.combinations = list(combinations)
        self.stretches = split(bars, folds + 1) if folds else [list(bars)]
        self.results = Results(self.combinations, metric, folds)
        self.jobs = [
            Job(index, part, combination)
            for index, combination in enumerate(self.combinations)
            for part in range(len(self.stretches))
        ]
        self.done = 0

    @property
    def bars_per_job(self) -> list[int]:
        return [len(s) for s in self.stretches]

    def run(
        self, engine: Engine, progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> Results:  # fmt: skip
        """Run every job on ``engine``; returns early (with the finished rows) when ``stop`` is
        set. A KeyboardInterrupt propagates after the engine has stopped its workers."""
        for result in engine.run(self.stretches, self.base, self.jobs, stop):
            completed = self.results.add(result)
            self.done += 1
            if progress is not None:
                progress(self.done, len(self.jobs), completed)
        return self.results
