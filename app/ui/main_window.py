"""The main window: chart in the centre, ticket / PDT meter / bot panel docked on the right,
positions / orders / fills / signals / log docked below; menus, hotkeys, status bar.

The window only builds widgets and menus; :mod:`app.ui.controller` wires them to
the bus and the services. Layout and geometry persist in QSettings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from app import calendar
from app.calendar import Session
from app.config import Mode
from app.ui.bot_panel import BotPanel
from app.ui.layout import LayoutKeeper
from app.ui.notifications import Notifier
from app.ui.order_ticket import Confirm, OrderTicket
from app.ui.pdt_meter import PdtMeter
from app.ui.status_bar import StatusBar
from app.ui.tables.models import (
    QtLogHandler,
    fills_model,
    log_model,
    orders_model,
    positions_model,
    signals_model,
)
from app.ui.tables.views import LogPane, OrdersView, PositionsView, make_table

log = logging.getLogger("sherwood.ui.window")

BUY_KEY = "Ctrl+Shift+B"
SELL_KEY = "Ctrl+Shift+S"
KILL_KEY = "Ctrl+Shift+K"

AskClose = Callable[[str], bool]


def make_chart(ctx: Any) -> QWidget:
    """The chart widget, or a placeholder when the chart package cannot load."""
    try:
        from app.ui.chart.widget import ChartWidget
    except Exception as exc:  # the chart is optional for the rest of the terminal
        log.warning("chart unavailable: %s", exc)
        placeholder = QLabel("Chart unavailable")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return placeholder
    s = ctx.settings
    return ChartWidget(
        rsi_levels=(s.rsi_oversold, s.rsi_overbought),
        macd_params=(s.macd_fast, s.macd_slow, s.macd_signal),
        rsi_period=s.rsi_period,
    )


class MainWindow(QMainWindow):
    closing = Signal()  # the user confirmed closing: stop the services

    def __init__(
        self,
        ctx: Any,
        *,
        qsettings: QSettings | None = None,
        confirm_order: Confirm | None = None,
        ask_close: AskClose | None = None,
        use_tray: bool | None = None,
        icon: QIcon | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.qsettings = qsettings or QSettings()
        self.ask_close = ask_close or self._ask_close_dialog
        mode = str(getattr(ctx.settings.mode, "value", ctx.settings.mode))
        self.setWindowTitle(f"Sherwood — {mode.upper()}")
        self.setObjectName("SherwoodMain")
        self.setDockNestingEnabled(True)
        self.resize(1440, 900)
        if icon is not None:
            self.setWindowIcon(icon)

        self.chart: Any = make_chart(ctx)
        self.setCentralWidget(self.chart)
        self.ticket = OrderTicket(ctx, session_regular=self.is_regular_session,
                                  confirm=confirm_order)  # fmt: skip
        self.ticket.set_hotkeys(BUY_KEY, SELL_KEY)
        self.pdt = PdtMeter(ctx.compliance)
        self.bot = BotPanel(ctx.settings)
        self.bot.set_hotkey(KILL_KEY)

        self.positions = positions_model()
        self.orders = orders_model()
        self.fills = fills_model()
        self.signals = signals_model()
        self.logs = log_model()
        self.log_handler = QtLogHandler(self.logs)
        self.positions_view = PositionsView(self.positions)
        self.orders_view = OrdersView(self.orders)
        self.fills_view = make_table(self.fills)
        self.signals_view = make_table(self.signals)
        self.log_pane = LogPane(self.logs, self.log_handler)

        self.docks: dict[str, QDockWidget] = {}
        right = Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self._dock("ticket", "Order ticket", self.ticket, right)
        self._dock("pdt", "Day trades (PDT)", self.pdt, right)
        self._dock("bot", "Bot", self.bot, right)
        self._dock("positions", "Positions", self.positions_view, bottom)
        self._dock("orders", "Orders", self.orders_view, bottom)
        self._dock("fills", "Fills", self.fills_view, bottom)
        self._dock("signals", "Signals", self.signals_view, bottom)
        self._dock("log", "Log", self.log_pane, bottom)
        self.splitDockWidget(self.docks["positions"], self.docks["orders"],
                             Qt.Orientation.Horizontal)  # fmt: skip
        self.splitDockWidget(self.docks["orders"], self.docks["signals"],
                             Qt.Orientation.Horizontal)  # fmt: skip
        self.tabifyDockWidget(self.docks["orders"], self.docks["fills"])
        self.tabifyDockWidget(self.docks["signals"], self.docks["log"])
        self.docks["orders"].raise_()
        self.docks["signals"].raise_()
        self.resizeDocks([self.docks["ticket"]], [330], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["positions"]], [250], Qt.Orientation.Vertical)

        self.status = StatusBar(ctx.clock, around_the_clock=self.around_the_clock, mode=mode)
        self.setStatusBar(self.status)
        self.mode_badge = QLabel(mode.upper())
        self.mode_badge.setObjectName("modeBadge")
        self.mode_badge.setProperty("mode", mode)
        self.actions_: dict[str, QAction] = {}
        self._menus()
        self.menuBar().setCornerWidget(self.mode_badge, Qt.Corner.TopRightCorner)
        self.notifier = Notifier(self, icon, use_tray=use_tray)

        self.layout_keeper = LayoutKeeper(self, self.qsettings)
        self.layout_keeper.capture_default()
        self.layout_keeper.restore()

    # --- building ---
    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        self.docks[name] = dock

    def _action(self, name: str, text: str, shortcut: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.actions_[name] = action
        return action

    def _menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self._action("settings", "&Settings…", "Ctrl+,"))
        file_menu.addSeparator()
        file_menu.addAction(self._action("quit", "&Quit", "Ctrl+Q"))
        self.actions_["quit"].triggered.connect(self.close)

        view = bar.addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        view.addAction(self._action("reset_layout", "&Reset layout"))
        self.actions_["reset_layout"].triggered.connect(self.layout_keeper_reset)
        view.addAction(self._action("theme_dark", "&Dark theme"))
        view.addAction(self._action("theme_light", "&Light theme"))

        trading = bar.addMenu("&Trading")
        trading.addAction(self._action("buy", "&Buy at ask", BUY_KEY))
        trading.addAction(self._action("sell", "&Sell at bid", SELL_KEY))
        trading.addSeparator()
        trading.addAction(self._action("bot", "Start / stop &bot"))
        trading.addAction(self._action("kill", "&Kill switch (halt, cancel orders)", KILL_KEY))
        trading.addAction(self._action("resume", "&Resume trading"))
        self.actions_["buy"].triggered.connect(lambda: self.ticket.buy_button.click())
        self.actions_["sell"].triggered.connect(lambda: self.ticket.sell_button.click())
        self.actions_["kill"].triggered.connect(self.bot.killSwitch.emit)
        self.actions_["resume"].triggered.connect(self.bot.resumeRequested.emit)
        self.actions_["bot"].triggered.connect(
            lambda: self.bot.botToggled.emit(not self.bot.bot_running)
        )

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("about", "&About Sherwood"))
        self.actions_["about"].triggered.connect(self._about)

    def layout_keeper_reset(self) -> None:
        self.layout_keeper.reset()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Sherwood",
            "<b>Sherwood</b><br>A desktop trading terminal and RSI/MACD bot for Robinhood."
            "<br>Paper trading on a simulated market by default.<br><br>"
            f"Buy {BUY_KEY} · Sell {SELL_KEY} · Kill switch {KILL_KEY}",
        )

    # --- sessions ---
    def around_the_clock(self) -> bool:
        feed = getattr(self.ctx, "feed", None)
        simulated = bool(getattr(feed, "simulated", False))
        return simulated and not self.ctx.settings.sim_follow_nyse_sessions

    def is_regular_session(self) -> bool:
        now = self.ctx.clock.now()
        feed = getattr(self.ctx, "feed", None)
        if feed is not None and hasattr(feed, "session_at"):
            return bool(feed.session_at(now) == Session.REGULAR)
        return bool(calendar.session_at(now) == Session.REGULAR)

    # --- closing ---
    def _ask_close_dialog(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Quit Sherwood", text)
        return answer == QMessageBox.StandardButton.Yes

    def close_question(self) -> str:
        reasons = []
        execution = self.ctx.execution
        if getattr(execution, "bot_enabled", False):
            reasons.append("the bot is running")
        open_orders = execution.open_orders() if hasattr(execution, "open_orders") else []
        if open_orders:
            reasons.append(f"{len(open_orders)} order(s) are open")
        if not reasons:
            return ""
        return f"{' and '.join(reasons).capitalize()}. Quit anyway?"

    def closeEvent(self, event: QCloseEvent) -> None:
        question = self.close_question()
        if question and not self.ask_close(question):
            event.ignore()
            return
        self.layout_keeper.save()
        self.notifier.hide()
        logging.getLogger().removeHandler(self.log_handler)
        event.accept()
        self.closing.emit()

    def is_live(self) -> bool:
        return bool(self.ctx.settings.mode == Mode.LIVE)
