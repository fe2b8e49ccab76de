"""The headless runner: the whole app on a plain asyncio loop, no window.

``sherwood --headless`` builds the app on a simulated clock running
``--speed`` times faster than real time, enables the bot (on every symbol of
``BOT_SYMBOLS``, each with its strategy, as in the window), logs the event flow
(signals, decisions, orders, fills, denials) and runs for ``--run-for`` wall
seconds or until SIGINT/SIGTERM; then it stops everything cleanly and writes
a summary to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

from app.composition import AppContext, build_app
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import LiveClock, SimulatedClock
from app.core.events import (
    DecisionMade,
    OrderCancelled,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderSubmitted,
    SignalGenerated,
    TradingStateChanged,
)
from app.core.models import describe
from app.core.money import round_money
from app.logging_setup import setup_logging
from app.paths import data_dir

log = logging.getLogger("sherwood.flow")

EXIT_STORAGE = 5  # app.cli.exits.STORAGE: trading had to pause because the disk was full
EXIT_NOT_LOGGED_IN = 4  # app.cli.exits.NOT_LOGGED_IN: live mode without a Robinhood session


class FlowLog:
    """Logs the event flow at INFO and counts what happened in this run."""

    def __init__(self, bus: EventBus) -> None:
        self.signals = 0
        self.fills = 0
        self.orders: dict[str, str] = {}  # client id -> last status seen this run
        self.denials: Counter[str] = Counter()
        self.decisions: Counter[str] = Counter()
        bus.subscribe(SignalGenerated, self._signal)
        bus.subscribe(DecisionMade, self._decision)
        bus.subscribe(OrderEvent, self._order)
        bus.subscribe(OrderDenied, self._denied)
        bus.subscribe(TradingStateChanged, self._state)

    def _signal(self, event: SignalGenerated) -> None:
        self.signals += 1
        s = event.signal
        log.info("signal %s %s %s at %s", s.strategy, s.action.value, s.symbol, s.price)

    def _decision(self, event: DecisionMade) -> None:
        self.decisions[event.outcome] += 1
        log.info("decision %s %s: %s", event.symbol, event.outcome, event.reason)

    def _order(self, event: OrderEvent) -> None:
        order = event.order
        self.orders[order.client_order_id] = order.status.value
        if isinstance(event, OrderFilled | OrderPartiallyFilled):
            self.fills += 1
            fill = event.fill
            log.info("fill %s %s %s @ %s", fill.side.value, fill.quantity, fill.symbol, fill.price)
        elif isinstance(event, OrderSubmitted):
            log.info("order submitted %s (%s)", describe(order), order.request.source.value)
        elif isinstance(event, OrderRejected | OrderCancelled):
            log.info("order %s %s: %s", describe(order), order.status.value, order.reason)

    def _denied(self, event: OrderDenied) -> None:
        self.denials[f"{event.source}: {event.reason}"] += 1
        self.orders[event.client_order_id or str(id(event))] = "denied"
        log.info("order denied %s: %s: %s", describe(event.request), event.source, event.reason)

    def _state(self, event: TradingStateChanged) -> None:
        log.warning("trading state %s -> %s: %s", event.previous.value, event.state.value,
                    event.reason)  # fmt: skip


def _money(value: Decimal) -> str:
    rounded = round_money(value)
    return f"-${-rounded}" if rounded < 0 else f"${rounded}"


def summary_lines(ctx: AppContext, flow: FlowLog, wall: float, simulated: float) -> list[str]:
    statuses = Counter(flow.orders.values())
    by_status = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) or "none"
    pnl = ctx.portfolio.pnl()
    pdt = ctx.compliance.status()
    journal = ctx.execution.store.journal
    denials = sum(flow.denials.values())
    bot = ", ".join(f"{e.strategy.value} on {e.symbol}" for e in ctx.settings.bot_plan())
    lines = [
        f"Sherwood headless summary: {ctx.settings.mode.value} mode, {bot}, "
        f"{wall:.1f} s wall = {simulated / 60:.1f} min simulated",
        f"signals: {flow.signals}",
        f"orders: {len(flow.orders)} ({by_status})",
        f"fills: {flow.fills}",
        f"realized P&L: {_money(pnl.realized)} (today {_money(pnl.realized_today)})",
        f"unrealized P&L: {_money(pnl.unrealized)}",
        f"day trades used: {pdt.used} of {pdt.limit}",
        f"denials: {denials}",
    ]
    for reason, count in flow.denials.most_common():
        lines.append(f"  {count} x {reason}")
    lines.append(
        f"journal totals: {sum(journal.status_counts().values())} orders, "
        f"{journal.fill_count()} fills, {len(ctx.execution.open_orders())} open"
    )
    return lines


async def run_app(
    settings: Settings, folder: str | None, run_for: float | None, database: Path | None = None
) -> tuple[list[str], int]:
    """Run until ``run_for`` wall seconds pass or a signal comes; the summary and exit code
    (:data:`EXIT_STORAGE` when trading had to pause for a full disk)."""
    clock = SimulatedClock(LiveClock().now(), speed=settings.sim_speed)
    ctx = build_app(settings, data_dir=folder, clock=clock, database=database)
    flow = FlowLog(ctx.bus)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    started_wall = loop.time()
    started_sim = clock.now()
    try:
        await ctx.start()
        if ctx.gateway is not None and not ctx.gateway.has_session:
            sys.stderr.write("sherwood: not logged in to Robinhood; run `sherwood login` first\n")
            return [], EXIT_NOT_LOGGED_IN
        await ctx.bot.set_enabled(True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=run_for)
        if stop.is_set():
            log.info("signal received: stopping")
        await ctx.bus.flush()
        wall = loop.time() - started_wall
        simulated = (clock.now() - started_sim).total_seconds()
        lines = summary_lines(ctx, flow, wall, simulated)
        pauses = ctx.storage.pauses if ctx.storage is not None else 0
        if pauses:
            lines.append(f"storage: trading paused {pauses} time(s) because the disk was full")
            return lines, EXIT_STORAGE
        return lines, 0
    finally:
        await ctx.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def run_headless(
    args: argparse.Namespace, settings: Settings | None = None, *, database: Path | None = None
) -> int:
    """Run the app without a window; returns the process exit code.

    ``database`` replaces the mode's database (a scratch account for runs faster than real
    time, see :func:`app.__main__.is_demo_run`).
    """
    settings = settings or Settings()
    folder = data_dir(getattr(args, "data_dir", None))
    setup_logging(folder, getattr(args, "log_level", None) or settings.log_level)
    lines, code = asyncio.run(
        run_app(settings, str(folder), getattr(args, "run_for", None), database)
    )
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    return code
