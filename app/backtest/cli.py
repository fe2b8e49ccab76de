"""``sherwood --backtest FILE.csv``: load a replay CSV file, run the backtest, print a summary.

The file is in the replay feed's format (:mod:`app.marketdata.feeds.replay`); its bar
interval is read from the spacing of its timestamps (the smallest gap between
two bars: 1m, 5m, 15m, 1h or 1d). The symbol is ``--symbol`` (default: the
configured one), the strategy ``--strategy``; the risk, day-trade and paper
account rules are the resolved settings. ``--report DIR`` also writes the
run's trades, equity curve, metrics and picture there (:mod:`app.backtest.report`).
Exit code 0 after a run, 2 when the file is missing or bad.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
from pathlib import Path

from app.backtest.engine import run_backtest
from app.config import Settings
from app.core.errors import DataFormatError
from app.core.models import Bar, Interval
from app.logging_setup import setup_logging
from app.marketdata.feeds.replay import load_bars_csv

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _interval_of(bars: list[Bar], path: str) -> Interval:
    """The interval whose length is the smallest gap between two consecutive bars."""
    gaps = [(b.start - a.start).total_seconds() for a, b in itertools.pairwise(bars)]
    if not gaps:
        raise DataFormatError(path, 2, "a backtest needs at least two bars")
    gap = min(gaps)
    for interval in Interval:
        if interval.seconds == gap:
            return interval
    names = ", ".join(i.value for i in Interval)
    raise DataFormatError(path, 2, f"bars {gap:g} s apart match no bar interval ({names})")


def load_backtest_bars(path: str | Path, symbol: str) -> list[Bar]:
    """The file's bars at their own interval; DataFormatError naming the problem."""
    name = str(path)
    if not Path(path).is_file():
        raise DataFormatError(name, 0, "no such file")
    minute_bars = load_bars_csv(path, symbol, Interval.M1)  # every start is on a minute
    interval = _interval_of(minute_bars, name)
    if interval is Interval.M1:
        return minute_bars
    return load_bars_csv(path, symbol, interval)  # checks alignment to the interval


def run_backtest_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``args.backtest`` with ``settings``; writes the summary to stdout."""
    setup_logging(None, getattr(args, "log_level", None) or "ERROR")
    try:
        bars = load_backtest_bars(args.backtest, settings.symbol)
    except DataFormatError as exc:
        sys.stderr.write(f"sherwood: cannot backtest: {exc}\n")
        return EXIT_BAD_INPUT
    try:
        result = asyncio.run(run_backtest(bars, settings))
    except ValueError as exc:
        sys.stderr.write(f"sherwood: cannot backtest {args.backtest}: {exc}\n")
        return EXIT_BAD_INPUT
    lines = list(result.summary)
    report = getattr(args, "report", None)
    if report:
        from app.backtest.report import write_report

        written = write_report(result, report)
        lines.append(f"report: {Path(report)} ({', '.join(p.name for p in written)})")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    return EXIT_OK
