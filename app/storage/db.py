"""Opening the database: one SQLite file per mode, WAL, migrations, table binding.

``open_database(path)`` creates or upgrades the schema and binds every table
to the returned connection; one database is open per process at a time (paper
and live never share a file), and one process per database file (see
:mod:`app.storage.instance_lock`). Nothing is opened at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from peewee import SqliteDatabase

from app.storage import instance_lock
from app.storage.checkpoint import BackgroundCheckpointer
from app.storage.instance_lock import DatabaseInUse

__all__ = ["DatabaseInUse", "SherwoodDatabase", "database_path", "migrate", "open_database"]
from app.storage.tables import ALL_TABLES, SchemaVersion

log = logging.getLogger(__name__)

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",  # durable across app crashes; WAL keeps it consistent
    "foreign_keys": 1,
    "busy_timeout": 5000,
}


def _v1_create_all(db: SqliteDatabase) -> None:
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
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
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
            SchemaVersion.delete().execute()
            SchemaVersion.create(version=target)
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
    path: Path | str, *, background_checkpoint: bool = True, exclusive: bool = True
) -> SherwoodDatabase:
    """Open (creating if needed) the SQLite file, bind the tables and migrate.

    With ``background_checkpoint`` (the default for files), WAL checkpoints run
    in a background thread instead of inside whichever commit crosses the
    threshold (see :mod:`app.storage.checkpoint`). ``exclusive`` (the default
    for files) holds the instance lock until the database is closed: a second
    running Sherwood on the same file gets :class:`DatabaseInUse`; pass False
    to only read (saved settings).
    """
    in_memory = str(path) == ":memory:"
    if not in_memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    locked = exclusive and not in_memory
    if locked:
        instance_lock.acquire(path)
    try:
        db = _open(path, background_checkpoint and not in_memory)
    except BaseException:
        if locked:
            instance_lock.release(path)
        raise
    if locked:
        db.locked_file = str(path)
    return db


def _open(path: Path | str, background_checkpoint: bool) -> SherwoodDatabase:
    db = SherwoodDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False)
    db.bind(ALL_TABLES, bind_refs=False, bind_backrefs=False)
    db.connect(reuse_if_open=True)
    migrate(db)
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
