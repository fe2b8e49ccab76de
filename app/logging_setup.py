"""Logging: a rotating file log in the data directory (old files pruned) and a console handler.

The log is the user's alone (0600 in a 0700 folder). An error that repeats (a
full disk fails every write the same way) is written once, then at most once a
minute with the count of the repeats in between, so a failing loop cannot fill
the disk with its own messages. A log that cannot be written (no space left)
is skipped silently instead of printing a traceback per message.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path

LOG_NAME = "sherwood.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5
MAX_AGE_DAYS = 30
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

REPEAT_SECONDS = 60.0  # a repeated warning or error is written at most once per this

_handlers: list[logging.Handler] = []


class RepeatFilter(logging.Filter):
    """Lets a warning or error through once per :data:`REPEAT_SECONDS` for the same logger,
    message and exception type; the next one that passes says how many were left out."""

    def __init__(self, every: float = REPEAT_SECONDS) -> None:
        super().__init__()
        self.every = every
        self._seen: dict[tuple[str, str, str], tuple[float, int]] = {}  # -> (last written, skipped)

    def filter(self, record: logging.LogRecord) -> bool:
        decided = getattr(record, "repeat_decision", None)
        if decided is not None:  # the same record at the next handler
            return bool(decided)
        decision = self._decide(record)
        setattr(record, "repeat_decision", decision)  # noqa: B010 - LogRecord takes extras
        return decision

    def _decide(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key = (record.name, str(record.msg), kind)
        now = time.monotonic()
        last, skipped = self._seen.get(key, (-self.every, 0))
        if now - last < self.every:
            self._seen[key] = (last, skipped + 1)
            return False
        if len(self._seen) > 1000:  # many different messages: forget the old ones
            self._seen.clear()
        self._seen[key] = (now, 0)
        if skipped:
            record.msg = f"{record.msg} [repeated {skipped} more times in the last minute]"
        return True


def prune_logs(log_dir: Path, max_age_days: int = MAX_AGE_DAYS, keep: int = BACKUPS) -> int:
    """Delete rotated logs beyond ``keep`` or older than ``max_age_days``; returns the count."""
    rotated = sorted(
        (p for p in log_dir.glob(f"{LOG_NAME}.*") if p.is_file()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    cutoff = time.time() - max_age_days * 86400
    removed = 0
    for index, path in enumerate(rotated):
        if index >= keep or path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def setup_logging(
    data_dir: Path | None, level: str = "INFO", *, console: bool = True
) -> Path | None:
    """Configure the root logger; returns the log file path (None without a data dir).

    Calling it again replaces the handlers it installed before.
    """
    root = logging.getLogger()
    for handler in _handlers:
        root.removeHandler(handler)
        handler.close()
    _handlers.clear()
    formatter = logging.Formatter(FORMAT)
    log_path: Path | None = None
    logging.raiseExceptions = False  # a full disk must not turn each message into a traceback
    if data_dir is not None:
        log_dir = Path(data_dir) / "logs"
        log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(log_dir, 0o700)
        prune_logs(log_dir)
        log_path = log_dir / LOG_NAME
        log_path.touch(mode=0o600)
        for old in log_dir.glob(f"{LOG_NAME}*"):
            os.chmod(old, 0o600)
        file_handler = logging.handlers.RotatingFileHandler(
            log_path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
        file_handler.setFormatter(formatter)
        _handlers.append(file_handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter)
        _handlers.append(stream)
    repeats = RepeatFilter()
    for handler in _handlers:
        handler.addFilter(repeats)
        root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    # peewee logs every query at DEBUG; keep it out of a DEBUG log unless asked for.
    logging.getLogger("peewee").setLevel(max(root.level, logging.INFO))
    return log_path
