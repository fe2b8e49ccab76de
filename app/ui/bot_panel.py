"""The bot panel: strategy and its parameters, start/stop the bot, trading state, kill switch.

Commands go out as signals (the main window sends them to the services); the
panel only renders the bot's state and the risk service's trading state.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings, StrategyName
from app.core.errors import SettingsError
from app.core.models import TradingState
from app.ui import theme


def _spin(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box


def _dspin(low: float, high: float, value: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(1)
    box.setValue(value)
    return box


class BotPanel(QWidget):
    botToggled = Signal(bool)  # start (True) / stop (False)
    killSwitch = Signal()
    resumeRequested = Signal()
    settingsChanged = Signal(object)  # Settings with the new strategy parameters

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.bot_running = False
        self.strategy = QComboBox()
        self.strategy.addItem("RSI", StrategyName.RSI)
        self.strategy.addItem("RSI at support/resistance", StrategyName.RSI_SR)
        self.strategy.addItem("MACD", StrategyName.MACD)
        self.rsi_period = _spin(2, 500, settings.rsi_period)
        self.rsi_oversold = _dspin(1, 99, settings.rsi_oversold)
        self.rsi_overbought = _dspin(1, 99, settings.rsi_overbought)
        self.macd_fast = _spin(1, 500, settings.macd_fast)
        self.macd_slow = _spin(1, 500, settings.macd_slow)
        self.macd_signal = _spin(1, 500, settings.macd_signal)
        rsi = QWidget()
        rsi_form = QFormLayout(rsi)
        rsi_form.setContentsMargins(0, 0, 0, 0)
        rsi_form.addRow("Period", self.rsi_period)
        rsi_form.addRow("Oversold", self.rsi_oversold)
        rsi_form.addRow("Overbought", self.rsi_overbought)
        macd = QWidget()
        macd_form = QFormLayout(macd)
        macd_form.setContentsMargins(0, 0, 0, 0)
        macd_form.addRow("Fast", self.macd_fast)
        macd_form.addRow("Slow", self.macd_slow)
        macd_form.addRow("Signal", self.macd_signal)
        self.params = QStackedWidget()
        self.params.addWidget(rsi)
        self.params.addWidget(macd)
        self.strategy.currentIndexChanged.connect(
            lambda _: self.params.setCurrentIndex(
                1 if self.strategy.currentData() == StrategyName.MACD else 0
            )
        )  # RSI and RSI at support/resistance share the RSI parameters
        self.strategy.setCurrentIndex(self.strategy.findData(settings.strategy))
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self._apply)
        self.param_error = QLabel("")
        self.param_error.setProperty("role", "error")
        self.param_error.setWordWrap(True)
        self.param_error.hide()

        self.bot_button = QPushButton("Start bot")
        self.bot_button.setObjectName("botButton")
        self.bot_button.clicked.connect(lambda: self.botToggled.emit(not self.bot_running))
        self.bot_label = QLabel("Bot stopped")
        self.state_label = QLabel("ACTIVE")
        self.state_label.setObjectName("tradingState")
        self.state_reason = QLabel("")
        self.state_reason.setProperty("role", "muted")
        self.state_reason.setWordWrap(True)
        self.kill_button = QPushButton("KILL SWITCH")
        self.kill_button.setObjectName("killSwitch")
        self.kill_button.clicked.connect(self.killSwitch.emit)
        self.resume_button = QPushButton("Resume trading")
        self.resume_button.clicked.connect(self.resumeRequested.emit)
        self.resume_button.hide()

        top = QFormLayout()
        top.addRow("Strategy", self.strategy)
        bot = QHBoxLayout()  # one row for the bot and the trading state: fits a short screen
        bot.addWidget(self.bot_button)
        bot.addWidget(self.bot_label, 1)
        bot.addWidget(QLabel("Trading"))
        bot.addWidget(self.state_label)
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.params)
        layout.addWidget(self.param_error)
        layout.addWidget(self.apply_button)
        layout.addLayout(bot)
        layout.addWidget(self.state_reason)
        layout.addWidget(self.kill_button)
        layout.addWidget(self.resume_button)
        layout.addStretch(1)
        self.set_trading_state(TradingState.ACTIVE, "")

    def set_hotkey(self, kill: str) -> None:
        self.kill_button.setToolTip(f"Halt trading and cancel open orders ({kill})")

    def chosen_settings(self) -> dict[str, Any]:
        return {
            "strategy": StrategyName(self.strategy.currentData()),
            "rsi_period": self.rsi_period.value(),
            "rsi_oversold": self.rsi_oversold.value(),
            "rsi_overbought": self.rsi_overbought.value(),
            "macd_fast": self.macd_fast.value(),
            "macd_slow": self.macd_slow.value(),
            "macd_signal": self.macd_signal.value(),
        }

    def _apply(self) -> None:
        try:
            updated = self.settings.replace(**self.chosen_settings())
        except SettingsError as exc:
            self.param_error.setText(str(exc))
            self.param_error.show()
            return
        self.param_error.hide()
        self.settings = updated
        self.settingsChanged.emit(updated)

    def set_bot_running(self, running: bool) -> None:
        self.bot_running = running
        self.bot_button.setText("Stop bot" if running else "Start bot")
        name = self.strategy.currentText()
        self.bot_label.setText(f"Bot running ({name})" if running else "Bot stopped")
        color = theme.colors().gain if running else theme.colors().muted
        self.bot_label.setStyleSheet(f"color: {color};")

    def set_trading_state(self, state: TradingState, reason: str) -> None:
        colors = theme.colors()
        color = {TradingState.ACTIVE: colors.gain, TradingState.REDUCING: colors.warn,
                 TradingState.HALTED: colors.loss}[state]  # fmt: skip
        self.state_label.setText(state.value)
        self.state_label.setStyleSheet(f"color: {color}; font-weight: bold; font-size: 14px;")
        self.state_reason.setText(reason)
        self.resume_button.setVisible(state is not TradingState.ACTIVE)
