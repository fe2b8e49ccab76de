"""GUI event-loop lag and memory of the terminal watching 50 symbols, beside a bare PySide6 window.

Run ``python bench/ui_lag.py`` from the repo root (offscreen unless QT_QPA_PLATFORM
is set); ``--minutes 1`` for a short run (default 10), ``--symbols`` and ``--speed``
to change the load.

A 10 ms ``QTimer`` runs on the qasync loop; its lateness (time between ticks
minus 10 ms) is what a user feels as a sluggish window. Measured in the same
process: (1) a bare ``QMainWindow`` with nothing else running (the floor of this
machine and Qt), for ``--bare-seconds``; (2) the real terminal, started as
``sherwood`` starts it (window shell, services, docks, chart), with ``--symbols``
symbols in the watchlist on the simulated market, each quoting every
``--quote-interval`` seconds (0.1: ten times a second; 50 symbols are 500 quotes a
second through market data, the bus, the broker, the portfolio and the watchlist)
on a clock at ``--speed`` (1: real time, so bars close once a minute, as they do
live), for ``--minutes``. The process's resident memory (RSS) is sampled
every 5 s during (2); its slope after the first minute (the warm-up: history
loads, caches fill) says whether memory is flat. Printed: p50/p99/max lag of
both, their ratios, the quote rate, the watchlist's repaints a second, and
RSS at start/end with the slope.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil
import qasync
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from app.config import Settings
from app.core.clock import SimulatedClock
from app.core.events import PriceUpdated

TICK_MS = 10
RSS_EVERY = 5.0  # seconds between memory samples
WARM_UP = 60.0  # seconds of the terminal run left out of the memory slope
START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in New York
WINDOW = (1600, 1000)
# Fifty tickers (TQQQ, the traded symbol, first); the simulated market quotes any of them.
TICKERS = [
    "TQQQ", "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "AMD", "NFLX",
    "SPY", "QQQ", "IWM", "DIA", "INTC", "CSCO", "ORCL", "CRM", "ADBE", "AVGO",
    "QCOM", "TXN", "MU", "AMAT", "LRCX", "KLAC", "MRVL", "SHOP", "UBER", "ABNB",
    "PYPL", "SQ", "COIN", "PLTR", "SNOW", "NET", "DDOG", "CRWD", "ZS", "PANW",
    "JPM", "BAC", "WFC", "GS", "MS", "C", "XOM", "CVX", "KO", "PEP",
]  # fmt: skip


@dataclass
class Run:
    lag: list[float]
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)
    quotes: int = 0
    repaints: int = 0
    seconds: float = 0.0


async def lateness(seconds: float) -> list[float]:
    """Lateness of a 10 ms QTimer's ticks over ``seconds``, in ms. The samples go into an
    array allocated up front, so that recording them adds nothing to the memory measured."""
    samples = array("d", bytes(8 * (int(seconds * 1000 / TICK_MS) + 1000)))
    count = 0
    last = [time.perf_counter()]

    def tick() -> None:
        nonlocal count
        now = time.perf_counter()
        if count < len(samples):
            samples[count] = max(0.0, (now - last[0]) * 1000 - TICK_MS)
            count += 1
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    last[0] = time.perf_counter()
    timer.start()
    await asyncio.sleep(seconds)
    timer.stop()
    return samples[:count].tolist()


async def bare_window(seconds: float) -> Run:
    window = QMainWindow()
    window.resize(*WINDOW)
    window.show()
    try:
        return Run(await lateness(seconds), seconds=seconds)
    finally:
        window.close()


async def sample_rss(into: list[tuple[float, float]], began: float) -> None:
    process = psutil.Process()
    while True:
        into.append((time.monotonic() - began, process.memory_info().rss / 1e6))
        await asyncio.sleep(RSS_EVERY)


async def terminal(seconds: float, symbols: int, speed: float, quote_interval: float) -> Run:
    """The terminal as ``sherwood`` starts it, watching ``symbols`` symbols."""
    from app.composition import build_app
    from app.marketdata.feeds.simulated import SimulatedFeed
    from app.ui.controller import Controller
    from app.ui.main_window import MainWindow

    watched = TICKERS[:symbols]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings().replace(log_level="ERROR", watchlist=",".join(watched))
        qsettings = QSettings(str(Path(folder) / "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, qsettings=qsettings,
                            confirm_order=lambda _t: True, ask_close=lambda _t: True,
                            use_tray=False)  # fmt: skip
        window.resize(*WINDOW)
        window.show()
        clock = SimulatedClock(START, speed=speed)
        feed = SimulatedFeed(
            clock, seed=settings.sim_seed, start_price=settings.sim_start_price,
            quote_interval=quote_interval, primary_symbol=settings.symbol,
        )  # fmt: skip
        ctx = build_app(settings, data_dir=Path(folder), clock=clock, feed=feed)
        await ctx.start()
        window.attach(ctx)
        controller = Controller(window, ctx)
        controller.start()
        window.install_chart()
        counts = {"quotes": 0, "repaints": 0}

        def on_price(_event: PriceUpdated) -> None:
            counts["quotes"] += 1

        def on_repaint(*_args: object) -> None:
            counts["repaints"] += 1

        subscription = ctx.bus.subscribe(PriceUpdated, on_price)
        window.watchlist.model.dataChanged.connect(on_repaint)
        model = window.watchlist.model
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(r.quote and r.prev_close for r in model.rows):
            await asyncio.sleep(0.1)  # every row quoted and its day loaded: the watchlist is live
        run = Run([], seconds=seconds)
        counts["quotes"] = counts["repaints"] = 0
        sampler = asyncio.ensure_future(sample_rss(run.rss_mb, time.monotonic()))
        try:
            run.lag = await lateness(seconds)
        finally:
            sampler.cancel()
            run.quotes, run.repaints = counts["quotes"], counts["repaints"]
            subscription.cancel()
            controller.stop()
            window.close()
            await ctx.stop()
    return run


def summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[max(int(len(ordered) * 0.99) - 1, 0)], ordered[-1]


def slope_mb_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS over time, MB a minute (0 with fewer than two points)."""
    if len(points) < 2:
        return 0.0
    return statistics.linear_regression([t for t, _ in points], [m for _, m in points]).slope * 60


def after_warm_up(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The samples after the warm-up (the last two thirds when the run is short)."""
    kept = [p for p in points if p[0] >= WARM_UP]
    return kept if len(kept) >= 3 else points[len(points) // 3 :]


def report(args: argparse.Namespace, bare: Run, full: Run) -> str:
    name = f"terminal, {args.symbols} symbols every {args.quote_interval:g} s at {args.speed:g}x"
    out = [f"GUI event-loop lag, 10 ms QTimer, ms (bare {bare.seconds:.0f} s, "
           f"terminal {full.seconds / 60:.1f} min):"]  # fmt: skip
    for label, run in (("bare PySide6 window", bare), (name, full)):
        p50, p99, worst = summary(run.lag)
        out.append(f"  {label:<34} p50 {p50:6.2f}  p99 {p99:6.2f}  max {worst:7.2f}  "
                   f"({len(run.lag)} ticks)")  # fmt: skip
    (b50, b99, _), (f50, f99, _) = summary(bare.lag), summary(full.lag)
    floor = 0.01  # ms: a ratio against a bare window's 0.00 says nothing
    ratios = f"p50 x{f50 / max(b50, floor):.1f}, p99 x{f99 / max(b99, floor):.1f}"
    out.append(f"  terminal / bare: {ratios}  (p99 terminal - bare {f99 - b99:+.2f} ms; "
               "goal: terminal p99 < 50 ms)")  # fmt: skip
    rate = full.quotes / full.seconds
    out.append(f"  quotes {rate:,.0f}/s ({rate / args.symbols:.1f} per symbol a second); "
               f"watchlist repaints {full.repaints / full.seconds:.1f}/s")  # fmt: skip
    if full.rss_mb:
        first, last = full.rss_mb[0][1], full.rss_mb[-1][1]
        out.append(
            f"Memory (RSS) of the process over the terminal run, {len(full.rss_mb)} samples:"
        )
        kept = after_warm_up(full.rss_mb)
        half = len(kept) // 2
        out.append(f"  start {first:.1f} MB, end {last:.1f} MB (x{last / first:.3f}), "
                   f"peak {max(m for _, m in full.rss_mb):.1f} MB")  # fmt: skip
        slopes = [slope_mb_per_minute(p) for p in (kept, kept[:half], kept[half:])]
        out.append(f"  slope after the first {WARM_UP:.0f} s {slopes[0]:+.2f} MB/min "
                   f"(first half {slopes[1]:+.2f}, second half {slopes[2]:+.2f})")  # fmt: skip
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="terminal run (default 10)")
    parser.add_argument("--bare-seconds", type=float, default=60.0,
                        help="bare window run (default 60, at most the terminal run)")  # fmt: skip
    parser.add_argument("--symbols", type=int, default=50, choices=range(1, len(TICKERS) + 1),
                        metavar=f"1..{len(TICKERS)}")  # fmt: skip
    parser.add_argument("--speed", type=float, default=1.0,
                        help="clock speed (default 1: real time)")  # fmt: skip
    parser.add_argument(
        "--quote-interval",
        type=float,
        default=0.1,
        help="simulated seconds between a symbol's quotes (default 0.1)",
    )
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # the bare window closes before the terminal opens
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def both() -> tuple[Run, Run]:
        bare = await bare_window(min(args.bare_seconds, seconds))
        full = await terminal(seconds, args.symbols, args.speed, args.quote_interval)
        return bare, full

    with loop:  # Qt drives the loop, as in the app
        bare, full = loop.run_until_complete(both())
    sys.stdout.write(report(args, bare, full))
    return 0


if __name__ == "__main__":
    sys.exit(main())
