"""The keyboard shortcuts: one table that binds them and the Help dialog that lists them.

The main window creates each shortcut's action from :data:`HOTKEYS` (key,
menu text, description), and Help > Keyboard shortcuts shows a dialog built
from the same table, so what the dialog says is what the keys do. The actions
only ask for commands (the ticket's buttons, the controller's cancel all and
flatten); no trading rule lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True, slots=True)
class Hotkey:
    """One shortcut: the action's name in the window, its key, menu text and what it does."""

    name: str
    key: str
    text: str
    description: str


HOTKEYS: tuple[Hotkey, ...] = (
    Hotkey("buy", "Ctrl+Shift+B", "&Buy at ask",
           "Buy the ticket's amount at the ask (asks first when confirmation is on)"),
    Hotkey("sell", "Ctrl+Shift+S", "&Sell at bid",
           "Sell the ticket's amount at the bid (asks first when confirmation is on)"),
    Hotkey("cancel_all", "Ctrl+Shift+X", "&Cancel all open orders",
           "Cancel every open order (trading stays on)"),
    Hotkey("flatten", "Ctrl+Shift+F", "&Flatten selected position…",
           "Sell the whole selected position at market, after you confirm"),
    Hotkey("kill", "Ctrl+Shift+K", "&Kill switch (halt, cancel orders)",
           "Halt trading and cancel every open order"),
    Hotkey("symbol", "Ctrl+L", "Go to &symbol box", "Put the cursor in the ticket's symbol box"),
    Hotkey("settings", "Ctrl+,", "&Settings…", "Open the settings"),
    Hotkey("shortcuts", "F1", "&Keyboard shortcuts", "Show this list"),
    Hotkey("quit", "Ctrl+Q", "&Quit", "Quit Sherwood (asks when orders are open or the bot runs)"),
)  # fmt: skip

BY_NAME = {hotkey.name: hotkey for hotkey in HOTKEYS}


def key_of(name: str) -> str:
    """The key of the shortcut ``name`` as the user's platform writes it (e.g. Ctrl+Shift+B)."""
    return QKeySequence(BY_NAME[name].key).toString(QKeySequence.SequenceFormat.NativeText)


class ShortcutsDialog(QDialog):
    """Help > Keyboard shortcuts: every row of :data:`HOTKEYS`, key and what it does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(len(HOTKEYS), 2, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Key", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setAlternatingRowColors(True)
        for row, hotkey in enumerate(HOTKEYS):
            self.table.setItem(row, 0, QTableWidgetItem(key_of(hotkey.name)))
            self.table.setItem(row, 1, QTableWidgetItem(hotkey.description))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        rows = self.table.verticalHeader().length() + header.height() + 4
        self.resize(560, rows + buttons.sizeHint().height() + 40)

    def rows(self) -> list[tuple[str, str]]:
        """(key, action) as the dialog shows them."""
        cells = [[self.table.item(row, column) for column in (0, 1)]
                 for row in range(self.table.rowCount())]  # fmt: skip
        return [(key.text(), action.text()) for key, action in cells if key and action]
