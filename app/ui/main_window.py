"""The main window: chart in the centre, ticket / PDT meter / bot panel docked on the right,
positions / orders / fills / signals / log docked below; menus, hotkeys, status bar.

The window builds in three steps so the terminal paints its first frame before the
heavy parts load: the *shell* (``MainWindow(None, settings=...)``: menus, empty docks,
a themed "Loading chart…" placeholder, the saved dock layout restored) needs only
settings; :meth:`MainWindow.attach` fills the docks once the app context exists;
:meth:`MainWindow.install_chart` swaps the placeholder for the chart (importing
pyqtgraph). ``MainWindow(ctx)`` does all three at once. The window only builds
widgets and menus; :mod:`app.ui.controller` wires them to the bus and the services.
Layout and geometry persist in QSettings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QWidget,
)

from app.ui import theme
from app.ui.hotkeys import BY_NAME as HOTKEYS
from app.ui.hotkeys import ShortcutsDialog
from app.ui.layout import LAYOUT_VERSION, LayoutKeeper, LayoutsMenu, NamedLayouts, tidy_tab_bars
from app.ui.notifications import Notifier

log = logging.getLogger("sherwood.ui.window")

BUY_KEY = HOTKEYS["buy"].key  # every shortcut is in app/ui/hotkeys.py (Help lists them)
SELL_KEY = HOTKEYS["sell"].key
KILL_KEY = HOTKEYS["kill"].key
LOADING_TEXT = "Loading chart…"

AskClose = Callable[[str], bool]
Confirm = Callable[[str], bool]

# (name, title, area): the docks, in the order they are built.
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
DOCKS = (
    ("watchlist", "Watchlist", LEFT),
    ("ticket", "Order ticket", RIGHT),
    ("pdt", "Day trades (PDT)", RIGHT),
    ("bot", "Bot", RIGHT),
    ("positions", "Positions", BOTTOM),
    ("account", "Account", BOTTOM),
    ("orders", "Orders", BOTTOM),
    ("fills", "Fills", BOTTOM),
    ("signals", "Signals", BOTTOM),
    ("log", "Log", BOTTOM),
)


RIGHT_COLUMN = ("ticket", "pdt", "bot")
# The bot panel scrolls when the screen is short: a message in the ticket or the meter
# never makes the window taller than the screen (they take their room from it).
SCROLLING = ("bot",)
BOTTOM_HEIGHT = 210  # the bottom panes: title, header, five rows, scroll bar and tabs


def fit_to_screen(window: QWidget, width: int, height: int) -> QSize:
    """``width`` x ``height``, made smaller where the screen (less its panels) is smaller."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(width, height)
    available = screen.availableGeometry()
    return QSize(min(width, available.width()), min(height, available.height()))


def scrolling(widget: QWidget, *, horizontal: bool = False) -> QScrollArea:
    """``widget`` in a frameless scroll area: vertical only (it keeps its width) unless
    ``horizontal``."""
    area = QScrollArea()
    area.setObjectName(f"{widget.objectName() or type(widget).__name__}Scroll")
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if not horizontal:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


def make_chart(settings: Any) -> QWidget:
    """The chart widget, or a placeholder when the chart package cannot load."""
    try:
        from app.ui.chart.widget import ChartWidget
    except Exception as exc:  # the chart is optional for the rest of the terminal
        log.warning("chart unavailable: %s", exc)
        placeholder = QLabel("Chart unavailable")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return placeholder
    from app.ui.chart.colors import for_theme

    s = getattr(settings, "settings", settings)  # an app context also works
    return ChartWidget(
        colors=for_theme(theme.colors() is theme.LIGHT),
        rsi_levels=(s.rsi_oversold, s.rsi_overbought),
        macd_params=(s.macd_fast, s.macd_slow, s.macd_signal),
        rsi_period=s.rsi_period,
    )


def loading_placeholder() -> QLabel:
    """The themed label the centre shows until the chart is installed."""
    c = theme.colors()
    label = QLabel(LOADING_TEXT)
    label.setObjectName("chartPlaceholder")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet(f"QLabel#chartPlaceholder {{ background: {c.base}; color: {c.muted};"
                        " font-size: 15px; }")  # fmt: skip
    return label


class MainWindow(QMainWindow):
    closing = Signal()  # the user confirmed closing: stop the services
    attached = Signal()  # the panes are built (the app context exists)
    chartInstalled = Signal()  # the chart replaced the placeholder

    def __init__(
        self,
        ctx: Any = None,
        *,
        settings: Any = None,
        qsettings: QSettings | None = None,
        confirm_order: Confirm | None = None,
        ask_close: AskClose | None = None,
        use_tray: bool | None = None,
        icon: QIcon | None = None,
    ) -> None:
        super().__init__()
        self.ctx: Any = None
        self._settings: Any = settings if settings is not None else ctx.settings
        self.qsettings = qsettings or QSettings()
        self.ask_close = ask_close or self._ask_close_dialog
        self.confirm_order = confirm_order
        mode = str(getattr(self.settings.mode, "value", self.settings.mode))
        self.mode = mode
        self.setWindowTitle(f"Sherwood — {mode.upper()}")
        self.setObjectName("SherwoodMain")
        self.setDockNestingEnabled(True)
        # the right column runs the full height; the bottom panes sit under the chart only
        self.setCorner(Qt.Corner.TopRightCorner, RIGHT)
        self.setCorner(Qt.Corner.BottomRightCorner, RIGHT)
        self.resize(fit_to_screen(self, 1440, 900))
        if icon is not None:
            self.setWindowIcon(icon)

        self.chart: Any = loading_placeholder()
        self.chart_installed = False
        self.setCentralWidget(self.chart)
        self.docks: dict[str, QDockWidget] = {}
        for name, title, area in DOCKS:
            self._dock(name, title, QWidget(), area)
        self.splitDockWidget(self.docks["positions"], self.docks["orders"],
                             Qt.Orientation.Horizontal)  # fmt: skip
        self.splitDockWidget(self.docks["orders"], self.docks["signals"],
                             Qt.Orientation.Horizontal)  # fmt: skip
        self.tabifyDockWidget(self.docks["orders"], self.docks["fills"])
        self.tabifyDockWidget(self.docks["signals"], self.docks["log"])
        self.tabifyDockWidget(self.docks["positions"], self.docks["account"])
        self.docks["positions"].raise_()
        self.docks["orders"].raise_()
        self.docks["signals"].raise_()
        self.resizeDocks([self.docks["ticket"]], [330], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["positions"]], [BOTTOM_HEIGHT], Qt.Orientation.Vertical)

        self.statusBar().showMessage("Starting…")
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
        self.named_layouts = NamedLayouts(self, self.docks, self.qsettings)
        self.layouts_menu = LayoutsMenu(self.layouts_submenu, self.named_layouts, self)
        if ctx is not None:
            self.attach(ctx)
            self.install_chart()

    # --- building ---
    def attach(self, ctx: Any) -> None:
        """Build the panes that need the app context and put them in the docks."""
        from app.calendar import trade_date
        from app.ui.account_view import AccountView
        from app.ui.bot_panel import BotPanel
        from app.ui.order_ticket import OrderTicket
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

        self.ctx = ctx
        self.ticket = OrderTicket(ctx, session_regular=self.is_regular_session,
                                  confirm=self.confirm_order)  # fmt: skip
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
        self.account = AccountView(ctx.portfolio, lambda: trade_date(ctx.clock.now()))
        panes: dict[str, QWidget] = {
            "ticket": self.ticket, "pdt": self.pdt, "bot": self.bot,
            "positions": self.positions_view, "account": self.account, "orders": self.orders_view,
            "fills": self.fills_view, "signals": self.signals_view, "log": self.log_pane,
        }  # fmt: skip
        from app.ui.watchlist import WatchlistPane
        from app.ui.watchlist_model import WatchlistModel

        self.watchlist = WatchlistPane(WatchlistModel(ctx.settings.watchlist_symbols))
        panes["watchlist"] = self.watchlist
        for name, widget in panes.items():
            old = self.docks[name].widget()
            self.docks[name].setWidget(scrolling(widget) if name in SCROLLING else widget)
            if old is not None:
                old.deleteLater()
        self._attach_optimizer(ctx)
        if not self.layout_keeper.restored:  # a saved layout keeps its own sizes
            self._fit_panes()
        self.status = StatusBar(ctx.clock, around_the_clock=self.around_the_clock,
                                mode=self.mode)  # fmt: skip
        self.setStatusBar(self.status)
        if getattr(ctx, "gateway", None) is not None:  # live: log in / out, session label
            from app.ui.login_dialog import SessionActions

            self.session_actions = SessionActions(self, ctx.gateway, ctx.bus, ctx.clock)
        self.attached.emit()

    def _attach_optimizer(self, ctx: Any) -> None:
        """The Optimizer dock, tabbed with the log; a clicked heatmap cell's bars and fills
        go on the chart (see :mod:`app.ui.optimizer_dock`)."""
        from app.ui.optimizer_dock import OptimizerDock

        settings = ctx.settings

        def chart_bars() -> list[Any]:
            return list(ctx.market_data.closed_bars(settings.symbol, settings.bar_interval,
                                                    1_000_000))  # fmt: skip

        def show_run(bars: list[Any], result: Any) -> None:
            if not self.chart_installed or not bars:
                return
            self.chart.set_bars(result.symbol, bars[0].interval.value, bars)
            self.chart.clear_markers()
            for fill in result.fills:
                self.chart.add_fill_marker(fill.time, fill.side.value, fill.price)

        self.optimizer = OptimizerDock(settings, cached_bars=chart_bars)
        self.optimizer.runChosen.connect(show_run)
        if "optimizer" not in self.docks:
            # scrolls inside its pane: its form never makes the bottom row taller
            # built after the saved layout was restored: put where (and as) that layout had it
            pane = scrolling(self.optimizer, horizontal=True)
            if not self._dock("optimizer", "Optimizer", pane, BOTTOM, restore=True):
                self.tabifyDockWidget(self.docks["log"], self.docks["optimizer"])
            self.docks["signals"].raise_()
            self.view_menu.insertAction(  # listed with the other panes
                self.view_separator, self.docks["optimizer"].toggleViewAction()
            )

    def _fit_panes(self) -> None:
        """The right column: the ticket and the day-trade meter at their natural height, the
        bot panel below; the bottom row: positions, orders and signals side by side."""
        column = [self.docks[name] for name in RIGHT_COLUMN]
        heights = [pane.sizeHint().height() for pane in (self.ticket, self.pdt, self.bot)]
        self.resizeDocks(column, heights, Qt.Orientation.Vertical)
        row = [self.docks[name] for name in ("positions", "orders", "signals")]
        self.resizeDocks(row, [300, 460, 280], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["watchlist"]], [self.watchlist.preferred_width()],
                         Qt.Orientation.Horizontal)  # fmt: skip

    def install_chart(self) -> None:
        """Replace the "Loading chart…" placeholder with the chart (imports pyqtgraph)."""
        if self.chart_installed:
            return
        state = self.saveState(LAYOUT_VERSION)
        self.chart = make_chart(self.settings)
        # Updates stay on: turning them off on the window around the swap (to hide one frame
        # with the docks re-split) left the screen frozen on "Loading chart…" on X11 (xcb)
        # when a saved layout had been restored.
        self.setCentralWidget(self.chart)  # the placeholder is deleted
        # a new centre re-splits the space once laid out: put the docks back as they were
        QTimer.singleShot(0, self, lambda: self._after_chart_swap(state))
        self.chart_installed = True
        self.chartInstalled.emit()

    def restyle_chart(self) -> None:
        """A new chart in the current theme's colours (after the theme changed)."""
        if self.chart_installed:
            self.chart_installed = False
            self.install_chart()  # the controller binds it and loads its bars again

    def _after_chart_swap(self, state: QByteArray) -> None:
        self.restoreState(state, LAYOUT_VERSION)
        tidy_tab_bars(self)
        if self.is_attached and not self.layout_keeper.restored:
            self._fit_panes()

    @property
    def is_attached(self) -> bool:
        return self.ctx is not None

    @property
    def settings(self) -> Any:
        """The app context's settings once attached (they change at run time), else the shell's."""
        return self.ctx.settings if self.ctx is not None else self._settings

    def _dock(
        self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea, restore: bool = False
    ) -> bool:
        """Add the dock ``name`` in ``area``; with ``restore``, where the restored layout had it
        when it had it (returns True then)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.docks[name] = dock
        if restore and self.restoreDockWidget(dock):
            return True
        self.addDockWidget(area, dock)
        return False

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
        file_menu.addAction(self._action("login", "Log &in to Robinhood…"))
        file_menu.addAction(self._action("logout", "Log &out of Robinhood"))
        for name in ("login", "logout"):  # enabled by SessionActions in live mode
            self.actions_[name].setEnabled(False)
        file_menu.addSeparator()
        file_menu.addAction(self._hotkey("settings"))
        file_menu.addSeparator()
        file_menu.addAction(self._hotkey("quit"))
        self.actions_["quit"].triggered.connect(self.close)

        view = bar.addMenu("&View")
        self.view_menu = view
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        self.view_separator = view.addSeparator()
        view.addAction(self._hotkey("symbol"))
        self.actions_["symbol"].triggered.connect(lambda: self._when_attached(self.focus_symbol))
        self.layouts_submenu = view.addMenu("&Layouts")
        view.addAction(self._action("reset_layout", "&Reset layout"))
        self.actions_["reset_layout"].triggered.connect(self.layout_keeper_reset)
        view.addAction(self._action("theme_dark", "&Dark theme"))
        view.addAction(self._action("theme_light", "&Light theme"))

        trading = bar.addMenu("&Trading")
        trading.addAction(self._hotkey("buy"))
        trading.addAction(self._hotkey("sell"))
        trading.addAction(self._hotkey("cancel_all"))  # the controller sends these two
        trading.addAction(self._hotkey("flatten"))
        trading.addSeparator()
        trading.addAction(self._action("bot", "Start / stop &bot"))
        trading.addAction(self._hotkey("kill"))
        trading.addAction(self._action("resume", "&Resume trading"))
        # the panes exist once attached: until then these commands do nothing
        self.actions_["buy"].triggered.connect(lambda: self._when_attached(
            lambda: self.ticket.buy_button.click()))  # fmt: skip
        self.actions_["sell"].triggered.connect(lambda: self._when_attached(
            lambda: self.ticket.sell_button.click()))  # fmt: skip
        self.actions_["kill"].triggered.connect(lambda: self._when_attached(
            self.bot.killSwitch.emit))  # fmt: skip
        self.actions_["resume"].triggered.connect(lambda: self._when_attached(
            self.bot.resumeRequested.emit))  # fmt: skip
        self.actions_["bot"].triggered.connect(lambda: self._when_attached(
            lambda: self.bot.botToggled.emit(not self.bot.bot_running)))  # fmt: skip

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._hotkey("shortcuts"))
        self.actions_["shortcuts"].triggered.connect(self.show_shortcuts)
        help_menu.addAction(self._action("about", "&About Sherwood"))
        self.actions_["about"].triggered.connect(self._about)

    def _hotkey(self, name: str) -> QAction:
        """The action of a shortcut in :data:`app.ui.hotkeys.HOTKEYS` (its text and key)."""
        hotkey = HOTKEYS[name]
        return self._action(name, hotkey.text, hotkey.key)

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def focus_symbol(self) -> None:
        """Put the cursor in the ticket's symbol box (showing the ticket if it was hidden)."""
        dock = self.docks["ticket"]
        dock.show()
        dock.raise_()
        self.ticket.symbol_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.ticket.symbol_edit.selectAll()

    def selected_position(self) -> str | None:
        """The symbol of the row selected in the positions table (None: no row selected)."""
        rows = self.positions_view.selectionModel().selectedRows()
        if not rows:
            return None
        row = self.positions.data(rows[0], Qt.ItemDataRole.UserRole)
        return str(row.symbol) if row is not None else None

    def _when_attached(self, command: Callable[[], Any]) -> None:
        if self.is_attached:
            command()

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
        return simulated and not self.settings.sim_follow_nyse_sessions

    def is_regular_session(self) -> bool:
        from app import calendar
        from app.calendar import Session

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
        if self.ctx is None:  # still starting: nothing runs yet
            return ""
        execution = self.ctx.execution
        if getattr(getattr(self.ctx, "bot", None), "enabled", False):
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
        handler = getattr(self, "log_handler", None)
        if handler is not None:
            logging.getLogger().removeHandler(handler)
        event.accept()
        self.closing.emit()
