"""Opening the database: one SQLite file per mode, WAL, migrations, table binding.

``open_database(path)`` creates or upgrades the schema and binds every table
to the returned connection; one database is open per process at a time (paper
and live never share a file), and one process per database file (see
:mod:`app.storage.instance_lock`). Nothing is opened at import time.

A file is checked before it is used (``PRAGMA quick_check``): a damaged one is
refused with :class:`DatabaseDamaged`, whose message points to the automatic
backups (:mod:`app.storage.backup`). The database and its WAL and shared-memory
files are readable by their owner only (0600).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from peewee import DatabaseError, OperationalError, SqliteDatabase

from app.storage import instance_lock
from app.storage.checkpoint import BackgroundCheckpointer
from app.storage.instance_lock import DatabaseInUse

__all__ = [
    "DatabaseDamaged",
    "DatabaseInUse",
    "SherwoodDatabase",
    "database_path",
    "migrate",
    "open_database",
]
from app.storage.tables import ALL_TABLES, SchemaVersion

log = logging.getLogger(__name__)

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",  # see open_database's ``power_safe``
    "foreign_keys": 1,
    "busy_timeout": 5000,
}


PRIVATE_FILE = 0o600  # the database, its WAL and shared memory: the owner's only
COMPANIONS = ("", "-wal", "-shm")


class DatabaseDamaged(RuntimeError):
    """The database file fails SQLite's check: Sherwood refuses to trade on it."""


def _v1_create_all(db: SqliteDatabase) -> None:
    # peewee creates each table through its model's database: bound to ``db`` for this only
    with db.bind_ctx(ALL_TABLES, bind_refs=False, bind_backrefs=False):
        db.create_tables(ALL_TABLES)


# Append-only: each entry upgrades the schema from version i to i + 1.
MIGRATIONS: list[Callable[[SqliteDatabase], None]] = [_v1_create_all]
SCHEMA_VERSION = len(MIGRATIONS)


def database_path(data_dir: Path, mode: str) -> Path:
    """``<data_dir>/<mode>.sqlite3``: paper and live never share a file."""
    if mode not in ("paper", "live"):
        raise ValueError(f"mode must be paper or live, got {mode!r}")
    return data_dir / f"{mode}.sqlite3"


def current_version(db: SqliteDatabase) -> int:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first(db)
    return int(row.version) if row else 0


def migrate(db: SqliteDatabase) -> int:
    """Apply the migrations the database has not seen; returns the new version."""
    version = current_version(db)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"the database is at schema {version}, newer than this Sherwood ({SCHEMA_VERSION}); "
            "update Sherwood"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            MIGRATIONS[target - 1](db)
            SchemaVersion.delete().execute(db)
            SchemaVersion.insert(version=target).execute(db)
        log.info("database schema upgraded to version %d", target)
    return SCHEMA_VERSION


class SherwoodDatabase(SqliteDatabase):
    """The app's SQLite connection; closing it also stops the background checkpointer and
    gives back the instance lock."""

    checkpointer: BackgroundCheckpointer | None = None
    locked_file: str | None = None

    def close(self) -> bool:
        result = bool(super().close())
        if self.checkpointer is not None:
            self.checkpointer.stop()
            self.checkpointer = None
        if self.locked_file is not None:
            instance_lock.release(self.locked_file)
            self.locked_file = None
        return result


def open_database(
    path: Path | str,
    *,
    background_checkpoint: bool = True,
    exclusive: bool = True,
    power_safe: bool = True,
) -> SherwoodDatabase:
    """Open (creating if needed) the SQLite file and migrate it.

    The tables are not bound to the returned database: each store is handed it and runs
    its queries on it, so two open databases (paper and live) never mix.

    With ``background_checkpoint`` (the default for files), WAL checkpoints run
    in a background thread instead of inside whichever commit crosses the
    threshold (see :mod:`app.storage.checkpoint`). ``exclusive`` (the default
    for files) holds the instance lock until the database is closed: a second
    running Sherwood on the same file gets :class:`DatabaseInUse`; pass False
    to only read (saved settings).

    ``power_safe`` (the default): a commit returns once it is on the disk
    (``synchronous=FULL``: the WAL is synced at each commit), so a committed
    row survives an app crash and a power cut. The live database needs it: its
    order row is committed before Robinhood gets the order, and Robinhood keeps
    the order whatever happens here. Without it (``NORMAL``, ~0.1 ms less per
    commit) a commit survives an app crash, and a power cut may undo the last
    commits, all together: fine for the paper database, whose broker, orders,
    fills and balances live in this same file and are undone as one.
    """
    in_memory = str(path) == ":memory:"
    if not in_memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    locked = exclusive and not in_memory
    if locked:
        instance_lock.acquire(path)
    try:
        pragmas = PRAGMAS if power_safe else {**PRAGMAS, "synchronous": "normal"}
        db = _open(path, background_checkpoint and not in_memory, pragmas)
    except BaseException:
        if locked:
            instance_lock.release(path)
        raise
    if locked:
        db.locked_file = str(path)
    return db


def keep_private(path: Path | str) -> None:
    """Make the database file and its WAL and shared-memory files 0600 (those that exist).

    SQLite creates the WAL and shared-memory files with the database's permissions.
    """
    for suffix in COMPANIONS:
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            with contextlib.suppress(PermissionError):  # another user's file stays as it is
                os.chmod(companion, PRIVATE_FILE)


def damaged_message(path: Path | str, problem: str) -> str:
    """One line: what is wrong, that Sherwood will not use the file, and where the backups are."""
    from app.storage.backup import backup_folder, newest_backup

    newest = newest_backup(path)
    where = (
        f"the newest automatic backup is {newest}"
        if newest is not None
        else f"automatic backups are kept in {backup_folder(path)} (none yet)"
    )
    return (
        f"the database {path} is damaged ({problem}); Sherwood will not trade on it. "
        f"Close Sherwood and copy a backup over it: {where}"
    )


def check_integrity(db: SqliteDatabase, path: Path | str) -> None:
    """``PRAGMA quick_check``; :class:`DatabaseDamaged` naming the first problem."""
    try:
        rows = db.execute_sql("PRAGMA quick_check").fetchall()
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        if isinstance(exc, OperationalError | sqlite3.OperationalError):
            raise  # locked, full, unreadable: not damage
        raise DatabaseDamaged(damaged_message(path, str(exc))) from exc
    if [tuple(row) for row in rows] != [("ok",)]:
        raise DatabaseDamaged(damaged_message(path, str(rows[0][0])))


def _open(
    path: Path | str, background_checkpoint: bool, pragmas: dict[str, object]
) -> SherwoodDatabase:
    db = SherwoodDatabase(str(path), pragmas=pragmas, check_same_thread=False)
    in_memory = str(path) == ":memory:"
    if not in_memory:
        Path(path).touch(mode=PRIVATE_FILE)
        keep_private(path)
    try:
        db.connect(reuse_if_open=True)
        if not in_memory:
            check_integrity(db, path)
        migrate(db)
    except (DatabaseError, sqlite3.DatabaseError) as exc:  # "file is not a database"
        db.close()
        if isinstance(exc, OperationalError | sqlite3.OperationalError):
            raise  # locked, full, unreadable: not damage
        raise DatabaseDamaged(damaged_message(path, str(exc))) from exc
    except BaseException:
        db.close()
        raise
    if background_checkpoint:
        checkpointer = BackgroundCheckpointer(str(path))
        try:
            checkpointer.start()
        except RuntimeError as exc:
            log.warning("background checkpoints unavailable (%s); SQLite checkpoints inline", exc)
        else:
            db.execute_sql("PRAGMA wal_autocheckpoint=0")
            db.checkpointer = checkpointer
    return db
