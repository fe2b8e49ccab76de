"""Peewee field types that keep Sherwood's invariants: Decimal as exact text, UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from peewee import TextField


class DecimalText(TextField):
    """A Decimal stored as its exact text (SQLite's NUMERIC would turn it into a float)."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        return str(value)

    def python_value(self, value: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


class UtcDateTime(TextField):
    """An aware datetime stored as ISO-8601 UTC text; naive values are refused."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"only timezone-aware datetimes are stored, got {value!r}")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def python_value(self, value: Any) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)
