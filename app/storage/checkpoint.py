"""WAL checkpoints off the hot path.

SQLite's automatic checkpoint runs inside whichever commit crosses the WAL
size threshold and fsyncs the database there: an order that happens to pay
for it waits tens of milliseconds. Sherwood turns the automatic checkpoint
off on its own connection and runs passive checkpoints from this thread, on
its own connection, every few seconds; a final truncating checkpoint runs at
close. If the thread cannot start, the automatic checkpoint stays on.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)


class BackgroundCheckpointer:
    """Checkpoints the WAL of ``path`` every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, path: str, interval: float = 2.0) -> None:
        self.path = path
        self.interval = interval
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _checkpoint(self, connection: sqlite3.Connection, mode: str) -> None:
        try:
            connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
            self.checkpoints += 1
        except sqlite3.Error as exc:  # busy or locked: the next round catches up
            log.debug("checkpoint %s skipped: %s", mode, exc)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False)
        try:
            while not self._stop.wait(self.interval):
                self._checkpoint(connection, "PASSIVE")
            self._checkpoint(connection, "TRUNCATE")
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10.0)
