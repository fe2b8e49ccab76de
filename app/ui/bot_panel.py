"""The bot panel: the symbols the bot trades (each with its strategy and parameters), start/stop
the bot, trading state, kill switch.

Commands go out as signals (the controller sends them to the services); the
panel only renders the bot's state and the risk service's trading state. A
change of symbols is sent as the new ``BOT_SYMBOLS`` text: adding, removing or
changing a symbol's strategy edits that text, checked here only for its form
(the message names the problem); the controller checks the symbols with
market data, applies and saves it, then hands the panel the new settings.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.config import (
    STRATEGY_PARAMS,
    BotEntry,
    Settings,
    StrategyName,
    format_bot_symbols,
    parse_bot_symbols,
)
from app.core.errors import SettingsError
from app.core.models import TradingState
from app.ui import theme

STRATEGY_LABELS = {
    StrategyName.RSI: "RSI",
    StrategyName.RSI_SR: "RSI at support/resistance",
    StrategyName.MACD: "MACD",
}
SHORT_LABELS = {StrategyName.RSI: "RSI", StrategyName.RSI_SR: "RSI S/R", StrategyName.MACD: "MACD"}
TABLE_ROWS_SHOWN = 4  # the table's height: more symbols scroll


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


def params_text(params: dict[str, float | int]) -> str:
    """``period 14 · oversold 30 · overbought 70``."""
    return " · ".join(f"{name} {value:g}" for name, value in params.items())


def params_brief(params: dict[str, float | int]) -> str:
    """The parameters in a table cell: ``14 · 30/70`` (RSI), ``12/26/9`` (MACD)."""
    if "period" in params:
        return f"{params['period']:g} · {params['oversold']:g}/{params['overbought']:g}"
    return "/".join(f"{value:g}" for value in params.values())


class BotPanel(QWidget):
    botToggled = Signal(bool)  # start (True) / stop (False)
    killSwitch = Signal()
    resumeRequested = Signal()
    botSymbolsRequested = Signal(str)  # the new BOT_SYMBOLS text

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.bot_running = False
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Symbol", "Strategy", "Parameters"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        row_height = self.table.verticalHeader().defaultSectionSize()
        self.table.setFixedHeight(header.sizeHint().height() + row_height * TABLE_ROWS_SHOWN + 4)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.add_edit = QLineEdit()
        self.add_edit.setPlaceholderText("Symbol")
        self.add_edit.setMaxLength(10)
        self.add_edit.returnPressed.connect(self._add)
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Trade this symbol too, with the strategy chosen below")
        self.add_button.clicked.connect(self._add)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Stop trading the selected symbol (its position stays)")
        self.remove_button.clicked.connect(self._remove)

        self.strategy = QComboBox()
        for name, label in STRATEGY_LABELS.items():
            self.strategy.addItem(label, name)
        self.rsi_period = _spin(2, 500, settings.rsi_period)
        self.rsi_oversold = _dspin(1, 99, settings.rsi_oversold)
        self.rsi_overbought = _dspin(1, 99, settings.rsi_overbought)
        self.macd_fast = _spin(1, 500, settings.macd_fast)
        self.macd_slow = _spin(1, 500, settings.macd_slow)
        self.macd_signal = _spin(1, 500, settings.macd_signal)
        self._boxes: dict[str, QSpinBox | QDoubleSpinBox] = {
            "period": self.rsi_period, "oversold": self.rsi_oversold,
            "overbought": self.rsi_overbought, "fast": self.macd_fast, "slow": self.macd_slow,
            "signal": self.macd_signal,
        }  # fmt: skip
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
        self.apply_button.setToolTip("Run the strategy and parameters above on the selected symbol")
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

        edit = QHBoxLayout()
        edit.addWidget(self.add_edit, 1)
        edit.addWidget(self.add_button)
        edit.addWidget(self.remove_button)
        top = QFormLayout()
        top.addRow("Strategy", self.strategy)
        bot = QHBoxLayout()  # one row for the bot and the trading state: fits a short screen
        bot.addWidget(self.bot_button)
        bot.addWidget(self.bot_label, 1)
        bot.addWidget(QLabel("Trading"))
        bot.addWidget(self.state_label)
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addWidget(self.table)
        layout.addLayout(edit)
        layout.addLayout(top)
        layout.addWidget(self.params)
        layout.addWidget(self.param_error)
        layout.addWidget(self.apply_button)
        layout.addLayout(bot)
        layout.addWidget(self.state_reason)
        layout.addWidget(self.kill_button)
        layout.addWidget(self.resume_button)
        layout.addStretch(1)
        self.set_settings(settings)
        self.set_trading_state(TradingState.ACTIVE, "")

    def set_hotkey(self, kill: str) -> None:
        self.kill_button.setToolTip(f"Halt trading and cancel open orders ({kill})")

    # --- the symbols ---------------------------------------------------------------------

    def set_settings(self, settings: Settings) -> None:
        """Show the symbols ``settings`` trade (the selection stays on its symbol)."""
        selected = self.selected_symbol()
        self.settings = settings
        plan = settings.bot_plan()
        self.table.setRowCount(len(plan))
        for row, entry in enumerate(plan):
            cells = (entry.symbol, SHORT_LABELS[entry.strategy], params_brief(entry.params))
            tip = f"{STRATEGY_LABELS[entry.strategy]}: {params_text(entry.params)}"
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(tip)
                self.table.setItem(row, column, item)
        symbols = [entry.symbol for entry in plan]
        if self.add_edit.text().strip().upper() in symbols:
            self.add_edit.clear()  # added
        self.table.selectRow(symbols.index(selected) if selected in symbols else 0)
        self._show_selected()
        self.set_bot_running(self.bot_running)

    def symbols(self) -> list[str]:
        """The symbols listed, top to bottom."""
        return [self._symbol_at(row) for row in range(self.table.rowCount())]

    def _symbol_at(self, row: int) -> str:
        item = self.table.item(row, 0)
        return item.text() if item is not None else ""

    def selected_symbol(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.rowCount() else []
        return self._symbol_at(rows[0].row()) if rows else None

    def _show_selected(self) -> None:
        """The selected symbol's strategy and parameters in the editor below the table."""
        symbol = self.selected_symbol()
        entry = next((e for e in self.settings.bot_plan() if e.symbol == symbol), None)
        self.apply_button.setText(f"Apply to {symbol}" if symbol else "Apply")
        self.apply_button.setEnabled(entry is not None)
        self.remove_button.setEnabled(entry is not None)
        if entry is None:
            return
        self.strategy.setCurrentIndex(self.strategy.findData(entry.strategy))
        defaults = {
            name: getattr(self.settings, attribute)
            for names in STRATEGY_PARAMS.values()
            for name, attribute in names.items()
        }
        for name, value in {**defaults, **entry.params}.items():  # another strategy: defaults
            self._boxes[name].setValue(value)

    def _entries(self) -> list[BotEntry]:
        return parse_bot_symbols(self.settings.bot_symbols) or [BotEntry(self.settings.symbol)]

    def _chosen(self, symbol: str) -> BotEntry:
        """``symbol`` with the strategy and parameters shown (those equal to the settings left
        out, so the text stays short and follows later changes of the settings)."""
        strategy = StrategyName(self.strategy.currentData())
        params = []
        for name, attribute in STRATEGY_PARAMS[strategy].items():
            value = self._boxes[name].value()
            if value != getattr(self.settings, attribute):
                params.append((name, value))
        return BotEntry(symbol, strategy, tuple(params))

    def _request(self, entries: list[BotEntry]) -> None:
        """Send the new BOT_SYMBOLS text, unless its form is wrong (then say why)."""
        try:
            text = format_bot_symbols(parse_bot_symbols(format_bot_symbols(entries)))
            self.settings.replace(bot_symbols=text)
        except (ValueError, SettingsError) as exc:
            self.show_error(str(exc))
            return
        self.show_error("")
        self.botSymbolsRequested.emit(text)

    def _add(self) -> None:
        raw = self.add_edit.text().strip()
        if not raw:
            self.show_error("type a symbol to add")
            return
        try:
            parse_bot_symbols(raw)  # a malformed symbol is named in the message
        except ValueError as exc:
            self.show_error(f"cannot add: {exc}")
            return
        self._request([*self._entries(), self._chosen(raw.upper())])

    def _remove(self) -> None:
        symbol = self.selected_symbol()
        entries = [e for e in self._entries() if e.symbol != symbol]
        if not entries:
            self.show_error("the bot trades at least one symbol: stop the bot instead")
            return
        self._request(entries)

    def _apply(self) -> None:
        symbol = self.selected_symbol()
        if symbol is None:
            return
        entries = [self._chosen(symbol) if e.symbol == symbol else e for e in self._entries()]
        self._request(entries)

    def show_error(self, text: str) -> None:
        """A refusal of the last change ("" hides it)."""
        self.param_error.setText(text)
        self.param_error.setVisible(bool(text))

    # --- the bot and the trading state ---------------------------------------------------

    def set_bot_running(self, running: bool) -> None:
        self.bot_running = running
        self.bot_button.setText("Stop bot" if running else "Start bot")
        self.bot_label.setText("Bot running" if running else "Bot stopped")
        self.bot_label.setToolTip(f"The bot trades {', '.join(self.symbols())}")
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
