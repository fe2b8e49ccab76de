"""The settings dialog validates with the settings object's messages and saves to the database."""

from __future__ import annotations

import functools

from app.config import Settings, validate
from app.storage.settings_store import load_saved_settings, save_settings
from app.ui.settings_dialog import SettingsDialog


def test_invalid_values_show_the_settings_messages(db, qtbot) -> None:
    dialog = SettingsDialog(Settings(), saver=functools.partial(save_settings, db))
    qtbot.addWidget(dialog)
    dialog.set_text("rsi_period", "abc")
    assert dialog.save() is False
    assert dialog.error_text("RSI_PERIOD") == "must be a whole number, got 'abc'"
    dialog.set_text("rsi_period", "14")
    dialog.set_text("rsi_oversold", "80")
    assert dialog.save() is False
    expected = validate(Settings(rsi_oversold=80.0))["RSI_OVERSOLD"]
    assert dialog.error_text("RSI_OVERSOLD") == expected
    assert load_saved_settings(db) == {}


def test_valid_values_are_saved_and_applied(db, qtbot) -> None:
    dialog = SettingsDialog(Settings(), saver=functools.partial(save_settings, db))
    qtbot.addWidget(dialog)
    applied: list[Settings] = []
    dialog.applied.connect(applied.append)
    dialog.set_text("rsi_period", "21")
    dialog.set_text("theme", "light")
    assert dialog.save() is True
    assert applied and applied[0].rsi_period == 21
    saved = load_saved_settings(db)
    assert saved["RSI_PERIOD"] == "21" and saved["THEME"] == "light"
    assert dialog.error_text("RSI_PERIOD") == ""


def test_mode_is_shown_but_never_saved_by_the_dialog(db, qtbot) -> None:
    from PySide6.QtWidgets import QLabel

    from app.config import Mode

    dialog = SettingsDialog(Settings(), saver=functools.partial(save_settings, db))
    qtbot.addWidget(dialog)
    mode = dialog.fields["mode"]
    assert isinstance(mode, QLabel) and mode.text().startswith("paper · switch with the Mode menu")
    dialog.set_text("mode", "live")  # even if the field changed, the switch is the menu's
    assert dialog.save() is True
    assert dialog.settings.mode is Mode.PAPER
    assert "MODE" not in load_saved_settings(db)
