"""Ctrl+C or SIGTERM while Sherwood's modules load: one line and exit code 2, no traceback.

The ``sherwood`` entry point imports this module before anything else. When the
process is the ``sherwood`` command (or ``python -m app``), a SIGINT or SIGTERM
that arrives while the modules are still loading writes one line and ends the
process at once: nothing has been opened yet, so nothing is left half done.
Once ``main`` runs, :func:`app.startup.one_line_errors` takes over (it raises
instead, so an open database is closed on the way out). Imported anywhere else
(a test, a library user), it does nothing.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import FrameType


def _stop(signum: int, frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    os.write(2, f"sherwood: stopped by {name} while starting; nothing was changed\n".encode())
    os._exit(2)


def is_entry_point(argv0: str) -> bool:
    """True for the ``sherwood`` command, a frozen Sherwood bundle and ``python -m app``."""
    path = Path(argv0)
    return path.stem.lower() == "sherwood" or (
        path.name == "__main__.py" and path.parent.name == "app"
    )


if sys.argv and is_entry_point(sys.argv[0]):
    for _sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(_sig, _stop)
