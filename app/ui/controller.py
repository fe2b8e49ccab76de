"""Wiring of the main window: bridge signals to widgets, widget commands to services.

Every service call goes through :func:`app.ui.bridge.schedule` so nothing
blocks the GUI thread; results come back as bus events the bridge re-emits.
The window must be attached (its panes built). The chart may come later: the
controller binds it when the window installs it (``chartInstalled``) and loads
its bars once the controller has started.
"""

from __future__ import annotations

import functools
import logging
from decimal import Decimal
from typing import Any

from app.config import Settings
from app.core.bus import Subscription
from app.core.errors import SherwoodError
from app.core.events import (
    DecisionMade,
    HealthChanged,
    OrderDenied,
    OutsideTradeAdopted,
    TradeCompleted,
)
from app.core.events import TradingStateChanged as StateEvent
from app.core.models import Account, Bar, Interval, OrderSource, Quote, Side, TradingState
from app.ui import theme
from app.ui.bridge import Bridge, schedule
from app.ui.main_window import MainWindow
from app.ui.tables.base import signed_money
from app.ui.tables.models import SignalRow, apply_decision
from app.ui.watchlist_link import WatchlistLink, connect_watchlist

log = logging.getLogger("sherwood.ui.controller")

HISTORY_BARS = 300


class Controller:
    """Connects one MainWindow to one AppContext."""

    def __init__(self, window: MainWindow, ctx: Any) -> None:
        self.window = window
        self.ctx = ctx
        self.bridge = Bridge(ctx.bus, window)
        self.account: Account | None = None
        self.started = False
        self._bound_chart: Any = None
        self._adoptions: Subscription | None = None
        self.watchlist: WatchlistLink | None = None
        self._chart_request: tuple[str, Interval] | None = None  # the latest load asked for
        self._chart_tracked: tuple[str, Interval] | None = None  # forming bars published
        self._bot_denial: str | None = None  # the bot's last denial reason, toasted once
        w = window
        b = self.bridge
        b.quotes.connect(self._on_quotes)
        b.formingBars.connect(self._on_forming)
        b.barClosed.connect(self._on_bar_closed)
        b.orderChanged.connect(self._on_order)
        b.orderDenied.connect(self._on_denied)
        b.tradeCompleted.connect(self._on_trade)
        b.positionsChanged.connect(self.refresh_positions)
        b.signalGenerated.connect(lambda s: w.signals.upsert(SignalRow(s)))
        b.decisionMade.connect(self._on_decision)
        b.accountUpdated.connect(self._on_account)
        b.equitySnapshot.connect(w.account.add_snapshot)
        b.tradingStateChanged.connect(self._on_state)
        b.pdtChanged.connect(w.pdt.refresh)
        b.pdtWarning.connect(lambda text: w.notifier.notify("Day trades", text, error=True))
        b.healthChanged.connect(self._on_health)
        b.errorOccurred.connect(lambda e: log.warning("%s: %s", e.source, e.message))
        w.orders_view.cancelRequested.connect(self.cancel_order)
        w.positions_view.closeRequested.connect(self.close_position)
        w.bot.botToggled.connect(self.set_bot)
        w.bot.killSwitch.connect(self.kill_switch)
        w.bot.resumeRequested.connect(self.resume)
        w.bot.botSymbolsRequested.connect(self.set_bot_symbols)
        w.actions_["settings"].triggered.connect(self.open_settings)
        w.actions_["cancel_all"].triggered.connect(self.cancel_all)
        w.actions_["flatten"].triggered.connect(self.flatten_selected)
        w.actions_["theme_dark"].triggered.connect(lambda: self.set_theme("dark"))
        w.actions_["theme_light"].triggered.connect(lambda: self.set_theme("light"))
        w.chartInstalled.connect(self.bind_chart)

    # --- start-up ---
    def start(self) -> None:
        """Subscribe to the bus and load the current state into every pane."""
        logging.getLogger().addHandler(self.window.log_handler)
        self.bridge.start()
        # A trade made outside Sherwood and adopted by reconciliation: a toast (and a log line).
        self._adoptions = self.ctx.bus.subscribe(OutsideTradeAdopted, self._on_adopted)
        started = self.ctx.execution.last_reconcile  # adopted while the services started
        for message in started.adopted if started is not None else ():
            self.window.notifier.notify("Outside Sherwood", message)
        ex = self.ctx.execution
        for order in reversed(ex.orders(200)):
            self.window.orders.upsert(order)
        for fill in reversed(ex.fills(200)):
            self.window.fills.upsert(fill)
        self.refresh_positions()
        self.window.account.reload()
        self.window.pdt.refresh()
        self.window.bot.set_bot_running(bool(self.ctx.bot.enabled))
        risk = self.ctx.risk
        self.window.bot.set_trading_state(risk.state, str(getattr(risk, "state_reason", "")))
        for service in self._services():
            health = getattr(service, "health", None)
            if health is not None:
                self.window.status.set_health(service.name, health.state, health.reason)
        schedule(lambda: self.ctx.broker.account(), self._on_account, lambda exc: None)
        self.started = True
        self.window.ticket.set_symbol(self.ctx.settings.symbol)
        chart_symbol = lambda: getattr(self.window.chart, "symbol", None)  # noqa: E731
        self.watchlist = connect_watchlist(self.window.watchlist, self.ctx, chart_symbol)
        self.window.watchlist.symbolSelected.connect(self.show_symbol)
        self.watchlist.start()
        if self.window.chart_installed:
            self.bind_chart()

    def bind_chart(self) -> None:
        """Connect the installed chart and load its bars (once the controller has started)."""
        chart = self.window.chart
        if chart is self._bound_chart or not self.started:
            return
        self._bound_chart = chart
        if hasattr(chart, "symbolRequested"):
            chart.symbolRequested.connect(self.load_chart)
            chart.intervalRequested.connect(self._on_interval)
        if hasattr(chart, "limitOrderRequested"):
            chart.limitOrderRequested.connect(self.limit_from_chart)
            chart.cancelOrderRequested.connect(self.cancel_order)
        if self._chart_request is not None:  # a new chart (theme change): what was shown
            self.load_chart(*self._chart_request)
        else:
            self.load_chart(self.ctx.settings.symbol)

    def show_symbol(self, symbol: str) -> None:
        """The watchlist's choice: the chart, the ticket and the positions look at ``symbol``."""
        self.window.ticket.set_symbol(symbol)
        self._follow(symbol)
        self.load_chart(symbol)

    def _follow(self, symbol: str) -> None:
        """The watchlist and the positions show ``symbol``'s row as the current one."""
        self.window.watchlist.select(symbol)
        row = self.window.positions.row_of(symbol)
        if row is None:
            self.window.positions_view.clearSelection()
        else:
            self.window.positions_view.selectRow(row)

    def stop(self) -> None:
        if self.watchlist is not None:
            self.watchlist.stop()
        self.bridge.stop()
        if self._adoptions is not None:
            self._adoptions.cancel()
            self._adoptions = None
        logging.getLogger().removeHandler(self.window.log_handler)

    def _on_adopted(self, event: OutsideTradeAdopted) -> None:
        self.window.notifier.notify("Outside Sherwood", event.message)

    def _services(self) -> list[Any]:
        names = ("market_data", "strategy", "risk", "compliance", "portfolio", "execution",
                 "bot", "audit", "reconciling")  # fmt: skip
        return [s for s in (getattr(self.ctx, n, None) for n in names) if s is not None]

    # --- market data ---
    def _chart_interval(self) -> Interval:
        """The interval last asked for (the bot's until the user picks one)."""
        if self._chart_request is not None:
            return self._chart_request[1]
        return self.ctx.settings.bar_interval

    def load_chart(self, symbol: str, interval: Interval | None = None) -> None:
        """Load ``symbol`` at ``interval`` (default: the interval shown) without blocking.

        The bars shown stay until the new ones arrive; a load overtaken by a later
        request (the user clicked on) is dropped when it finishes.
        """
        chart = self.window.chart
        if not hasattr(chart, "set_bars"):
            return
        interval = interval or self._chart_interval()
        request = (symbol, interval)
        self._chart_request = request
        md = self.ctx.market_data

        async def load() -> None:
            cleaned = await _maybe(md.watch(symbol))
            bars = await _maybe(md.historical_bars(cleaned, interval, HISTORY_BARS))
            if self._chart_request != request or self.window.chart is not chart:
                return  # overtaken: a later request is loading
            self._chart_request = (cleaned, interval)
            self._track_chart(cleaned, interval)
            chart.set_bars(cleaned, interval, list(bars))
            forming = getattr(md, "forming_bar", None)
            bar = forming(cleaned, interval) if forming is not None else None
            if isinstance(bar, Bar):
                chart.update_bar(bar)
            self._mark_chart_fills(cleaned)
            if hasattr(chart, "set_working_orders"):
                chart.set_working_orders(self.ctx.execution.open_orders())
            self.window.ticket.set_symbol(cleaned)
            self._follow(cleaned)

        def failed(exc: BaseException) -> None:
            if self._chart_request == request:
                chart.set_symbol_error(str(exc))  # the bars shown stay, and so does their pair
                shown = getattr(chart, "symbol", "")
                self._chart_request = (shown, Interval(chart.interval)) if shown else None

        schedule(load, None, failed)

    def _track_chart(self, symbol: str, interval: Interval) -> None:
        """Forming bars of what the chart shows are published; the previous pair no more."""
        md = self.ctx.market_data
        if (symbol, interval) == self._chart_tracked or not hasattr(md, "track_interval"):
            return
        if self._chart_tracked is not None:
            md.untrack_interval(*self._chart_tracked)
        md.track_interval(symbol, interval)
        self._chart_tracked = (symbol, interval)

    def _on_interval(self, interval: str) -> None:
        chart = self.window.chart
        symbol = self._chart_request[0] if self._chart_request else chart.symbol
        if hasattr(chart, "show_loading"):
            chart.show_loading(interval)
        self.load_chart(symbol or self.ctx.settings.symbol, Interval(interval))

    def _mark_chart_fills(self, symbol: str) -> None:
        chart = self.window.chart
        chart.clear_markers()
        for fill in self.window.fills.rows:
            if fill.symbol == symbol:
                chart.add_fill_marker(fill.time, fill.side.value, fill.price)
        self._show_chart_position()

    def _show_chart_position(self) -> None:
        """The chart symbol's average cost, size and unrealized P&L (from the portfolio)."""
        chart = self.window.chart
        if not hasattr(chart, "set_position"):
            return
        symbol = getattr(chart, "symbol", None)
        view = next((p for p in self.window.positions.rows if p.symbol == symbol), None)
        if view is None:
            position = self.ctx.portfolio.get_position(symbol) if symbol else None
            chart.set_position(position.average_cost if position else None,
                               position.quantity if position else None)  # fmt: skip
            return
        chart.set_position(view.average_cost, view.quantity, view.unrealized_pnl)

    def _chart_wants(self, bar: Bar) -> bool:
        chart = self.window.chart
        return (hasattr(chart, "update_bar") and bar.symbol == getattr(chart, "symbol", None)
                and bar.interval == getattr(chart, "interval", None))  # fmt: skip

    def _on_forming(self, bars: dict[str, Bar]) -> None:
        for bar in bars.values():
            if self._chart_wants(bar):
                self.window.chart.update_bar(bar)

    def _on_bar_closed(self, bar: Bar) -> None:
        if self._chart_wants(bar):
            self.window.chart.close_bar(bar)

    def _on_quotes(self, quotes: dict[str, Quote]) -> None:
        self.window.ticket.on_quotes(quotes)

    # --- portfolio, orders ---
    def refresh_positions(self) -> None:
        self.window.positions.replace_all(self.ctx.portfolio.positions())
        self._show_chart_position()

    def _on_order(self, event: Any) -> None:
        self.window.orders.upsert(event.order)
        if event.order.request.source is OrderSource.BOT:
            self._bot_denial = None  # the bot got an order through: its next denial is news
        chart = self.window.chart
        if hasattr(chart, "upsert_order"):
            chart.upsert_order(event.order)

    def _on_trade(self, event: TradeCompleted) -> None:
        fill = event.fill
        self.window.fills.upsert(fill)
        self.window.account.on_trade(event)
        chart = self.window.chart
        if hasattr(chart, "add_fill_marker") and fill.symbol == getattr(chart, "symbol", None):
            chart.add_fill_marker(fill.time, fill.side.value, fill.price)
            self._show_chart_position()
        verb = "Bought" if fill.side is Side.BUY else "Sold"
        pnl = ""
        if event.realized_pnl is not None:
            pnl = f" · P&L {signed_money(event.realized_pnl)}"
        self.window.notifier.notify(
            "Order filled", f"{verb} {fill.quantity.normalize():f} {fill.symbol} @ "
            f"${fill.price:,.2f}{pnl}",
        )  # fmt: skip

    def _on_denied(self, event: OrderDenied) -> None:
        """A toast for every denied click; for the bot, once per reason (its orders table row
        and the log line still show each one)."""
        request = event.request
        repeated = request.source is OrderSource.BOT and event.reason == self._bot_denial
        if request.source is OrderSource.BOT:
            self._bot_denial = event.reason
        if not repeated:
            self.window.notifier.notify(
                "Order denied",
                f"{request.side.value.upper()} {request.symbol}: {event.reason}",
                error=True,
            )
        if event.client_order_id:
            order = self.ctx.execution.get_order(event.client_order_id)
            if order is not None:
                self.window.orders.upsert(order)

    def _on_decision(self, event: DecisionMade) -> None:
        if event.signal is not None:
            apply_decision(self.window.signals, event.signal, event.outcome, event.reason)

    def _on_account(self, account: Account) -> None:
        self.account = account
        self.window.status.set_account(account.equity, account.buying_power)
        self.window.ticket.set_buying_power(account.buying_power)
        self.window.pdt.refresh()  # Robinhood's own day-trade count comes with the account

    def _on_state(self, event: StateEvent) -> None:
        self.window.bot.set_trading_state(event.state, event.reason)
        if event.state is TradingState.HALTED:
            self.window.notifier.notify("Trading halted", event.reason or "kill switch", error=True)
        elif event.state is TradingState.ACTIVE:
            self.window.ticket.clear_messages()  # "Denied: trading is halted" no longer holds

    def _on_health(self, event: HealthChanged) -> None:
        self.window.status.set_health(event.service, event.state, event.reason)

    # --- commands ---
    def cancel_order(self, client_order_id: str) -> None:
        schedule(lambda: self.ctx.execution.cancel(client_order_id),
                 lambda order: self.window.orders.upsert(order))  # fmt: skip

    def limit_from_chart(self, side: Side, price: Decimal) -> None:
        """A right click on the chart: the ticket takes the limit and sends it after its
        own checks and confirmation, exactly as if the user had filled it in."""
        chart = self.window.chart
        ticket = self.window.ticket
        if getattr(chart, "symbol", "") and ticket.symbol != chart.symbol:
            ticket.set_symbol(chart.symbol)
        ticket.prefill_limit(price)
        ticket.submit(side)

    def close_position(self, symbol: str) -> None:
        schedule(lambda: self.ctx.controls.close_position(symbol))

    def cancel_all(self) -> None:
        """Cancel every open order (the Cancel all hotkey); trading stays on."""

        def done(cancelled: Any) -> None:
            for order in cancelled or []:
                self.window.orders.upsert(order)

        schedule(lambda: self.ctx.controls.cancel_all(), done)

    def flatten_selected(self) -> None:
        """Sell the whole position selected in the positions table, once the user confirms."""
        w = self.window
        symbol = w.selected_position()
        position = self.ctx.portfolio.get_position(symbol) if symbol else None
        if symbol is None or position is None:
            w.statusBar().showMessage("Flatten: select a position in the Positions table first",
                                      8000)  # fmt: skip
            return
        question = (f"Flatten {symbol}: sell all {position.quantity.normalize():f} shares "
                    "at market?")  # fmt: skip
        if not w.ticket.confirm(question):
            w.statusBar().showMessage(f"Flatten {symbol}: not sent", 8000)
            return
        self.close_position(symbol)

    def set_bot(self, enabled: bool) -> None:
        bot = self.ctx.bot
        schedule(lambda: bot.set_enabled(enabled),
                 lambda _r: self.window.bot.set_bot_running(bool(bot.enabled)))  # fmt: skip

    def kill_switch(self) -> None:
        log.warning("kill switch pressed")

        def done(cancelled: Any) -> None:
            for order in cancelled or []:
                self.window.orders.upsert(order)
            self.window.bot.set_trading_state(self.ctx.risk.state, "kill switch")
            self.window.bot.set_bot_running(bool(self.ctx.bot.enabled))

        schedule(lambda: self.ctx.controls.kill_switch(flatten=False), done)

    def resume(self) -> None:
        schedule(lambda: self.ctx.controls.resume(),
                 lambda _r: self.window.bot.set_trading_state(self.ctx.risk.state, ""))  # fmt: skip

    def apply_settings(self, settings: Settings) -> None:
        """Hand new settings to every service that can take them at run time."""
        try:
            self.ctx.settings = settings
        except AttributeError:
            log.warning("the app context keeps its settings read-only")
        for service in self._services():
            update = getattr(service, "update_settings", None)
            if update is not None:
                schedule(functools.partial(update, settings))
        if self.watchlist is not None:  # WATCHLIST may have changed in the settings dialog
            self.watchlist.follow(settings.watchlist_symbols)
        chart = self.window.chart
        if hasattr(chart, "set_indicator_params"):
            chart.set_indicator_params(settings.rsi_period,
                                       (settings.rsi_oversold, settings.rsi_overbought),
                                       (settings.macd_fast, settings.macd_slow,
                                        settings.macd_signal))  # fmt: skip
        self.window.bot.set_settings(settings)
        self.window.ticket.confirm_box.setChecked(settings.confirm_before_sending)
        self.set_theme(str(settings.theme.value))

    def set_bot_symbols(self, text: str) -> None:
        """The bot panel's change of BOT_SYMBOLS: every symbol checked with market data (an
        unknown one is refused with a message), then applied and saved."""
        from app.storage.settings_store import save_settings

        try:
            settings = self.ctx.settings.replace(bot_symbols=text)
            for entry in settings.bot_plan():
                self.ctx.market_data.check_symbol(entry.symbol)
        except SherwoodError as exc:
            self.window.bot.show_error(str(exc))
            return
        save_settings(self.ctx.db, {"BOT_SYMBOLS": text})
        self.apply_settings(settings)

    def open_settings(self) -> None:
        from app.storage.settings_store import save_settings
        from app.ui.settings_dialog import SettingsDialog

        saver = functools.partial(save_settings, self.ctx.db)
        dialog = SettingsDialog(self.ctx.settings, saver=saver, parent=self.window)
        dialog.applied.connect(self.apply_settings)
        dialog.open()

    def set_theme(self, name: str) -> None:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, name)
            self.window.restyle_chart()  # the chart draws in its own colours
            self.window.account.restyle()


async def _maybe(value: Any) -> Any:
    import inspect

    return await value if inspect.isawaitable(value) else value
