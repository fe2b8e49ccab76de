"""Start-up failures as one line: what is wrong and what to do, exit 2, detail in the log.

A newcomer who points ``--data-dir`` at a file, starts on a damaged database or
a full disk, or presses Ctrl+C while Sherwood starts should read one sentence,
not a traceback. :func:`one_line_errors` wraps the ``sherwood`` entry point:
the errors in :data:`START_ERRORS` (and a SIGINT or SIGTERM in the first
:data:`START_SECONDS`) end the process with exit code 2 and a single line on
stderr, while the full traceback goes to ``<data dir>/logs/sherwood.log`` when
that folder can be written.
"""

from __future__ import annotations

import argparse
import errno
import functools
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar, cast

from peewee import OperationalError

from app import paths
from app.cli import SUBCOMMANDS, exits
from app.core.errors import SherwoodError
from app.logging_setup import setup_logging
from app.paths import DataFolderError
from app.storage.db import DatabaseDamaged
from app.storage.health import DISK_FULL, StorageFull

log = logging.getLogger("sherwood.start")

START_SECONDS = 3.0  # a signal this soon after start ends the start with one line


class StartInterrupted(SherwoodError):
    """SIGINT or SIGTERM arrived while Sherwood was starting."""


START_ERRORS: tuple[type[BaseException], ...] = (
    DataFolderError, DatabaseDamaged, StorageFull, StartInterrupted, OperationalError,
    sqlite3.OperationalError, OSError,
)  # fmt: skip

_FULL = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}


def message(exc: BaseException) -> str:
    """The one line for a start-up failure."""
    if isinstance(exc, DataFolderError | DatabaseDamaged | StorageFull | StartInterrupted):
        return str(exc)
    text = str(exc)
    if "full" in text.lower() or getattr(exc, "errno", None) in _FULL:
        return f"{DISK_FULL} ({text}); free some space and start again"
    if getattr(exc, "errno", None) in _READ_ONLY or "readonly" in text or "read-only" in text:
        return f"the data folder cannot be written ({text}); choose another with --data-dir"
    return f"Sherwood could not start: {text}; the log file has the details"


def _log_detail(argv: list[str], exc: BaseException) -> None:
    """The traceback to the data folder's log file, if that folder can be written."""
    try:
        if not logging.getLogger().handlers:
            parser = argparse.ArgumentParser(add_help=False)
            parser.add_argument("--data-dir")
            known, _ = parser.parse_known_args(argv)
            setup_logging(paths.data_dir(known.data_dir), console=False)
        record = log.makeRecord(
            log.name, logging.ERROR, __file__, 0, "start refused: %s", (message(exc),),
            (type(exc), exc, exc.__traceback__),
        )  # fmt: skip
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.FileHandler):  # stderr has the line already
                handler.handle(record)
    except Exception:  # the data folder itself is the problem: stderr has the line
        pass


def _interrupt(started: float) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if time.monotonic() - started < START_SECONDS:
            raise StartInterrupted(f"stopped by {name} while starting; nothing was changed")
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        signal.signal(signum, signal.SIG_DFL)  # later: the default (end the process)
        signal.raise_signal(signum)

    return handler


F = TypeVar("F", bound=Callable[..., int])


def one_line_errors(main: F) -> F:
    """Wrap an entry point: start-up failures become one line on stderr and exit code 2."""

    @functools.wraps(main)
    def wrapper(argv: Any = None, *args: Any, **kwargs: Any) -> int:
        arguments = list(sys.argv[1:] if argv is None else argv)
        if arguments and arguments[0] in SUBCOMMANDS:  # a subcommand handles its own signals
            return main(argv, *args, **kwargs)
        handler = _interrupt(time.monotonic())
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, handler)
        try:
            return main(argv, *args, **kwargs)
        except START_ERRORS as exc:
            if type(exc) is OSError and exc.errno not in _FULL | _READ_ONLY:
                raise  # not a start-up problem this module knows how to explain
            line = message(exc)
            sys.stderr.write(f"sherwood: {line}\n")
            _log_detail(arguments, exc)
            return exits.USAGE
        finally:  # the defaults again (not the import-time handler of app._start_signals)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

    return cast(F, wrapper)
