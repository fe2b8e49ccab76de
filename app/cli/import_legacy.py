"""``sherwood import-legacy FILE``: bring the original bots' ``transactions.json`` into Sherwood.

The records become filled orders in the order journal and the paper account's
orders, fills, position and cash (see :mod:`app.legacy.importer`), so the
window shows them from its next start and the position can be sold. The file
is checked first; a bad or inconsistent one is refused in one line naming the
record, and nothing is written (a database the import created is removed
again). The import needs the paper account to itself: while Sherwood runs on
that data folder it is refused, with the advice to quit Sherwood first.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app import paths
from app.cli import exits
from app.config import resolve_settings
from app.core.clock import LiveClock
from app.core.errors import SettingsError
from app.legacy.importer import (
    LegacyLogError,
    PaperAccountSetup,
    import_legacy_log,
    read_legacy_log,
)
from app.storage import instance_lock
from app.storage.db import DatabaseInUse, database_path, open_database
from app.storage.settings_store import load_saved_settings

log = logging.getLogger("sherwood.import")


def build_parser(prog: str = "sherwood import-legacy") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Import the original bots' transactions.json into Sherwood's paper account: "
            "positions, cash, P&L and day trades include it from the next start. "
            "Quit Sherwood before importing."
        ),
    )
    parser.add_argument("file", type=Path, help="the old bots' transactions.json")
    parser.add_argument(
        "--data-dir", metavar="DIR",
        help="Sherwood's data folder (default: the user data folder Sherwood uses)",
    )  # fmt: skip
    parser.add_argument(
        "--timezone", default="America/New_York", metavar="ZONE",
        help="where the old bot ran: its timestamps have no time zone (default %(default)s)",
    )  # fmt: skip
    return parser


def _fail(message: str) -> int:
    sys.stderr.write(f"sherwood import-legacy: {message}\n")
    return exits.USAGE


def main(argv: Sequence[str], prog: str = "sherwood import-legacy") -> int:
    args = build_parser(prog).parse_args(list(argv))
    try:
        read_legacy_log(args.file, args.timezone)  # checked before anything is touched
    except LegacyLogError as exc:
        return _fail(f"{exc}; nothing was imported")
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    folder = paths.data_dir(args.data_dir)
    database = database_path(folder, "paper")
    created = not database.exists()
    lock_existed = instance_lock.lock_path(database).exists()
    try:
        instance_lock.acquire(database)
    except DatabaseInUse:
        return _fail(
            f"Sherwood is running on {folder}; quit it (File > Quit, Ctrl+Q), "
            "then run the import again"
        )
    try:
        return _import(args, database, folder)
    finally:
        instance_lock.release(database)
        if created and not _has_data(database):
            _remove(database, lock_existed)


def _import(args: argparse.Namespace, database: Path, folder: Path) -> int:
    db = open_database(database)
    try:
        try:
            settings = resolve_settings(load_saved_settings(db), os.environ, {})
        except SettingsError as exc:
            return _fail(str(exc))
        setup = PaperAccountSetup(settings.paper_starting_cash, settings.account_type)
        try:
            report = import_legacy_log(args.file, db, setup, LiveClock().now(), args.timezone)
        except LegacyLogError as exc:
            return _fail(str(exc))
    finally:
        db.close()
    sys.stdout.write(
        f"read {report.read} records from {args.file}: imported {report.imported}, "
        f"already present {report.skipped_existing}, into the paper account in {folder}; "
        "Sherwood shows them from its next start\n"
    )
    return exits.OK


def _has_data(database: Path) -> bool:
    """Whether the import left rows behind (a failed import on a new file leaves none)."""
    import sqlite3

    if not database.exists():
        return False
    with sqlite3.connect(database) as conn:
        try:
            return bool(conn.execute("SELECT count(*) FROM fill_row").fetchone()[0])
        except sqlite3.Error:
            return False


def _remove(database: Path, keep_lock: bool) -> None:
    """Delete the database a failed import created (and its companions)."""
    for suffix in ("", "-wal", "-shm", "-intents"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    if not keep_lock:
        instance_lock.lock_path(database).unlink(missing_ok=True)
