"""Automatic daily backups of a database, made with SQLite's online backup.

A damaged database (a bad disk, a copy made mid-write) is refused on start; the
way back is a recent good copy. Once a day (on start, and from the app's
periodic loop) the database is copied with ``sqlite3.Connection.backup`` to
``<data dir>/backups/<name>-<YYYY-MM-DD>.sqlite3``, a consistent snapshot even
while Sherwood writes. The copy is written under a temporary name and renamed
when complete, so a crash never leaves a half backup that looks whole; the
newest :data:`KEEP` are kept. Backups are readable by their owner only.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import date
from pathlib import Path

log = logging.getLogger(__name__)

KEEP = 5  # daily backups kept per database
FOLDER = "backups"
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def backup_folder(database: Path | str) -> Path:
    return Path(database).parent / FOLDER


def _backups(database: Path | str) -> list[Path]:
    """This database's backups, oldest first (the date in the name sorts them)."""
    stem = Path(database).stem
    folder = backup_folder(database)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{stem}-????-??-??.sqlite3"))


def newest_backup(database: Path | str) -> Path | None:
    found = _backups(database)
    return found[-1] if found else None


def backup_path(database: Path | str, day: date) -> Path:
    return backup_folder(database) / f"{Path(database).stem}-{day.isoformat()}.sqlite3"


def back_up(database: Path | str, day: date, keep: int = KEEP) -> Path | None:
    """Copy ``database`` to today's backup unless it exists; prune to the newest ``keep``.

    Returns the new backup's path, or None when today's exists already. Raises
    ``OSError`` or ``sqlite3.Error`` when the copy cannot be written (a full disk).
    """
    target = backup_path(database, day)
    if target.exists():
        return None
    target.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    os.chmod(target.parent, PRIVATE_FOLDER)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=PRIVATE_FILE)
    os.chmod(partial, PRIVATE_FILE)
    source = sqlite3.connect(database)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    os.replace(partial, target)
    for old in _backups(database)[:-keep]:
        old.unlink(missing_ok=True)
    log.info("database backed up to %s", target)
    return target


class DailyBackup:
    """Backs the database up once per day; a failure is logged once per day, never raised."""

    def __init__(self, database: Path | str, keep: int = KEEP) -> None:
        self.database = Path(database)
        self.keep = keep
        self._done_on: date | None = None
        self._failed_on: date | None = None

    def run(self, today: date) -> Path | None:
        """Back up if today's backup is not made yet; returns the new backup, if any."""
        if self._done_on == today:
            return None
        try:
            made = back_up(self.database, today, self.keep)
        except (OSError, sqlite3.Error) as exc:
            if self._failed_on != today:
                log.warning("daily backup of %s failed: %s", self.database, exc)
                self._failed_on = today
            return None
        self._done_on = today
        return made
