"""Which mode a start uses, and the settings of that mode's database.

Each mode has its own database (``paper.sqlite3``, ``live.sqlite3``) and its own saved
settings. The mode itself is chosen before a database is open, so it is saved in one
place: the paper database (the one a start without ``--mode`` opens first). A ``MODE``
saved in the live database (by an older settings dialog) never overrides it.

Precedence stays defaults < saved < environment < command line: a ``MODE`` in the
environment or on the command line wins over the saved choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from app.config import Mode, Settings, resolve_settings
from app.storage.db import database_path, open_database
from app.storage.settings_store import load_saved_settings, save_settings

HOME_MODE = Mode.PAPER  # the database that holds the saved MODE


def saved_settings(path: Path) -> dict[str, str]:
    """``{ENV_NAME: text}`` saved in the database at ``path`` (empty when there is none).

    Opened without the instance lock (another Sherwood may run on it).
    """
    if not path.exists():
        return {}
    db = open_database(path, exclusive=False, background_checkpoint=False)
    try:
        return load_saved_settings(db)
    finally:
        db.close()


def settings_for(folder: Path, environ: Mapping[str, str], cli: Mapping[str, str]) -> Settings:
    """The settings of a start: the mode from the command line, the environment or the
    saved choice (paper by default), then that mode's saved settings under the
    environment and the command line. SettingsError names any bad value."""
    home = saved_settings(database_path(folder, HOME_MODE.value))
    choice = {"MODE": home["MODE"]} if "MODE" in home else None
    mode = resolve_settings(choice, environ, cli).mode
    saved = home if mode is HOME_MODE else saved_settings(database_path(folder, mode.value))
    return resolve_settings({**saved, "MODE": mode.value}, environ, cli)


def save_mode(folder: Path, mode: Mode) -> None:
    """Remember ``mode`` for the next window start (in the paper database, created if
    needed)."""
    db = open_database(
        database_path(folder, HOME_MODE.value), exclusive=False, background_checkpoint=False
    )
    try:
        save_settings(db, {"MODE": mode.value})
    finally:
        db.close()


__all__ = ["HOME_MODE", "save_mode", "saved_settings", "settings_for"]
