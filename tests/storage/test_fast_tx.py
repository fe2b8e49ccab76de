"""fast_atomic: raw BEGIN/COMMIT around hot-path writes, with Peewee's transaction semantics."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime

import peewee
import pytest

from app.storage.db import open_database
from app.storage.fast_tx import fast_atomic
from app.storage.tables import StateRow

NOW = "2026-11-24T15:00:00+00:00"
_INSERT = "INSERT INTO state_row (key, value, updated_at) VALUES (?, ?, ?)"


def keys() -> list[str]:
    return sorted(row.key for row in StateRow.select())


def test_the_block_is_committed_and_survives_a_reopen(tmp_path) -> None:
    path = tmp_path / "paper.sqlite3"
    db = open_database(path, background_checkpoint=False)
    with fast_atomic(db) as conn:
        conn.execute(_INSERT, ("a", "1", NOW))
        conn.execute(_INSERT, ("b", "2", NOW))
    assert not db.in_transaction() and not db.connection().in_transaction
    db.close()
    db = open_database(path, background_checkpoint=False)
    try:
        assert keys() == ["a", "b"]
    finally:
        db.close()


def test_an_error_rolls_back_every_statement_and_leaves_as_peewees(db) -> None:
    StateRow.create(key="a", value="0", updated_at=datetime.now(UTC))
    with pytest.raises(peewee.IntegrityError), fast_atomic(db) as conn:
        conn.execute(_INSERT, ("b", "1", NOW))
        conn.execute(_INSERT, ("a", "1", NOW))  # duplicate key
    assert keys() == ["a"]
    with pytest.raises(RuntimeError), fast_atomic(db) as conn:
        conn.execute(_INSERT, ("c", "1", NOW))
        raise RuntimeError("boom")
    assert keys() == ["a"]
    assert not db.in_transaction() and not db.connection().in_transaction


def test_a_caught_integrity_error_keeps_the_rest_of_the_block(db) -> None:
    StateRow.create(key="a", value="0", updated_at=datetime.now(UTC))
    with fast_atomic(db) as conn:
        with contextlib.suppress(sqlite3.IntegrityError):
            conn.execute(_INSERT, ("a", "1", NOW))
        conn.execute(_INSERT, ("b", "1", NOW))
    assert keys() == ["a", "b"]


def test_nested_peewee_atomic_is_a_savepoint_of_the_fast_transaction(db) -> None:
    with pytest.raises(RuntimeError), fast_atomic(db) as conn:
        conn.execute(_INSERT, ("a", "1", NOW))
        with db.atomic():  # a savepoint: no "transaction within a transaction"
            StateRow.create(key="b", value="1", updated_at=datetime.now(UTC))
        assert db.in_transaction()
        raise RuntimeError("the outer block fails")
    assert keys() == []  # the savepoint's row went with the outer rollback


def test_inside_a_peewee_transaction_it_is_a_savepoint(db) -> None:
    with db.atomic() as outer:
        with pytest.raises(peewee.IntegrityError), fast_atomic(db) as conn:
            conn.execute(_INSERT, ("a", "1", NOW))
            conn.execute(_INSERT, ("a", "2", NOW))
        with fast_atomic(db) as conn:
            conn.execute(_INSERT, ("b", "1", NOW))
        assert keys() == ["b"]
        outer.rollback()
    assert keys() == []


def test_after_commit_callbacks_run_on_commit_only(db) -> None:
    ran: list[str] = []
    with fast_atomic(db):
        db.after_commit(lambda: ran.append("committed"))
    with pytest.raises(RuntimeError), fast_atomic(db):
        db.after_commit(lambda: ran.append("rolled back"))
        raise RuntimeError("boom")
    with fast_atomic(db):
        pass
    assert ran == ["committed"]
