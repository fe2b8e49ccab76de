"""Small named values kept in one database's state table (the trading state, day marks, the
simulated market's origin).

A store is handed the database it reads and writes, so each account's values stay in
that account's file: nothing here goes through a process-wide table binding.
"""

from __future__ import annotations

from datetime import datetime

from peewee import Database

from app.storage.tables import StateRow


class StateStore:
    """Text values by key in ``db``'s state table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def load(self, key: str) -> str | None:
        """The value saved under ``key``, or None."""
        row = StateRow.select(StateRow.value).where(StateRow.key == key).first(self.db)
        return None if row is None else str(row.value)

    def save(self, key: str, value: str, now: datetime) -> None:
        """Save ``value`` under ``key`` (replacing any earlier one), stamped ``now``."""
        StateRow.replace(key=key, value=value, updated_at=now).execute(self.db)
