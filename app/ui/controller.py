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
from typing import Any

from app.config import Settings
from app.core.events import DecisionMade, HealthChanged, OrderDenied, TradeCompleted
from app.core.events import TradingStateChanged as StateEvent
from app.core.models import Account, Bar, Interval, Quote, Side, TradingState
from app.ui import theme
from app.ui.bridge import Bridge, schedule
from app.ui.main_window import MainWindow
from app.ui.tables.base import signed_money
from app.ui.tables.models import SignalRow, apply_decision

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
        w = window
        b = self.bridge
        b.quotes.connect(self._on_quotes)
        b.formingBars.connect(self._on_forming)
        b.barClosed.connect(self._on_bar_closed)
        b.orderChanged.connect(lambda event: w.orders.upsert(event.order))
        b.orderDenied.connect(self._on_denied)
        b.tradeCompleted.connect(self._on_trade)
        b.positionsChanged.connect(self.refresh_positions)
        b.signalGenerated.connect(lambda s: w.signals.upsert(SignalRow(s)))
        b.decisionMade.connect(self._on_decision)
        b.accountUpdated.connect(self._on_account)
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
        w.bot.settingsChanged.connect(self.apply_settings)
        w.actions_["settings"].triggered.connect(self.open_settings)
        w.actions_["theme_dark"].triggered.connect(lambda: self.set_theme("dark"))
        w.actions_["theme_light"].triggered.connect(lambda: self.set_theme("light"))
        w.chartInstalled.connect(self.bind_chart)

    # --- start-up ---
    def start(self) -> None:
        """Subscribe to the bus and load the current state into every pane."""
        logging.getLogger().addHandler(self.window.log_handler)
        self.bridge.start()
        ex = self.ctx.execution
        for order in reversed(ex.orders(200)):
            self.window.orders.upsert(order)
        for fill in reversed(ex.fills(200)):
            self.window.fills.upsert(fill)
        self.refresh_positions()
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
        self.load_chart(self.ctx.settings.symbol)

    def stop(self) -> None:
        self.bridge.stop()
        logging.getLogger().removeHandler(self.window.log_handler)

    def _services(self) -> list[Any]:
        names = ("market_data", "strategy", "risk", "compliance", "portfolio", "execution",
                 "bot", "audit")  # fmt: skip
        return [s for s in (getattr(self.ctx, n, None) for n in names) if s is not None]

    # --- market data ---
    def _chart_interval(self) -> Interval:
        chart = self.window.chart
        if not len(getattr(chart, "series", ())):  # nothing shown yet: the bot's bars
            return self.ctx.settings.bar_interval
        interval = getattr(chart, "interval", None)
        try:
            return Interval(interval) if interval else self.ctx.settings.bar_interval
        except ValueError:
            return self.ctx.settings.bar_interval

    def load_chart(self, symbol: str) -> None:
        chart = self.window.chart
        if not hasattr(chart, "set_bars"):
            return
        interval = self._chart_interval()
        md = self.ctx.market_data

        async def load() -> None:
            await _maybe(md.watch(symbol))
            bars = await _maybe(md.historical_bars(symbol, interval, HISTORY_BARS))
            chart.set_bars(symbol, interval, list(bars))
            forming = getattr(md, "forming_bar", None)
            bar = forming(symbol, interval) if forming is not None else None
            if isinstance(bar, Bar):
                chart.update_bar(bar)
            self._mark_chart_fills(symbol)
            self.window.ticket.set_symbol(symbol)

        schedule(load, None, lambda exc: chart.set_symbol_error(str(exc)))

    def _on_interval(self, interval: str) -> None:
        chart = self.window.chart
        track = getattr(self.ctx.market_data, "track_interval", None)
        if track is not None:
            schedule(lambda: track(chart.symbol, Interval(interval)))
        self.load_chart(chart.symbol)

    def _mark_chart_fills(self, symbol: str) -> None:
        chart = self.window.chart
        chart.clear_markers()
        for fill in self.window.fills.rows:
            if fill.symbol == symbol:
                chart.add_fill_marker(fill.time, fill.side.value, fill.price)
        position = self.ctx.portfolio.get_position(symbol)
        chart.set_average_cost(position.average_cost if position else None)

    def _chart_wants(self, bar: Bar) -> bool:
        chart = self.window.chart
        return (hasattr(chart, "update_bar") and bar.symbol == getattr(chart, "symbol", None)
                and bar.interval == self._chart_interval())  # fmt: skip

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

    def _on_trade(self, event: TradeCompleted) -> None:
        fill = event.fill
        self.window.fills.upsert(fill)
        chart = self.window.chart
        if hasattr(chart, "add_fill_marker") and fill.symbol == getattr(chart, "symbol", None):
            chart.add_fill_marker(fill.time, fill.side.value, fill.price)
            position = self.ctx.portfolio.get_position(fill.symbol)
            chart.set_average_cost(position.average_cost if position else None)
        verb = "Bought" if fill.side is Side.BUY else "Sold"
        pnl = ""
        if event.realized_pnl is not None:
            pnl = f" · P&L {signed_money(event.realized_pnl)}"
        self.window.notifier.notify(
            "Order filled", f"{verb} {fill.quantity.normalize():f} {fill.symbol} @ "
            f"${fill.price:,.2f}{pnl}",
        )  # fmt: skip

    def _on_denied(self, event: OrderDenied) -> None:
        request = event.request
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

    def close_position(self, symbol: str) -> None:
        schedule(lambda: self.ctx.controls.close_position(symbol))

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
        chart = self.window.chart
        if hasattr(chart, "set_indicator_params"):
            chart.set_indicator_params(settings.rsi_period,
                                       (settings.rsi_oversold, settings.rsi_overbought),
                                       (settings.macd_fast, settings.macd_slow,
                                        settings.macd_signal))  # fmt: skip
        self.window.bot.settings = settings
        self.window.ticket.confirm_box.setChecked(settings.confirm_before_sending)
        self.set_theme(str(settings.theme.value))

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


async def _maybe(value: Any) -> Any:
    import inspect

    return await value if inspect.isawaitable(value) else value
