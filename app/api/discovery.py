"""The API's token file and ``api.json``: how a client on this machine finds and enters it.

The token is made once (``secrets.token_urlsafe``) at the first start with the
API on and kept in ``<data dir>/api-token``, readable by its owner only
(0600). On every start the server writes ``<data dir>/api.json`` (0600 too)
with its URL, the token file's path and its process id; it removes the file
when it stops. A client reads ``api.json``, then the token file: whoever can
read the data folder may trade, nobody else.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

TOKEN_FILE = "api-token"
DISCOVERY_FILE = "api.json"
OWNER_ONLY = 0o600


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, mode 0600 from the first byte (mkstemp's mode)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def load_or_create_token(folder: Path) -> tuple[str, Path]:
    """The API token (made on first use) and its file; a token file others can read is narrowed."""
    path = folder / TOKEN_FILE
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(32) + "\n")
    elif stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, OWNER_ONLY)
    token = path.read_text(encoding="utf-8").strip()
    if len(token) < 32:  # empty or cut short: make a new one
        token = secrets.token_urlsafe(32)
        _write_private(path, token + "\n")
    return token, path


@dataclass(frozen=True)
class Discovery:
    """What ``api.json`` says: where the API listens and where its token is."""

    url: str
    token_file: Path
    pid: int

    def token(self) -> str:
        return self.token_file.read_text(encoding="utf-8").strip()


def write_discovery(folder: Path, url: str, token_file: Path) -> Path:
    path = folder / DISCOVERY_FILE
    body = {"url": url, "token_file": str(token_file), "pid": os.getpid()}
    _write_private(path, json.dumps(body, indent=2) + "\n")
    return path


def read_discovery(folder: Path) -> Discovery | None:
    """The running API's ``api.json`` in ``folder`` (None when missing or unreadable)."""
    try:
        data = json.loads((folder / DISCOVERY_FILE).read_text(encoding="utf-8"))
        return Discovery(str(data["url"]), Path(data["token_file"]), int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_discovery(folder: Path) -> None:
    """Remove ``api.json`` if this process wrote it (another instance's file is left alone)."""
    found = read_discovery(folder)
    if found is not None and found.pid == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (folder / DISCOVERY_FILE).unlink()
