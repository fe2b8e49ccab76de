"""Saved settings: the database layer of the settings precedence."""

from __future__ import annotations

from collections.abc import Mapping

from peewee import Database

from app.config import CREDENTIAL_NAMES
from app.storage.tables import SettingRow


def load_saved_settings(db: Database) -> dict[str, str]:
    """``{ENV_NAME: text}`` saved in ``db``."""
    return {row.name: row.value for row in SettingRow.select().execute(db)}


def save_settings(db: Database, values: Mapping[str, str]) -> None:
    """Save ``{ENV_NAME: text}`` in ``db``; credentials are refused, never written."""
    bad = CREDENTIAL_NAMES.intersection(k.upper() for k in values)
    if bad:
        raise ValueError(f"credentials are never saved as settings: {', '.join(sorted(bad))}")
    with db.atomic():
        for name, value in values.items():
            SettingRow.replace(name=name.upper(), value=value).execute(db)
