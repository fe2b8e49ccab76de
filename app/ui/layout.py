"""Window layout persistence: dock state and geometry in QSettings; "Reset layout".

The default layout is captured right after the window builds its docks, so
"Reset layout" restores it without rebuilding anything.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QDockWidget, QMainWindow

LAYOUT_VERSION = 1
STATE_KEY = "window/state"
GEOMETRY_KEY = "window/geometry"


class LayoutKeeper:
    """Saves and restores a main window's docks and geometry."""

    def __init__(self, window: QMainWindow, settings: QSettings) -> None:
        self.window = window
        self.settings = settings
        self._default_state: QByteArray | None = None
        self._default_size = window.size()
        self.restored = False

    def capture_default(self) -> None:
        self._default_state = self.window.saveState(LAYOUT_VERSION)
        self._default_size = self.window.size()

    def save(self) -> None:
        self.settings.setValue(STATE_KEY, self.window.saveState(LAYOUT_VERSION))
        self.settings.setValue(GEOMETRY_KEY, self.window.saveGeometry())
        self.settings.sync()

    def restore(self) -> bool:
        """Restore what was saved; False when there was nothing (or it was unusable)."""
        geometry = self.settings.value(GEOMETRY_KEY)
        state = self.settings.value(STATE_KEY)
        restored = False
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            restored = self.window.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            restored = self.window.restoreState(state, LAYOUT_VERSION) and restored
        self.restored = restored
        return restored

    def reset(self) -> None:
        if self._default_state is not None:
            self.window.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.window.findChildren(QDockWidget):
            dock.setVisible(True)
        self.window.resize(self._default_size)
        self.settings.remove(STATE_KEY)
        self.settings.remove(GEOMETRY_KEY)
