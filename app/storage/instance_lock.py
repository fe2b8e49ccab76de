"""One Sherwood per database file: an exclusive OS lock on the database file itself.

Two app instances on the same paper or live database would run two brokers
over one account state and sell one position twice. The first instance takes
an exclusive, non-blocking ``flock`` on the database file itself (created
empty if it does not exist yet: SQLite treats an empty file as a new database)
and holds it until its database is closed or the process ends; the operating
system drops it when the process dies, so a crash never leaves a stale lock,
and there is no lock file a user could delete to let a second instance in.
On Linux and macOS ``flock`` locks are independent of the POSIX record locks
SQLite takes on the same file. On Windows, where locks are mandatory and would
stop SQLite reading the file, the lock is taken on ``<database>.lock``, which
Windows does not let anyone delete while it is open.

Inside one process the lock is re-entrant (counted), so a process may open its
own database more than once. Readers that only look (loading saved settings)
do not take it. The descriptor is closed only when the last hold goes, after
the database's connections are closed: closing any descriptor of a file drops
the POSIX locks the process holds on it, SQLite's included.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class DatabaseInUse(RuntimeError):
    """Another running Sherwood holds this database."""


_held: dict[str, tuple[int, int]] = {}  # locked file -> (fd, how many opens in this process)


def lock_path(database_file: Path | str) -> Path:
    """The file the lock is taken on: the database itself (``.lock`` beside it on Windows)."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return Path(f"{database_file}.lock")
    return Path(database_file)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def acquire(database_file: Path | str) -> None:
    """Hold the database's instance lock; DatabaseInUse if another process holds it."""
    key = str(lock_path(database_file).resolve())
    held = _held.get(key)
    if held is not None:
        _held[key] = (held[0], held[1] + 1)
        return
    fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o600)
    if not _try_lock(fd):
        os.close(fd)
        raise DatabaseInUse(
            f"another Sherwood is already running on {database_file}; close it first, "
            "or start this one with another --data-dir"
        )
    _held[key] = (fd, 1)


def is_held(database_file: Path | str) -> bool:
    """True while this process holds the database's lock."""
    return str(lock_path(database_file).resolve()) in _held


def release(database_file: Path | str) -> None:
    """Give back one hold; the lock goes when the last one in this process does."""
    key = str(lock_path(database_file).resolve())
    held = _held.get(key)
    if held is None:
        return
    fd, count = held
    if count > 1:
        _held[key] = (fd, count - 1)
        return
    del _held[key]
    os.close(fd)  # closing the descriptor drops the lock
