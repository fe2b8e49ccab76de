"""Logging: a rotating file log in the data directory (old files pruned) and a console handler."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from pathlib import Path

LOG_NAME = "sherwood.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5
MAX_AGE_DAYS = 30
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_handlers: list[logging.Handler] = []


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
    if data_dir is not None:
        log_dir = Path(data_dir) / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        prune_logs(log_dir)
        log_path = log_dir / LOG_NAME
        file_handler = logging.handlers.RotatingFileHandler(
            log_path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
        file_handler.setFormatter(formatter)
        _handlers.append(file_handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter)
        _handlers.append(stream)
    for handler in _handlers:
        root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    # peewee logs every query at DEBUG; keep it out of a DEBUG log unless asked for.
    logging.getLogger("peewee").setLevel(max(root.level, logging.INFO))
    return log_path
