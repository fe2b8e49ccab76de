"""Where Sherwood keeps its files: the user data directory (platformdirs) or ``--data-dir``."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from platformdirs import user_data_dir

from app.core.errors import SherwoodError

APP_NAME = "Sherwood"


PRIVATE_FOLDER = 0o700  # databases, logs and backups are the user's alone


class DataFolderError(SherwoodError):
    """The data folder cannot hold Sherwood's files (a regular file, not writable)."""


def data_dir(override: str | Path | None = None) -> Path:
    """The folder for databases and logs; created on first use (0700), never inside the bundle.

    Raises :class:`DataFolderError`, a one-line message saying what to do, when the
    path is a regular file or the folder cannot be created or written.
    """
    path = Path(override).expanduser() if override else Path(user_data_dir(APP_NAME, False))
    hint = "choose another folder with --data-dir"
    if path.exists() and not path.is_dir():
        raise DataFolderError(f"the data folder {path} is a file, not a folder; {hint}")
    try:
        path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        with contextlib.suppress(PermissionError):  # a folder someone else owns stays as it is
            os.chmod(path, PRIVATE_FOLDER)
        with tempfile.TemporaryFile(dir=path):
            pass  # the folder takes a new file: permissions, a read-only disk
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataFolderError(f"the data folder {path} is not writable ({reason}); {hint}") from exc
    return path


def resource_dir() -> Path:
    """``resources/`` from a source checkout or from a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
