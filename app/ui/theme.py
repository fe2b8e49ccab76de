"""Colour themes: dark (default) and light, as QSS from ``app/ui/assets/theme/`` plus a palette.

Also the few semantic colours tables and meters use (gain, loss, warning).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

# The window's theme and icons: package data, so an installed (not editable) app has them too.
ASSETS = Path(__file__).resolve().parent / "assets"


@dataclass(frozen=True, slots=True)
class Colors:
    window: str
    base: str
    text: str
    muted: str
    gain: str
    loss: str
    warn: str
    accent: str


DARK = Colors(
    "#15181d", "#181b21", "#d8dde4", "#8b949e", "#3fb950", "#f85149", "#d29922", "#58a6ff"
)
LIGHT = Colors(
    "#f6f8fa", "#ffffff", "#1f2328", "#57606a", "#1a7f37", "#cf222e", "#9a6700", "#0969da"
)

_current: list[Colors] = [DARK]


def colors() -> Colors:
    """The semantic colours of the theme in use."""
    return _current[0]


def stylesheet(name: str) -> str:
    """The theme's QSS; ``@THEME_DIR@`` in it (images such as the spin box arrows) becomes
    the theme folder, wherever the app is installed."""
    folder = ASSETS / "theme"
    path = folder / f"{name}.qss"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        log.warning("theme file %s not found; using the platform style", path)
        return ""
    return text.replace("@THEME_DIR@", folder.as_posix())


def apply_theme(app: QApplication, name: str) -> Colors:
    """Apply ``dark`` or ``light`` to the whole application; returns its colours."""
    palette_colors = LIGHT if name == "light" else DARK
    _current[0] = palette_colors
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(palette_colors.window))
    palette.setColor(QPalette.ColorRole.Base, QColor(palette_colors.base))
    palette.setColor(QPalette.ColorRole.Text, QColor(palette_colors.text))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(palette_colors.text))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(palette_colors.text))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(palette_colors.accent))
    app.setPalette(palette)
    app.setStyleSheet(stylesheet("light" if name == "light" else "dark"))
    return palette_colors
