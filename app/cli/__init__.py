"""The ``sherwood`` subcommands (``sherwood login``, ``sherwood optimize`` ...), one module each.

``sherwood`` with no subcommand runs the window, the headless bot or a
backtest (:mod:`app.__main__`). A subcommand module has
``main(argv: Sequence[str]) -> int`` with its own parser (``prog="sherwood NAME"``,
every subcommand takes ``--data-dir``) and returns one of :mod:`app.cli.exits`.
Modules are imported only when their subcommand runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

# name -> module (its main(argv) -> exit code), or "module:function" for another function.
SUBCOMMANDS: dict[str, str] = {
    "buy": "app.cli.trade",
    "import-legacy": "app.cli.import_legacy",
    "login": "app.cli.login",
    "logout": "app.cli.logout",
    "sell": "app.cli.trade:sell_main",
    "optimize": "app.cli.optimize",
    "status": "app.cli.status",
}


def run_subcommand(name: str, argv: Sequence[str]) -> int:
    """Run subcommand ``name`` with the arguments after it."""
    module_name, _, function = SUBCOMMANDS[name].partition(":")
    module = importlib.import_module(module_name)
    return int(getattr(module, function or "main")(list(argv)))
