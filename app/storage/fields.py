"""Peewee field types that keep Sherwood's invariants: Decimal as exact text, UTC datetimes.

``decimal_text`` and ``utc_text`` are the one definition of what these fields
store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, overload

from peewee import TextField


@overload
def decimal_text(value: None) -> None: ...
@overload
def decimal_text(value: Decimal | int | str | float) -> str: ...
def decimal_text(value: Any) -> str | None:
    """The exact text a :class:`DecimalText` column holds for ``value``."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return str(value)


@overload
def utc_text(value: None) -> None: ...
@overload
def utc_text(value: datetime) -> str: ...
def utc_text(value: datetime | None) -> str | None:
    """The ISO-8601 UTC text a :class:`UtcDateTime` column holds; naive datetimes are refused."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"only timezone-aware datetimes are stored, got {value!r}")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class DecimalText(TextField):
    """A Decimal stored as its exact text (SQLite's NUMERIC would turn it into a float)."""

    def db_value(self, value: Any) -> str | None:
        return decimal_text(value)

    def python_value(self, value: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


class UtcDateTime(TextField):
    """An aware datetime stored as ISO-8601 UTC text; naive values are refused."""

    def db_value(self, value: Any) -> str | None:
        return utc_text(value)

    def python_value(self, value: Any) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)
