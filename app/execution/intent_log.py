"""The order intent log: the write-ahead record of an order, made before the broker sees it.

Each new order is appended as one JSON line (its journal row's values) to
``<database file>-intents`` with a single ``os.write`` on a file opened with
``O_APPEND``. The write is in the operating system's page cache when it
returns, so it survives a crash of the app exactly as a SQLite commit does
with ``synchronous=NORMAL`` in WAL mode (neither survives a power cut without
an fsync). It costs a few microseconds where the SQLite INSERT into the
indexed order table costs 60-250; the SQLite row follows right after the
broker's acknowledgement (see :class:`~app.execution.orders.OrderStore`).

On start the journal replays the log into SQLite (rows it does not have are
inserted as they were written: NEW) and empties it; reconciliation then asks
the broker about those orders by client id. While the app runs, the log is
emptied whenever every order in it has its SQLite row and it has grown past
:data:`COMPACT_BYTES`. A torn last line (a crash in the middle of a write) is
skipped with a warning: its order never reached the broker.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

COMPACT_BYTES = 64 * 1024
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def intent_log_path(database_file: str) -> Path | None:
    """Where the intent log of a database file lives; None for an in-memory database."""
    if database_file in ("", ":memory:") or database_file.startswith("file::memory:"):
        return None
    return Path(f"{database_file}-intents")


class IntentLog:
    """Append-only JSON lines; ``path=None`` keeps nothing (a scratch in-memory database)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None
        self.size = 0
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.size = os.fstat(self._fd).st_size

    @property
    def durable(self) -> bool:
        return self._fd is not None

    def append(self, values: Sequence[Any]) -> None:
        """Write one record; it is in the OS page cache when this returns."""
        if self._fd is None:
            return
        data = (_encode(list(values)) + "\n").encode()
        written = os.write(self._fd, data)
        if written != len(data):  # a short write on a regular file means the disk is full
            raise OSError(f"intent log {self.path}: wrote {written} of {len(data)} bytes")
        self.size += written

    def records(self) -> list[list[Any]]:
        """Every complete record in the file, oldest first."""
        if self.path is None or not self.path.exists():
            return []
        records: list[list[Any]] = []
        lines = self.path.read_bytes().split(b"\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                log.warning("intent log %s: line %d is torn; skipped", self.path, number)
                continue
            if isinstance(record, list):
                records.append(record)
            else:
                log.warning("intent log %s: line %d is not a record; skipped", self.path, number)
        return records

    def clear(self) -> None:
        """Empty the log (every record in it is in SQLite)."""
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        self.size = 0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
