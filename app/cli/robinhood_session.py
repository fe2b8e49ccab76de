"""What ``sherwood login``, ``logout`` and ``status`` share: settings, log file, the gateway.

Settings come from the environment and the live database's saved values (read
only); the log goes to the data folder's log file only (tokens are never
logged). The gateway is the same one the app runs in live mode.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app import paths
from app.config import Settings, resolve_settings
from app.core.bus import EventBus
from app.core.clock import LiveClock
from app.core.errors import SettingsError
from app.gateway.factory import build_gateway
from app.gateway.service import GatewayService
from app.logging_setup import setup_logging
from app.storage.db import database_path
from app.storage.mode_choice import saved_settings


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", metavar="DIR", help="folder for the database and logs")


def say(text: str) -> None:
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left (``| head``): the rest goes nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def complain(prog: str, text: str) -> None:
    sys.stderr.write(f"{prog}: {text}\n")
    sys.stderr.flush()


def load_settings(folder: Path) -> Settings:
    """Environment over the live database's saved settings (if that database exists)."""
    return resolve_settings(saved_settings(database_path(folder, "live")), os.environ)


def prepare(data_dir: str | None) -> tuple[Path, Settings]:
    """The data folder and settings, with the file log set up; SettingsError if invalid."""
    folder = paths.data_dir(data_dir)
    settings = load_settings(folder)
    setup_logging(folder, settings.log_level, console=False)
    return folder, settings


def gateway_for(settings: Settings, bus: EventBus | None = None) -> GatewayService:
    return build_gateway(bus or EventBus(), LiveClock(), settings.robinhood_api_url)


__all__ = ["SettingsError", "add_data_dir", "complain", "gateway_for", "prepare", "say"]
