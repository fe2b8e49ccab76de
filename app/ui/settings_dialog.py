"""The settings dialog: a form for every setting, grouped, validated like the settings object.

Fields are generated from :func:`app.config.setting_specs`; each value is
parsed with :func:`app.config.parse_value` and the whole checked with
:func:`app.config.validate`, so messages are the same as on the command line.
Saving writes ``{ENV_NAME: text}`` with ``save_settings`` and emits ``applied``.

``MODE`` is shown but not edited here: switching between paper and live restarts the
services on the other database, which the Mode menu does after asking (see
:mod:`app.ui.mode_switch`); the dialog never saves it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings, SettingSpec, format_value, parse_value, setting_specs, validate

log = logging.getLogger("sherwood.ui.settings")

Saver = Callable[[Mapping[str, str]], None]
READ_ONLY = {"mode": "switch with the Mode menu (it asks first)"}


class SettingsDialog(QDialog):
    applied = Signal(object)  # the new Settings

    def __init__(self, settings: Settings, *, saver: Saver, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.saver = saver
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.specs = {spec.name: spec for spec in setting_specs()}
        tabs = QTabWidget()
        groups: dict[str, QFormLayout] = {}
        for spec in self.specs.values():
            form = groups.get(spec.group)
            if form is None:
                page = QWidget()
                form = QFormLayout(page)
                # a long description puts its field below it instead of being cut
                form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
                scroll = QScrollArea()
                scroll.setWidgetResizable(True)
                scroll.setWidget(page)
                tabs.addTab(scroll, spec.group)
                groups[spec.group] = form
            editor = self._editor(spec, getattr(settings, spec.name))
            editor.setToolTip(f"{spec.env}: {spec.doc}")
            error = QLabel("")
            error.setProperty("role", "error")
            error.setWordWrap(True)
            error.hide()
            label = QLabel(spec.doc)  # not word-wrapped: a form cuts wrapped labels
            label.setToolTip(spec.env)
            form.addRow(label, editor)
            form.addRow("", error)
            self.fields[spec.name] = editor
            self.errors[spec.env] = error
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.note = QLabel(
            "Feed and paper account changes take effect after a restart; "
            "switch paper / live with the Mode menu."
        )
        self.note.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        # wide enough for every tab title (none scrolled away or cut), at most a laptop screen
        self.resize(min(max(640, tabs.tabBar().sizeHint().width() + 40), 1300), 520)

    def _editor(self, spec: SettingSpec, value: Any) -> QWidget:
        if spec.name in READ_ONLY:  # shown, not edited here
            shown = QLabel(f"{format_value(value)} · {READ_ONLY[spec.name]}")
            shown.setProperty("role", "muted")
            return shown
        if spec.type is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            return box
        if spec.choices:
            combo = QComboBox()
            combo.addItems(list(spec.choices))
            combo.setCurrentText(format_value(value))
            return combo
        return QLineEdit(format_value(value))

    def set_text(self, name: str, text: str) -> None:
        """Set a field by attribute name (for tests and scripted use)."""
        editor = self.fields[name]
        if name in READ_ONLY:
            return
        if isinstance(editor, QCheckBox):
            editor.setChecked(text.lower() in ("1", "true", "yes", "on"))
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(text)
        elif isinstance(editor, QLineEdit):
            editor.setText(text)

    def _text(self, name: str) -> str:
        editor = self.fields[name]
        if isinstance(editor, QCheckBox):
            return "true" if editor.isChecked() else "false"
        if isinstance(editor, QComboBox):
            return editor.currentText()
        assert isinstance(editor, QLineEdit)
        return editor.text()

    def collect(self) -> tuple[Settings | None, dict[str, str]]:
        """Parse and validate the form: (settings, {}) or (None, {ENV_NAME: message})."""
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name, spec in self.specs.items():
            if name in READ_ONLY:
                continue
            try:
                values[name] = parse_value(name, self._text(name))
            except ValueError as exc:
                problems[spec.env] = str(exc)
        if problems:
            return None, problems
        values.update({name: getattr(self.settings, name) for name in READ_ONLY})
        candidate = dataclasses.replace(self.settings, **values)
        problems = validate(candidate)
        return (None, problems) if problems else (candidate, {})

    def show_problems(self, problems: Mapping[str, str]) -> None:
        for env, label in self.errors.items():
            message = problems.get(env, "")
            label.setText(message)
            label.setVisible(bool(message))

    def error_text(self, env: str) -> str:
        label = self.errors[env]
        return "" if label.isHidden() else label.text()

    def save(self) -> bool:
        settings, problems = self.collect()
        self.show_problems(problems)
        if settings is None:
            return False
        values = settings.as_strings()
        for name in READ_ONLY:
            values.pop(name.upper(), None)
        self.saver(values)
        self.settings = settings
        log.info("settings saved")
        self.applied.emit(settings)
        self.accept()
        return True
