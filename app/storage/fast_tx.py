"""A cheap write transaction on the raw sqlite3 connection, for hot paths (one fill's rows).

``with fast_atomic(db) as conn:`` runs the block's ``conn.execute(...)`` calls
in one transaction: BEGIN and COMMIT go straight to the sqlite3 connection
(a fraction of what Peewee's ``db.atomic()`` costs), ROLLBACK when the block
raises. While it is open Peewee sees a transaction on its stack, so a nested
``db.atomic()`` becomes a savepoint inside it, and ``after_commit`` callbacks
run on COMMIT as with Peewee's own transactions. When a transaction is open
already (Peewee's or the connection's), the block runs in ``db.atomic()`` (a
savepoint) instead.

Inside the block ``conn.execute`` raises sqlite3's own errors (catch
``sqlite3.IntegrityError`` there); a sqlite3 error that leaves the block is
re-raised as Peewee's (``peewee.IntegrityError``, ...), exactly as
``db.execute_sql`` would have raised it, after the rollback.
"""

from __future__ import annotations

import sqlite3
from types import TracebackType
from typing import Any

from peewee import EXCEPTIONS, ExceptionWrapper  # type: ignore[attr-defined]

_TRANSLATE = ExceptionWrapper(EXCEPTIONS)


class fast_atomic:
    """One transaction (or a savepoint when one is open) around a block of raw statements."""

    __slots__ = ("_conn", "_db", "_nested")

    def __init__(self, db: Any) -> None:  # a peewee SqliteDatabase
        self._db = db
        self._nested: Any = None

    def __enter__(self) -> sqlite3.Connection:
        db = self._db
        conn: sqlite3.Connection = db.connection()
        self._conn = conn
        if db._state.transactions or conn.in_transaction:
            nested = db.atomic()
            nested.__enter__()
            self._nested = nested
            return conn
        with _TRANSLATE:
            conn.execute("BEGIN")
        db.push_transaction(self)
        return conn

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        nested = self._nested
        if nested is not None:
            with _TRANSLATE:
                nested.__exit__(exc_type, exc, tb)
            if exc_type is not None:
                _TRANSLATE.__exit__(exc_type, exc, tb)
            return
        db = self._db
        db.pop_transaction()
        conn = self._conn
        if exc_type is None:
            try:
                conn.execute("COMMIT")
            except BaseException as failure:
                _rollback(db, conn)
                _TRANSLATE.__exit__(type(failure), failure, failure.__traceback__)
                raise
            if db._state.commit_callbacks:
                db._run_commit_callbacks()
            return
        _rollback(db, conn)
        _TRANSLATE.__exit__(exc_type, exc, tb)  # a sqlite3 error leaves as Peewee's


def _rollback(db: Any, conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    db._clear_commit_callbacks()
