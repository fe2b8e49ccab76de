"""Fixtures shared by the whole suite: a simulated clock, a bus, a real SQLite file, settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.storage.db import open_database
from app.storage.tables import ALL_TABLES

# Fixtures shared by the gateway, API and UI tests: the fake Robinhood and an in-memory keyring.
pytest_plugins = ["gateway_support"]


# Tuesday 2026-11-24 10:00 New York (15:00 UTC): a regular session.
MARKET_OPEN_TUESDAY = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(MARKET_OPEN_TUESDAY)


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "paper.sqlite3"


@pytest.fixture
def db(db_path: Path) -> Iterator[object]:
    """The test's database; its tables are bound to it while the test runs, so a test may
    read and write rows directly (the app hands each store its database instead)."""
    database = open_database(db_path)
    with database.bind_ctx(ALL_TABLES):
        yield database
    database.close()
