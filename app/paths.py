"""Where Sherwood keeps its files: the user data directory (platformdirs) or ``--data-dir``."""

from __future__ import annotations

import sys
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "Sherwood"


def data_dir(override: str | Path | None = None) -> Path:
    """The folder for databases and logs; created on first use, never inside the bundle."""
    path = Path(override).expanduser() if override else Path(user_data_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def resource_dir() -> Path:
    """``resources/`` from a source checkout or from a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
