"""PyInstaller entry point of the frozen app: the same command line as ``python -m app``."""

from __future__ import annotations

import multiprocessing
import os
import sys


def _ensure_streams() -> None:
    """A windowed build on Windows starts with ``sys.stdout``/``sys.stderr`` set to None."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


if __name__ == "__main__":
    multiprocessing.freeze_support()
    _ensure_streams()
    from app.__main__ import main

    sys.exit(main())
