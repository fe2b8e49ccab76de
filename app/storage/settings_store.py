"""Saved settings: the database layer of the settings precedence."""

from __future__ import annotations

from collections.abc import Mapping

from app.config import CREDENTIAL_NAMES
from app.storage.tables import SettingRow


def load_saved_settings() -> dict[str, str]:
    return {row.name: row.value for row in SettingRow.select()}


def save_settings(values: Mapping[str, str]) -> None:
    """Save ``{ENV_NAME: text}``; credentials are refused, never written."""
    bad = CREDENTIAL_NAMES.intersection(k.upper() for k in values)
    if bad:
        raise ValueError(f"credentials are never saved as settings: {', '.join(sorted(bad))}")
    db = SettingRow._meta.database
    with db.atomic():
        for name, value in values.items():
            SettingRow.insert(name=name.upper(), value=value).on_conflict_replace().execute()
