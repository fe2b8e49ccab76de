"""The order intent log: the write-ahead record of an order, made before the broker sees it.

Each new order is appended as one line of text (its request and client order
id; the journal defines the format) to ``<database file>-intents``, a
preallocated file mapped into memory: the append is a copy into the shared
mapping, so it is in the operating system's
page cache when it returns and survives a crash of the app exactly as a
SQLite commit does with ``synchronous=NORMAL`` in WAL mode (neither survives a
power cut without an fsync). It costs a few microseconds and never releases
the GIL, where the SQLite INSERT into the indexed order table costs 60-250 us
and a ``write`` system call lets another thread take the interpreter. The
order's SQLite row follows right after the broker's answer (see
:class:`~app.execution.orders.OrderStore`).

The file's unused tail is zero bytes: the records end at the first NUL. On
start the journal replays the records into SQLite (rows it does not have are
inserted as they were written: NEW) and empties the log; reconciliation then
asks the broker about those orders by client id. While the app runs, the log
is emptied whenever every order in it has its SQLite row and it holds more
than :data:`COMPACT_BYTES`; it grows (doubling) only if that many orders are
in flight at once. A torn record (a crash in the middle of a copy) fails the
journal's check and is skipped with a warning: its order never reached the
broker.
"""

from __future__ import annotations

import logging
import mmap
import os
from pathlib import Path

log = logging.getLogger(__name__)

CAPACITY = 256 * 1024  # initial file size; about 1,000 orders in flight
COMPACT_BYTES = 64 * 1024


def intent_log_path(database_file: str) -> Path | None:
    """Where the intent log of a database file lives; None for an in-memory database."""
    if database_file in ("", ":memory:") or database_file.startswith("file::memory:"):
        return None
    return Path(f"{database_file}-intents")


def _reserve(fd: int, size: int) -> None:
    """Make the file at least ``size`` bytes with its blocks allocated.

    The blocks must exist before the file is mapped: a copy into a hole of a
    sparse file on a full disk would kill the process (SIGBUS) instead of
    failing here with an OSError. Without ``posix_fallocate`` (macOS, Windows)
    or where the filesystem refuses it, the tail is written with zero bytes.
    """
    current = os.fstat(fd).st_size
    if current >= size:
        return
    fallocate = getattr(os, "posix_fallocate", None)
    if fallocate is not None:
        try:
            fallocate(fd, 0, size)
            return
        except OSError:
            pass
    zeros = memoryview(bytes(size - current))
    os.lseek(fd, current, os.SEEK_SET)
    while zeros:  # a short write on a regular file: write the rest
        zeros = zeros[os.write(fd, zeros) :]


class IntentLog:
    """Append-only lines of text in a mapped file; ``path=None`` keeps nothing (a scratch
    in-memory database, where nothing survives a crash anyway)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None
        self._map: mmap.mmap | None = None
        self.size = 0  # bytes of records
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            _reserve(self._fd, CAPACITY)
            self._map = mmap.mmap(self._fd, os.fstat(self._fd).st_size)
            end = self._map.find(b"\x00")
            self.size = len(self._map) if end < 0 else end

    @property
    def durable(self) -> bool:
        return self._map is not None

    def append(self, line: str) -> None:
        """Write one record (no newline or NUL in it); in the OS page cache on return."""
        mapped = self._map
        if mapped is None:
            return
        data = (line + "\n").encode()
        start = self.size
        end = start + len(data)
        if end >= len(mapped):  # keep one NUL after the records
            mapped = self._grow(end)
        mapped[start:end] = data
        self.size = end

    def _grow(self, needed: int) -> mmap.mmap:
        assert self._fd is not None and self._map is not None
        size = len(self._map)
        while size <= needed:
            size *= 2
        self._map.close()
        _reserve(self._fd, size)
        self._map = mmap.mmap(self._fd, size)
        log.info("intent log %s grown to %d bytes", self.path, size)
        return self._map

    def records(self) -> list[str]:
        """Every record, oldest first (a torn last one included: the reader checks it)."""
        if self._map is None:
            return []
        text = self._map[: self.size].decode("utf-8", errors="replace")
        return [line for line in text.split("\n") if line]

    def clear(self) -> None:
        """Empty the log (every record in it is in SQLite): zero what was written."""
        if self._map is None or not self.size:
            return
        self._map[: self.size] = bytes(self.size)
        self.size = 0

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
