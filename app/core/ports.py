"""Narrow read-only views services take of each other (so tests can pass real small objects)."""

from __future__ import annotations

from typing import Protocol

from app.core.models import Account, Position, Quote


class QuoteSource(Protocol):
    def latest_quote(self, symbol: str) -> Quote | None:
        """The latest quote (``stale`` set when older than the limit), or None."""
        ...


class PositionSource(Protocol):
    def get_position(self, symbol: str) -> Position | None:
        """The open position in ``symbol`` or None when flat."""
        ...

    def open_positions(self) -> list[Position]: ...


class AccountSource(Protocol):
    def current_account(self) -> Account | None:
        """The latest account balances known (refreshed from the broker)."""
        ...
