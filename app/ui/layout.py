"""Window layout persistence: dock state and geometry in QSettings, "Reset layout", and
named layouts ("trading", "analysis" and the user's own) with their View > Layouts menu.

The default layout is captured right after the window builds its docks, so
"Reset layout" restores it without rebuilding anything. A named layout the user
saved is the window's dock state (``QMainWindow.saveState``) stored in QSettings
under its name, so it survives restarts. The two shipped layouts are
:class:`Arrangement` recipes (which docks, in the right column or under the
chart) applied to the docks the window has; saving under a shipped name keeps
the user's version instead, and deleting a shipped one hides it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QInputDialog, QMainWindow, QMenu, QTabBar

LAYOUT_VERSION = 1
STATE_KEY = "window/state"
GEOMETRY_KEY = "window/geometry"
NAMED_GROUP = "layouts"  # layouts/<name> = dock state
HIDDEN_GROUP = "layouts_deleted"  # layouts_deleted/<name> = true: a shipped layout deleted

RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


def tidy_tab_bars(window: QMainWindow) -> None:
    """Hide the tab bars Qt left behind, then let Qt show the ones in use.

    Qt 6.11 leaves an old tab bar of a tabbed dock group visible, at its old place,
    after ``tabifyDockWidget`` and ``restoreState`` (the stray bars were drawn over the
    panes). Re-applying the window's own state shows exactly the bars it uses.
    """
    state = window.saveState(LAYOUT_VERSION)
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        bar.hide()
    window.restoreState(state, LAYOUT_VERSION)


class LayoutKeeper:
    """Saves and restores a main window's docks and geometry."""

    def __init__(self, window: QMainWindow, settings: QSettings) -> None:
        self.window = window
        self.settings = settings
        self._default_state: QByteArray | None = None
        self._default_size = window.size()
        self.restored = False

    def capture_default(self) -> None:
        tidy_tab_bars(self.window)
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
            tidy_tab_bars(self.window)
        self.restored = restored
        return restored

    def reset(self) -> None:
        if self._default_state is not None:
            self.window.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.window.findChildren(QDockWidget):
            dock.setVisible(True)
        tidy_tab_bars(self.window)
        self.window.resize(self._default_size)
        self.settings.remove(STATE_KEY)
        self.settings.remove(GEOMETRY_KEY)


@dataclass(frozen=True, slots=True)
class Arrangement:
    """A shipped layout: these docks shown (the chart always is), every other one hidden."""

    right: tuple[str, ...]  # stacked top to bottom in the right column
    bottom: tuple[str, ...]  # side by side under the chart
    right_width: int = 330


SHIPPED: dict[str, Arrangement] = {
    "trading": Arrangement(right=("ticket",), bottom=("orders",)),
    "analysis": Arrangement(right=("account",), bottom=("fills", "signals"), right_width=480),
}


def arrange(window: QMainWindow, docks: Mapping[str, QDockWidget], plan: Arrangement) -> None:
    """Put ``docks`` as ``plan`` says (names the window lacks are skipped)."""
    right = [docks[name] for name in plan.right if name in docks]
    bottom = [docks[name] for name in plan.bottom if name in docks]
    shown = set(right) | set(bottom)
    for dock in docks.values():
        if dock not in shown:
            dock.hide()
    for area, column, orientation in ((RIGHT, right, Qt.Orientation.Vertical),
                                      (BOTTOM, bottom, Qt.Orientation.Horizontal)):  # fmt: skip
        previous: QDockWidget | None = None
        for dock in column:
            dock.setFloating(False)
            if previous is None:
                window.addDockWidget(area, dock)  # out of any tab group it was in
            else:
                window.splitDockWidget(previous, dock, orientation)
            dock.show()
            previous = dock
    if right:
        window.resizeDocks([right[0]], [plan.right_width], Qt.Orientation.Horizontal)
    if len(bottom) > 1:  # side by side, as wide as each other
        share = max(1, (window.width() - (plan.right_width if right else 0)) // len(bottom))
        window.resizeDocks(bottom, [share] * len(bottom), Qt.Orientation.Horizontal)


def bad_name(name: str) -> str:
    """Why ``name`` cannot name a layout ("" when it can)."""
    if not name.strip():
        return "a layout needs a name"
    if "/" in name or "\\" in name:
        return "a layout name cannot contain / or \\"
    return ""


class NamedLayouts:
    """The named layouts of one window, kept in its QSettings."""

    def __init__(
        self, window: QMainWindow, docks: Mapping[str, QDockWidget], settings: QSettings
    ) -> None:
        self.window = window
        self.docks = docks
        self.settings = settings

    def _saved(self) -> list[str]:
        self.settings.beginGroup(NAMED_GROUP)
        try:
            return list(self.settings.childKeys())
        finally:
            self.settings.endGroup()

    def _hidden(self, name: str) -> bool:
        return bool(self.settings.value(f"{HIDDEN_GROUP}/{name}", False, type=bool))

    def names(self) -> list[str]:
        """Every layout the user can switch to: the shipped ones first, then the user's, A-Z."""
        saved = self._saved()
        shipped = [name for name in SHIPPED if name in saved or not self._hidden(name)]
        return shipped + sorted((n for n in saved if n not in SHIPPED), key=str.casefold)

    def save(self, name: str) -> None:
        """Keep the current dock arrangement under ``name`` (replacing one of that name)."""
        name = name.strip()
        problem = bad_name(name)
        if problem:
            raise ValueError(problem)
        self.settings.setValue(f"{NAMED_GROUP}/{name}", self.window.saveState(LAYOUT_VERSION))
        self.settings.remove(f"{HIDDEN_GROUP}/{name}")
        self.settings.sync()

    def apply(self, name: str) -> bool:
        """Switch to the layout ``name``; False when there is no such layout."""
        state = self.settings.value(f"{NAMED_GROUP}/{name}")
        if isinstance(state, QByteArray) and not state.isEmpty():
            if not self.window.restoreState(state, LAYOUT_VERSION):
                return False
        else:
            plan = SHIPPED.get(name)
            if plan is None or self._hidden(name):
                return False
            arrange(self.window, self.docks, plan)
        tidy_tab_bars(self.window)
        return True

    def delete(self, name: str) -> None:
        self.settings.remove(f"{NAMED_GROUP}/{name}")
        if name in SHIPPED:
            self.settings.setValue(f"{HIDDEN_GROUP}/{name}", True)
        self.settings.sync()


AskName = Callable[[], str | None]


class LayoutsMenu:
    """View > Layouts: "Save layout as…", one entry per layout to switch to, and Delete.

    The menu is rebuilt each time it opens, from :meth:`NamedLayouts.names`.
    ``ask_name`` asks the user for a name (None: cancelled); tests pass their own.
    """

    def __init__(
        self,
        menu: QMenu,
        layouts: NamedLayouts,
        parent: QMainWindow,
        ask_name: AskName | None = None,
    ) -> None:
        self.menu = menu
        self.layouts = layouts
        self.parent = parent
        self.ask_name = ask_name or self._ask_name_dialog
        self.message = ""  # why the last save was refused
        menu.aboutToShow.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        menu = self.menu
        menu.clear()
        save = menu.addAction("&Save layout as…")
        save.setObjectName("layoutSaveAs")
        save.triggered.connect(self.save_as)
        menu.addSeparator()
        names = self.layouts.names()
        for name in names:
            action = menu.addAction(name)
            action.setObjectName(f"layout:{name}")
            action.triggered.connect(functools.partial(self.layouts.apply, name))
        delete = menu.addMenu("&Delete layout")
        delete.setEnabled(bool(names))
        for name in names:
            action = delete.addAction(name)
            action.setObjectName(f"deleteLayout:{name}")
            action.triggered.connect(functools.partial(self.delete, name))

    def save_as(self) -> bool:
        name = self.ask_name()
        if name is None:
            return False
        try:
            self.layouts.save(name)
        except ValueError as exc:
            self.message = str(exc)
            self.parent.statusBar().showMessage(f"Layout not saved: {exc}", 8000)
            return False
        self.message = ""
        self.rebuild()
        return True

    def delete(self, name: str) -> None:
        self.layouts.delete(name)
        self.rebuild()

    def _ask_name_dialog(self) -> str | None:
        name, ok = QInputDialog.getText(self.parent, "Save layout", "Name of this layout:")
        return name if ok else None
