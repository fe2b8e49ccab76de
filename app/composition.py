"""The composition root: builds every object in a fixed order, starts and stops them.

Only this module wires objects together. ``build_app`` creates; nothing runs
until ``await ctx.start()``: the database is opened, the audit trail
subscribes first (so it records everything after), then market data,
portfolio, compliance, risk, strategy and execution start (market data runs
the feed; execution connects the broker and reconciles the journal), and
finally the periodic account refresh / equity snapshot loop runs. ``stop``
undoes it in reverse order and closes the database.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from peewee import SqliteDatabase

from app import paths
from app.api.ports import Backends
from app.api.server import ApiServer
from app.audit import AuditTrail
from app.bot.autotrader import AutoTrader
from app.brokers.account import AccountCache
from app.brokers.base import Broker
from app.brokers.paper import PaperBroker
from app.brokers.paper_store import PaperStore
from app.brokers.robinhood import Reader, build_robinhood_broker
from app.brokers.robinhood.api import RobinhoodApi
from app.compliance.service import ComplianceService
from app.compliance.store import ComplianceStore
from app.config import Mode, Settings
from app.core.bus import EventBus
from app.core.clock import Clock, LiveClock, SimulatedClock
from app.core.errors import UnknownSymbol
from app.core.service import Service
from app.core.tasks import cancel_and_wait
from app.execution.control import TradingControls
from app.execution.journal import Journal
from app.execution.reconcile import ReconcileSchedule
from app.execution.service import ExecutionService
from app.gateway.catch_up import SessionCatchUp
from app.gateway.events import LoggedIn
from app.gateway.factory import build_gateway
from app.gateway.pause import SessionPause
from app.gateway.service import GatewayService
from app.marketdata.cache import BarCache
from app.marketdata.feeds.base import Feed
from app.marketdata.feeds.factory import build_feed
from app.marketdata.service import MarketDataService
from app.portfolio.service import PortfolioService
from app.portfolio.store import PortfolioStore
from app.risk.service import RiskService
from app.storage.backup import DailyBackup
from app.storage.db import database_path, open_database
from app.storage.health import StorageGuard, require_space
from app.storage.state_store import StateStore
from app.strategy.base import StrategyRegistry
from app.strategy.engine import StrategyEngine

log = logging.getLogger("sherwood.app")

ACCOUNT_REFRESH_SECONDS = 15.0  # clock seconds between balance refreshes
EQUITY_SNAPSHOT_EVERY = 4  # refreshes between equity snapshots (one a minute)


@dataclass
class AppContext:
    """Everything the app is made of, in start order."""

    settings: Settings
    data_dir: Path
    clock: Clock
    bus: EventBus
    db: SqliteDatabase
    feed: Feed
    market_data: MarketDataService
    strategy: StrategyEngine
    risk: RiskService
    compliance: ComplianceService
    portfolio: PortfolioService
    broker: Broker
    accounts: AccountCache
    execution: ExecutionService
    bot: AutoTrader
    controls: TradingControls
    audit: AuditTrail
    storage: StorageGuard | None = None  # a database file's disk; None in memory
    backups: DailyBackup | None = None
    refresh_seconds: float = ACCOUNT_REFRESH_SECONDS
    api: ApiServer | None = None  # the HTTP API, when API_ENABLED (see app.api)
    gateway: GatewayService | None = None  # the Robinhood session (live mode)
    session_pause: SessionPause | None = None  # live: trading paused while there is no session
    session_catch_up: SessionCatchUp | None = None  # live: a login fetches what was missed
    reconciling: ReconcileSchedule | None = None  # every RECONCILE_MINUTES and after a login
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    _started: list[Service] = field(default_factory=list)
    _broker_open: bool = False

    def services(self) -> list[Service]:
        """Services in start order."""
        started = [
            self.audit, self.market_data, self.portfolio, self.compliance, self.risk,
            self.strategy, self.execution, self.bot,
        ]  # fmt: skip
        return started + ([self.storage] if self.storage is not None else [])

    async def start(self) -> None:
        try:
            if self.gateway is not None:  # the session (from the keyring) before the broker
                await self.gateway.start()
            self._broker_open = True
            await self.execution.attach_broker()  # the broker hears every quote first
            await self.accounts.refresh()  # balances before compliance loads its ledger
            for service in self.services():
                await service.start()
                self._started.append(service)
            self.controls.start()
            if self.gateway is not None and self.session_pause is not None:
                await self.session_pause.follow(self.gateway.status)  # the state is loaded now
            if self.gateway is not None and self.session_catch_up is not None:
                await self.session_catch_up.follow(self.gateway.status)
            await self.accounts.refresh()
            await self.market_data.watch(self.settings.symbol)  # market data runs the feed
            for symbol in self.settings.watchlist_symbols:  # the watchlist quotes from the start
                try:
                    await self.market_data.watch(symbol)
                except UnknownSymbol as exc:
                    log.warning("watchlist: %s", exc)
            self._back_up()
            self._spawn(self._refresh_loop(), "account refresh")
            if self.reconciling is not None:
                self._spawn(self.reconciling.run(), "reconciliation")
            if self.settings.api_enabled:
                self.api = api_server(self)
                await self.api.start()
        except BaseException:
            await self.stop()
            raise
        log.info(
            "Sherwood started: %s mode, %s, data in %s", self.settings.mode.value,
            ", ".join(f"{e.strategy.value} on {e.symbol}" for e in self.settings.bot_plan()),
            self.data_dir,
        )  # fmt: skip

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        task.add_done_callback(_report_crash)
        self._tasks.append(task)

    def _back_up(self) -> None:
        """Today's backup of the database, once a day by the machine's date (not the
        simulated clock's, which may run a day in a minute)."""
        if self.backups is not None:
            self.backups.run(datetime.now().date())

    async def _refresh_loop(self) -> None:
        count = 0
        while True:
            await self.clock.sleep(self.refresh_seconds)
            try:  # one failed round (a full disk, a broker error) must not end the loop
                account = await self.accounts.refresh()
                await self.execution.resolve_unknown()
                count += 1
                if account is not None and count % EQUITY_SNAPSHOT_EVERY == 0:
                    await self.portfolio.snapshot_equity(account)
                self._back_up()
            except Exception:
                log.exception("account refresh failed; retrying in %g s", self.refresh_seconds)

    async def stop(self) -> None:
        if self.api is not None:
            await self.api.stop()
            self.api = None
        self.controls.stop()
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(t for t in tasks if not t.done())  # a crash was reported then
        for service in reversed(self._started):
            try:
                await service.stop()
            except Exception:
                log.exception("stopping %s failed", service.name)
        self._started.clear()
        if self._broker_open:
            try:
                await self.broker.close()
            except Exception:
                log.exception("closing the broker failed")
            self._broker_open = False
        if self.gateway is not None:
            await self.gateway.stop()
        await self.bus.flush()
        if not self.db.is_closed():
            self.db.close()
        log.info("Sherwood stopped")


def api_server(ctx: AppContext) -> ApiServer:
    """The HTTP API over the app's services, the same public methods the window uses."""
    s = ctx.settings
    backends = Backends(
        mode=s.mode.value, default_symbol=s.symbol, bar_interval=s.bar_interval,
        market=ctx.market_data, strategies=ctx.strategy, orders=ctx.execution, risk=ctx.risk,
        compliance=ctx.compliance, portfolio=ctx.portfolio, account=ctx.accounts.current_account,
        health=lambda: {service.name: service.health for service in ctx.services()},
        session=ctx.gateway,  # the Robinhood session, where the app has one
    )  # fmt: skip
    return ApiServer(
        backends, ctx.bus, ctx.data_dir, port=s.api_port, cors_origins=s.api_cors_origins.split(",")
    )


def _report_crash(task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("background task %s crashed", task.get_name(), exc_info=exc)


def default_clock(settings: Settings) -> Clock:
    """The wall clock at speed 1; a simulated clock running ``sim_speed`` times faster otherwise."""
    if settings.sim_speed == 1:
        return LiveClock()
    return SimulatedClock(LiveClock().now(), speed=settings.sim_speed)


def build_app(
    settings: Settings,
    *,
    data_dir: str | Path | None = None,
    clock: Clock | None = None,
    bus: EventBus | None = None,
    feed: Feed | None = None,
    bar_store: bool = True,
    database: str | Path | None = None,
    strategies: StrategyRegistry | None = None,
) -> AppContext:
    """Wire the whole app (nothing runs until ``start``).

    Live mode: the Robinhood gateway (its session restored from the keyring on
    start), the Robinhood broker and feed on it; nothing else differs.

    ``database`` overrides the mode's database file; a backtest or replay passes
    ``":memory:"`` so that its simulated orders never mix with the paper account.
    ``strategies`` replaces the built-in strategy registry (a backtest plays back
    the signals it computed up front).
    """
    folder = paths.data_dir(data_dir)
    path = database or database_path(folder, settings.mode.value)
    on_disk = str(path) != ":memory:"
    if on_disk:
        require_space(folder)
    db = open_database(path, power_safe=settings.mode is Mode.LIVE)  # see its docstring
    clock = clock or default_clock(settings)
    bus = bus or EventBus()
    gateway = None
    if settings.mode is Mode.LIVE:
        gateway = build_gateway(bus, clock, settings.robinhood_api_url)
        reader = Reader(gateway, RobinhoodApi(gateway.client.session))
        recorded = BarCache(db).load  # 1-minute history: the bars built here before
        feed = feed or build_feed(settings, clock, reader=reader, recorded=recorded)
    feed = feed or build_feed(settings, clock, origin_store=StateStore(db))  # continued
    market_data = MarketDataService(bus, clock, feed, settings, bar_store=db if bar_store else None)
    portfolio = PortfolioService(bus, clock, market_data, PortfolioStore(db))
    broker: Broker = (
        PaperBroker(bus, clock, settings, feed.session_at, PaperStore(db))
        if gateway is None
        else build_robinhood_broker(gateway, gateway.client.session, clock)
    )
    accounts = AccountCache(bus, clock, broker)
    compliance = ComplianceService(bus, clock, settings, accounts, ComplianceStore(db))
    risk = RiskService(bus, clock, settings, market_data, portfolio, StateStore(db))
    pause = SessionPause(bus, risk) if gateway is not None else None
    strategy = StrategyEngine(bus, clock, market_data, settings, strategies)
    execution = ExecutionService(
        bus, clock, broker, Journal(db), risk, compliance, portfolio, market_data
    )
    bot = AutoTrader(bus, clock, settings, execution, portfolio, market_data, feed.session_at)
    controls = TradingControls(bus, clock, execution, portfolio, risk)
    audit = AuditTrail(bus, clock, db)
    reconciling = ReconcileSchedule(
        clock, execution.reconcile, timedelta(minutes=settings.reconcile_minutes)
    )
    bus.subscribe(LoggedIn, lambda _event: reconciling.request())  # a (re)login: reconcile now
    storage = StorageGuard(bus, clock, db, folder, risk) if on_disk else None
    catch_up = None
    if gateway is not None:

        async def after_login() -> None:  # what failed while there was no session
            market_data.clear_cache()  # history: asked of Robinhood again
            strategy.update_settings(strategy.settings)  # strategies warm again from it
            await accounts.refresh()

        catch_up = SessionCatchUp(bus, after_login)
    return AppContext(
        settings=settings, data_dir=folder, clock=clock, bus=bus, db=db, feed=feed,
        market_data=market_data, strategy=strategy, risk=risk, compliance=compliance,
        portfolio=portfolio, broker=broker, accounts=accounts, execution=execution, bot=bot,
        controls=controls, audit=audit, storage=storage,
        backups=DailyBackup(path) if on_disk else None, gateway=gateway, session_pause=pause,
        reconciling=reconciling, session_catch_up=catch_up,
    )  # fmt: skip
