"""``sherwood optimize FILE.csv --param name=start:stop:step ...``: rank parameter combinations.

Every combination (or ``--samples N`` drawn at random) is backtested on the
file's bars by the same engine as ``sherwood --backtest``, on a process pool
over every core (``--workers N``) or on Ray (``--ray local`` or ``--ray
ADDRESS``; ``pip install -e ".[cluster]"``). A progress bar runs on stderr;
the ranked table goes to stdout, ``optimize.csv`` (one row per combination:
its parameters and metrics, kept current as rows finish) and ``heatmap.png``
(the ranking metric over two parameters, ``--heatmap X,Y``, default the first
two) to ``--out DIR`` (default: the current folder). ``--walk-forward K``
tunes and judges on consecutive stretches and shows both figures. Ctrl+C
stops the workers and keeps (and ranks) the rows already finished.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from app.backtest.cli import load_backtest_bars
from app.backtest.metrics import RANKABLE
from app.backtest.optimize.engines import engine_for
from app.backtest.optimize.grid import GridError, combinations, parse_param
from app.backtest.optimize.results import ComboRow, Results, RowLog, table
from app.backtest.optimize.session import Optimization
from app.cli import exits
from app.config import StrategyName, resolve_settings
from app.core.errors import DataFormatError, SettingsError
from app.logging_setup import setup_logging

BAR_WIDTH = 30


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sherwood optimize",
        description="Backtest every combination of parameter ranges and rank them.",
    )
    parser.add_argument("file", metavar="FILE.csv", help="bars to test on (replay CSV format)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=START:STOP:STEP",
        help="a setting and its values (start:stop:step, both ends included, or a,b,c); repeat",
    )  # fmt: skip
    parser.add_argument("--strategy", choices=[s.value for s in StrategyName])
    parser.add_argument("--symbol", help="symbol the bars are for (default: the setting)")
    parser.add_argument("--metric", default="sharpe", choices=list(RANKABLE),
                        help="what ranks the combinations (default sharpe)")  # fmt: skip
    parser.add_argument("--walk-forward", type=int, default=0, metavar="K",
                        help="K folds: tune on one stretch, judge on the next")  # fmt: skip
    parser.add_argument("--workers", type=int, help="processes (default: every core)")
    parser.add_argument("--samples", type=int, help="run N random combinations, not all")
    parser.add_argument("--seed", type=int, default=0, help="seed of --samples (default 0)")
    parser.add_argument("--ray", metavar="ADDRESS", help="run on Ray: 'local' or a cluster address")
    parser.add_argument("--out", default=".", metavar="DIR", help="where the files go")
    parser.add_argument("--heatmap", metavar="X,Y", help="the heatmap's two parameters")
    parser.add_argument("--top", type=int, default=20, help="rows in the printed table")
    parser.add_argument("--data-dir", metavar="DIR", help="unused: an optimizer touches no data")
    return parser


class ProgressBar:
    """``[#####.....] 12/40 jobs  3 combos/s  eta 9 s`` on one rewritten stderr line."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.live = self.stream.isatty()
        self.last_percent = -1

    def __call__(self, done: int, total: int, row: ComboRow | None) -> None:
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else 0.0
        filled = int(BAR_WIDTH * done / total) if total else BAR_WIDTH
        text = (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} runs  "
                f"{rate:.1f} runs/s  eta {eta:.0f} s")  # fmt: skip
        percent = 100 * done // total if total else 100
        write = self.stream.write
        if self.live:
            write("\r" + text + ("\n" if done == total else ""))
        elif percent // 10 != self.last_percent // 10 or done == total:
            write(text + "\n")  # a log or a pipe: one line every 10 %
        self.last_percent = percent
        self.stream.flush()


def _heatmap_axes(names: list[str], choice: str | None) -> tuple[str, str] | None:
    if choice:
        x, _, y = choice.partition(",")
        x, y = x.strip().lower(), y.strip().lower()
        if x not in names or y not in names or x == y:
            raise GridError(f"--heatmap {choice}: name two different --param settings")
        return x, y
    return (names[0], names[1]) if len(names) >= 2 else None


def main(argv: Sequence[str]) -> int:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl+C: KeyboardInterrupt
    args = build_parser().parse_args(list(argv))
    setup_logging(None, "ERROR")
    cli = {"STRATEGY": args.strategy, "SYMBOL": args.symbol}
    try:
        base = resolve_settings(None, os.environ, {k: v for k, v in cli.items() if v})
        ranges = [parse_param(spec) for spec in args.param]
        if not ranges:
            raise GridError("give at least one --param name=start:stop:step")
        combos = combinations(ranges, args.samples, args.seed)
        names = [r.name for r in ranges]
        axes = _heatmap_axes(names, args.heatmap)
        bars = load_backtest_bars(args.file, base.symbol)
        if args.walk_forward < 0 or (args.workers is not None and args.workers < 1):
            raise GridError("--walk-forward and --workers must be positive")
        run = Optimization(bars, base, combos, args.metric, args.walk_forward)
    except (GridError, SettingsError, DataFormatError, ValueError) as exc:
        sys.stderr.write(f"sherwood optimize: {exc}\n")
        return exits.USAGE
    engine = engine_for(args.ray, args.workers, start_method="fork")  # nothing else runs here
    out = Path(args.out)
    results = run.results
    log = RowLog(out / "optimize.csv", results.columns())
    where = f"Ray ({args.ray})" if args.ray else f"{getattr(engine, 'workers', 1)} processes"
    sys.stderr.write(
        f"sherwood optimize: {base.strategy.value} on {base.symbol}, {len(combos)} combinations x "
        f"{len(run.stretches)} stretch(es) of {'/'.join(map(str, run.bars_per_job))} bars "
        f"on {where}\n"
    )
    bar = ProgressBar(len(run.jobs))

    def progress(done: int, total: int, row: ComboRow | None) -> None:
        if row is not None:
            log.append(results.flat(row))
        bar(done, total, row)

    interrupted = False
    stop = threading.Event()
    try:
        run.run(engine, progress, stop)
    except KeyboardInterrupt:
        interrupted = True
        sys.stderr.write("\ninterrupted: keeping the finished rows\n")
    except RuntimeError as exc:  # the Ray engine without ray installed
        sys.stderr.write(f"sherwood optimize: {exc}\n")
        return exits.USAGE
    return _finish(results, names, args, log, axes, out, interrupted)


def _finish(
    results: Results, names: list[str], args: argparse.Namespace, log: RowLog,
    axes: tuple[str, str] | None, out: Path, interrupted: bool,
) -> int:  # fmt: skip
    ranked = results.ranked()
    csv_path = log.final(ranked)
    lines = [
        f"ranked by {args.metric}"
        + (f" in-sample over {args.walk_forward} walk-forward folds" if results.folds else "")
        + f": {len(ranked)} of {len(results.rows)} combinations finished"
    ]
    lines += table(ranked, names, args.metric, results.folds, args.top)
    if results.folds:
        lines.append("walk-forward: the best in-sample combination of each fold, out of sample")
        for fold in results.walk_forward_folds():
            lines.append(
                f"  fold {fold['fold']}: {fold['best']}: {args.metric} in-sample "
                f"{_figure(fold['in'])}, out-of-sample {_figure(fold['out'])}"
            )
    lines.append(f"wrote {csv_path}")
    if axes is not None and ranked:
        from app.backtest.charts import heatmap_png

        xs, ys, cells = results.heatmap(*axes)
        picture = heatmap_png(
            cells, [float(x) for x in xs], [float(y) for y in ys], out / "heatmap.png",
            x_name=axes[0], y_name=axes[1],
            metric=(f"in-sample {args.metric}" if results.folds else args.metric),
        )  # fmt: skip
        lines.append(f"wrote {picture}")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    return exits.OK if not interrupted else 130


def _figure(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)
