"""A keyring backend for tests, standing in for the OS keyring.

In-process tests select it with ``keyring.set_keyring(MemoryKeyring())``.
Subprocesses select it with ``PYTHON_KEYRING_BACKEND=memory_keyring.MemoryKeyring``
(tests/support on ``PYTHONPATH``); as each ``sherwood`` command is its own
process, ``SHERWOOD_TEST_KEYRING`` may name a JSON file (outside HOME and the
data folder, like a real keyring's store) that carries the entries between them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

FILE_VARIABLE = "SHERWOOD_TEST_KEYRING"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        name = os.environ.get(FILE_VARIABLE)
        self.path = Path(name) if name else None
        self.entries: dict[str, str] = {}

    def _load(self) -> None:
        if self.path is not None and self.path.exists():
            self.entries = json.loads(self.path.read_text())

    def _save(self) -> None:
        if self.path is not None:
            self.path.write_text(json.dumps(self.entries))

    @staticmethod
    def _key(service: str, username: str) -> str:
        return f"{service}\n{username}"

    def get_password(self, service: str, username: str) -> str | None:
        self._load()
        return self.entries.get(self._key(service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._load()
        self.entries[self._key(service, username)] = password
        self._save()

    def delete_password(self, service: str, username: str) -> None:
        self._load()
        if self.entries.pop(self._key(service, username), None) is None:
            raise PasswordDeleteError("not found")
        self._save()
