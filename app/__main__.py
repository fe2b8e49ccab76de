"""The ``sherwood`` command: parse flags, resolve settings, run the window or the headless bot.

Settings precedence: defaults < saved in the database < environment <
command-line flags; the mode is ``--mode``, ``MODE`` in the environment, or the
one saved by the window's Mode menu (:mod:`app.storage.mode_choice`). The window
is refused with a clear message (exit code 2) when the UI package is missing, and
``--replay``/``--screenshot``/``--speed`` in live mode. ``--backtest FILE.csv``
runs the bot over a bar file and prints a summary (see :mod:`app.backtest.cli`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app import _start_signals, paths  # noqa: F401 - _start_signals first: acts on import
from app.cli import SUBCOMMANDS, exits, run_subcommand
from app.config import Mode, Settings, StrategyName
from app.core.errors import SettingsError
from app.startup import one_line_errors
from app.storage import instance_lock
from app.storage.db import DatabaseInUse, database_path
from app.storage.mode_choice import settings_for

EXIT_USAGE = exits.USAGE
SCRATCH_DATABASE = "sim.sqlite3"  # the account of runs faster than real time, fresh each run


def positive_seconds(text: str) -> float:
    """``--run-for``: a finite number of seconds above 0 (not -3, not nan)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text!r}")
    return value


def build_parser(prog: str = "sherwood", description: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description
        or "Trading terminal and RSI/MACD bot for Robinhood (paper trading by default).",
    )
    parser.add_argument("--headless", action="store_true", help="run the bot without a window")
    parser.add_argument(
        "--backtest", metavar="FILE.csv",
        help="run the bot over the bars of a replay CSV file, print a summary and exit",
    )  # fmt: skip
    parser.add_argument(
        "--replay", metavar="FILE.csv",
        help="play a CSV of bars as the market in the terminal, at --speed (scratch account)",
    )  # fmt: skip
    parser.add_argument(
        "--report", metavar="DIR",
        help="with --backtest: write trades.csv, equity.csv, metrics.json and equity.png to DIR",
    )  # fmt: skip
    parser.add_argument("--mode", choices=[m.value for m in Mode], help="paper (default) or live")
    parser.add_argument(
        "--strategy", choices=[s.value for s in StrategyName], help="strategy the bot runs"
    )
    parser.add_argument("--symbol", help="symbol the bot trades (default TQQQ)")
    parser.add_argument("--speed", type=float, help="simulated clock speed (x real time)")
    parser.add_argument(
        "--run-for", type=positive_seconds, metavar="SECONDS", help="stop after SECONDS"
    )
    parser.add_argument("--seed", type=int, help="seed of the simulated market")
    parser.add_argument("--data-dir", metavar="DIR", help="folder for the database and logs")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING, ERROR")
    parser.add_argument("--screenshot", metavar="PATH", help="save a window screenshot and exit")
    parser.add_argument(
        "--api", action="store_true", help="serve the HTTP API on 127.0.0.1 (port: API_PORT)"
    )
    return parser


def cli_settings(args: argparse.Namespace) -> dict[str, str]:
    """The flags that are settings, as ``{ENV_NAME: text}``."""
    pairs = {
        "MODE": args.mode,
        "STRATEGY": args.strategy,
        "SYMBOL": args.symbol,
        "SIM_SPEED": args.speed,
        "SIM_SEED": args.seed,
        "LOG_LEVEL": args.log_level,
        "API_ENABLED": "true" if getattr(args, "api", False) else None,
    }
    return {name: str(value) for name, value in pairs.items() if value is not None}


def load_settings(args: argparse.Namespace) -> Settings:
    """Resolve settings; the saved layer comes from the mode's database if it exists (the
    mode: ``--mode``, ``MODE`` in the environment, else the saved choice; see
    :mod:`app.storage.mode_choice`)."""
    return settings_for(paths.data_dir(args.data_dir), os.environ, cli_settings(args))


def asked_for_mode(args: argparse.Namespace) -> bool:
    """Whether this start names its mode (``--mode`` or ``MODE=``), not only remembers it."""
    return args.mode is not None or any(k.upper() == "MODE" for k in os.environ)


def is_demo_run(args: argparse.Namespace, settings: Settings) -> bool:
    """A run whose clock is faster than real time (``--speed`` above 1, ``--screenshot``),
    or whose market is a file (``--replay``).

    Its orders would be stamped hours ahead of real time and spend the day trades of
    the real paper account in minutes, so it trades a scratch account of its own.
    """
    return bool(args.screenshot or getattr(args, "replay", None)) or settings.sim_speed > 1


def remove_database_files(database: Path) -> None:
    """Empty a scratch database and delete its companions (WAL, shared memory).

    The database file is emptied, not deleted: this process holds its instance lock on it
    (SQLite treats an empty file as a new database).
    """
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    if database.exists():
        os.truncate(database, 0)


@one_line_errors
def main(
    argv: Sequence[str] | None = None, *, prog: str = "sherwood", description: str | None = None
) -> int:
    """``prog`` and ``description`` name another entry point in ``--help`` (the legacy bots)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in SUBCOMMANDS:
        return run_subcommand(arguments[0], arguments[1:])
    args = build_parser(prog, description).parse_args(arguments)
    try:
        settings = load_settings(args)
        unattended = args.headless or args.backtest or is_demo_run(args, settings)
        if settings.mode is Mode.LIVE and unattended and not asked_for_mode(args):
            # the window's remembered live mode is the window's: a bot without a window, a
            # backtest or a demo trades real money only when this start says --mode live
            args.mode = Mode.PAPER.value
            settings = load_settings(args)
    except SettingsError as exc:
        sys.stderr.write(f"sherwood: {exc}\n")
        return EXIT_USAGE
    if settings.mode is Mode.LIVE and not args.backtest and is_demo_run(args, settings):
        sys.stderr.write(
            "sherwood: --replay, --screenshot and --speed run a simulated market on a scratch "
            "account; they are not for live mode (use --mode paper)\n"
        )
        return EXIT_USAGE
    if args.backtest:
        from app.backtest.cli import run_backtest_cli

        return run_backtest_cli(args, settings)
    if not (args.headless or args.screenshot):
        from app.ui.display import display_problem

        problem = display_problem(os.environ)
        if problem is not None:  # before Qt, which would abort with a core dump
            sys.stderr.write(f"sherwood: {problem}\n")
            return EXIT_USAGE
    folder = paths.data_dir(args.data_dir)
    demo = is_demo_run(args, settings)
    database = folder / SCRATCH_DATABASE if demo else database_path(folder, settings.mode.value)
    try:  # one instance per database: held by this process until it exits
        instance_lock.acquire(database)
    except DatabaseInUse as exc:
        sys.stderr.write(f"sherwood: {exc}\n")
        if not (args.headless or args.screenshot):
            show_startup_error("Sherwood is already running", str(exc))
        return EXIT_USAGE
    if demo:
        remove_database_files(database)  # a demo run starts from a fresh scratch account
    if args.headless:
        from app.headless import run_headless

        return run_headless(args, settings, database=database)
    try:
        from app.ui.run import run_gui
    except ImportError as exc:
        sys.stderr.write(f"sherwood: the window is not available ({exc}); run with --headless\n")
        return EXIT_USAGE
    return int(run_gui(args, settings, database=database, cli=cli_settings(args)))


def show_startup_error(title: str, text: str) -> None:
    """A modal message box before the window exists (nothing else runs yet)."""
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox
    except ImportError:
        return
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QMessageBox.critical(None, title, text)
    del app


if __name__ == "__main__":
    sys.exit(main())
