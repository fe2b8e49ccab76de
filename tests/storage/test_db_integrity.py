"""A damaged database is refused with a message that points to the automatic backups; the
database, its WAL, shared memory and backups are readable by their owner only."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest

from app.storage.backup import DailyBackup, back_up, backup_folder, newest_backup
from app.storage.db import DatabaseDamaged, open_database
from app.storage.tables import SettingRow


def filled_database(path: Path, rows: int = 400) -> None:
    db = open_database(path, background_checkpoint=False)
    with db.atomic():
        for i in range(rows):
            SettingRow.insert(name=f"NAME_{i:04d}", value="x" * 200).execute(db)
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def damage_a_table_page(path: Path) -> None:
    """Overwrite 512 bytes in the middle of a page that holds the table's rows."""
    with sqlite3.connect(path) as probe:
        page_size = probe.execute("PRAGMA page_size").fetchone()[0]
        root = probe.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (SettingRow._meta.table_name,)
        ).fetchone()[0]
    probe.close()
    with open(path, "r+b") as raw:
        raw.seek((root - 1) * page_size)  # the page header and its cell pointers
        raw.write(bytes(range(256)) * 2)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_damaged_database_is_refused_and_the_message_names_the_backup(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite3"
    filled_database(path)
    made = back_up(path, date(2026, 12, 3))
    assert made is not None and made.exists()
    damage_a_table_page(path)
    with pytest.raises(DatabaseDamaged) as caught:
        open_database(path)
    message = str(caught.value)
    assert "damaged" in message and str(made) in message
    assert "\n" not in message
    # the backup itself is whole and opens
    restored = tmp_path / "restored" / "paper.sqlite3"
    restored.parent.mkdir()
    restored.write_bytes(made.read_bytes())
    db = open_database(restored)
    assert SettingRow.select().count(db) == 400
    db.close()


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite3"
    path.write_bytes(b"this is not a database " * 400)
    with pytest.raises(DatabaseDamaged, match="none yet"):
        open_database(path)


def test_daily_backups_keep_the_newest_five(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite3"
    filled_database(path, rows=10)
    backups = DailyBackup(path)
    for day in range(1, 9):
        backups.run(date(2026, 11, day))
        assert backups.run(date(2026, 11, day)) is None  # once a day
    kept = sorted(p.name for p in backup_folder(path).iterdir())
    assert kept == [f"paper-2026-11-0{d}.sqlite3" for d in range(4, 9)]
    assert newest_backup(path) == backup_folder(path) / "paper-2026-11-08.sqlite3"


def test_database_files_and_backups_are_private(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite3"
    old_umask = os.umask(0o022)  # a typical desktop umask: files would be 0644
    try:
        db = open_database(path)
        SettingRow.insert(name="A", value="1").execute(db)
        made = back_up(path, date(2026, 12, 4))
        for companion in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert mode(companion) == 0o600, companion
        db.close()
    finally:
        os.umask(old_umask)
    assert made is not None and mode(made) == 0o600
    assert mode(made.parent) == 0o700
