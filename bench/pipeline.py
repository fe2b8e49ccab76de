"""Pipeline benchmark: tick -> order latency, and replay throughput against backtrader.

Run ``python bench/pipeline.py`` or ``python -m bench.pipeline`` from the repo root.

(a) Latency. The real services (market data, RSI strategy, bot, risk,
    compliance, execution with its SQLite journal, paper broker with zero
    latency, portfolio, audit trail) on a temporary database and a simulated
    clock. Bars are crafted (-2 %, -2 %, +2 %, +2 %, ... with RSI(2)) so that
    every other bar makes the bot enter or exit. Measured: from the
    ``market_data.on_bar`` call to the ``OrderSubmitted`` handler
    (``perf_counter_ns``), p50/p99 over >= 1000 orders; the time spent inside
    SQLite on that path is measured and reported separately. Compared with
    one loopback HTTP round trip (``http.server`` thread + ``http.client``
    keep-alive) measured in the same run, and seven of them (the original
    design crossed about seven HTTP hops between tick and order).
(b) Throughput. N random-walk 1-minute bars replayed through the full
    pipeline (market data -> RSI(14) 30/70 -> bot -> risk -> compliance ->
    paper fills -> portfolio), bars per second, against backtrader running
    RSI(14) 30/70 long-only on the same bars.

Both use the informational day-trade policy and a large daily-loss limit so
the bot keeps trading for the whole run (the checks still run in full).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import http.server
import random
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.calendar import NEW_YORK, next_trading_day
from app.composition import AppContext, build_app
from app.config import DayTradePolicy, Settings
from app.core.clock import SimulatedClock
from app.core.events import OrderSubmitted
from app.core.models import Bar, Interval
from app.execution.manual_feed import ManualFeed

START = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# --------------------------------------------------------------------------- bars


def random_walk_bars(n: int, seed: int = 7, start_price: float = 50.0) -> list[Bar]:
    rng = random.Random(seed)
    price = start_price
    bars = []
    for i in range(n):
        open_ = price
        price = max(1.0, price * (1 + rng.gauss(0, 0.002)))
        high = max(open_, price) * (1 + abs(rng.gauss(0, 0.0005)))
        low = min(open_, price) * (1 - abs(rng.gauss(0, 0.0005)))
        start = START + timedelta(minutes=i)
        bars.append(_bar(start, open_, high, low, price, rng.randint(100, 5000)))
    return bars


def zigzag_bars(n: int, start_price: float = 50.0) -> list[Bar]:
    """-2 %, -2 %, +2 %, +2 %, ...: with RSI(2) every other bar is a BUY or a SELL.

    One bar per trading day (10:00 New York), so the day-trade window holds a
    realistic handful of fills rather than hundreds of round trips in one day.
    """
    pattern = (-0.02, -0.02, 0.02, 0.02)
    price = start_price
    bars = []
    day = START.astimezone(NEW_YORK).date()
    for i in range(n):
        open_ = price
        price = price * (1 + pattern[i % 4])
        start = datetime.combine(day, time_of_day(10), tzinfo=NEW_YORK).astimezone(UTC)
        bars.append(_bar(start, open_, max(open_, price), min(open_, price), price, 1000))
        day = next_trading_day(day)
    return bars


def _bar(start: datetime, o: float, h: float, lo: float, c: float, volume: int) -> Bar:
    q = Decimal("0.01")
    o_, h_, l_, c_ = (Decimal(repr(x)).quantize(q) for x in (o, h, lo, c))
    return Bar("TQQQ", Interval.M1, start, o_, max(h_, o_, c_), min(l_, o_, c_), c_, volume)


# --------------------------------------------------------------------------- app


def bench_settings(**changes: Any) -> Settings:
    return Settings().replace(
        paper_latency_ms=0,
        day_trade_policy=DayTradePolicy.INFORMATIONAL,
        max_daily_loss=Decimal("1000000"),
        paper_starting_cash=Decimal("1000000"),
        bot_enabled=True,
        **changes,
    )


async def start_app(folder: Path, settings: Settings) -> AppContext:
    clock = SimulatedClock(START)
    ctx = build_app(settings, data_dir=folder, clock=clock, feed=ManualFeed(), bar_store=False)
    ctx.refresh_seconds = 24 * 3600.0  # a replay needs no balance polling every bar
    await ctx.start()
    return ctx


class SqliteTimer:
    """Adds up the time spent in ``execute_sql`` (and commits) while ``active``."""

    def __init__(self, db: Any) -> None:
        self.total_ns = 0
        self.active = False
        self._execute = db.execute_sql
        self._commit = db.commit
        db.execute_sql = self._timed(self._execute)
        db.commit = self._timed(self._commit)

    def _timed(self, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not self.active:
                return fn(*args, **kwargs)
            t0 = time.perf_counter_ns()
            try:
                return fn(*args, **kwargs)
            finally:
                self.total_ns += time.perf_counter_ns() - t0

        return wrapper


async def latency(orders_wanted: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        ctx = await start_app(Path(folder), bench_settings(rsi_period=2))
        clock = ctx.clock
        assert isinstance(clock, SimulatedClock)
        hits: list[int] = []
        ctx.bus.subscribe(OrderSubmitted, lambda e: hits.append(time.perf_counter_ns()))
        timer = SqliteTimer(ctx.db)
        samples: list[float] = []
        sqlite_share: list[float] = []
        bars = zigzag_bars(orders_wanted * 3 + 100)
        for bar in bars:
            clock.set(bar.start + timedelta(minutes=1))
            hits.clear()
            timer.total_ns = 0
            timer.active = True
            t0 = time.perf_counter_ns()
            await ctx.market_data.on_bar(bar)
            timer.active = False
            if hits:
                samples.append((hits[0] - t0) / 1000)
                sqlite_share.append(timer.total_ns / 1000)
            for _ in range(4):  # let the paper broker fill before the next bar
                await asyncio.sleep(0)
            if len(samples) >= orders_wanted:
                break
        await ctx.stop()
    return {
        "orders": len(samples),
        "p50": pct(samples, 50),
        "p99": pct(samples, 99),
        "sqlite_p50": pct(sqlite_share, 50),
        "sqlite_p99": pct(sqlite_share, 99),
    }


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        body = b'{"allowed": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def http_round_trip(n: int = 2000) -> dict[str, float]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = b'{"symbol": "TQQQ", "side": "buy", "notional": "20.00"}'
    samples = []
    for i in range(n + 100):
        t0 = time.perf_counter_ns()
        conn.request("POST", "/validate", body=payload,
                     headers={"Content-Type": "application/json"})  # fmt: skip
        conn.getresponse().read()
        if i >= 100:
            samples.append((time.perf_counter_ns() - t0) / 1000)
    conn.close()
    server.shutdown()
    server.server_close()
    return {"p50": pct(samples, 50), "p99": pct(samples, 99)}


# --------------------------------------------------------------------------- throughput


async def replay(bars: list[Bar]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        ctx = await start_app(Path(folder), bench_settings())
        clock = ctx.clock
        assert isinstance(clock, SimulatedClock)
        orders: list[int] = []
        ctx.bus.subscribe(OrderSubmitted, lambda e: orders.append(1))
        on_bar = ctx.market_data.on_bar
        open_orders = ctx.execution.open_orders
        t0 = time.perf_counter()
        for bar in bars:
            clock.set(bar.start + timedelta(minutes=1))
            await on_bar(bar)
            if open_orders():  # let the paper broker's fill task run
                await asyncio.sleep(0)
                await asyncio.sleep(0)
        elapsed = time.perf_counter() - t0
        fills = len(ctx.execution.fills(10**9))
        await ctx.stop()
    return {"bars_per_s": len(bars) / elapsed, "orders": len(orders), "fills": fills,
            "seconds": elapsed}  # fmt: skip


def backtrader_replay(bars: list[Bar]) -> dict[str, float]:
    import backtrader as bt
    import pandas as pd

    frame = pd.DataFrame(
        {
            "open": [float(b.open) for b in bars],
            "high": [float(b.high) for b in bars],
            "low": [float(b.low) for b in bars],
            "close": [float(b.close) for b in bars],
            "volume": [b.volume for b in bars],
        },
        index=pd.DatetimeIndex([b.start.replace(tzinfo=None) for b in bars]),
    )

    class RsiLongOnly(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.rsi = bt.indicators.RSI(self.data.close, period=14)
            self.trades = 0

        def next(self) -> None:
            if not self.position and self.rsi[0] <= 30:
                self.buy(size=20.0 / self.data.close[0])
                self.trades += 1
            elif self.position and self.rsi[0] >= 70:
                self.close()
                self.trades += 1

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame))
    cerebro.addstrategy(RsiLongOnly)
    cerebro.broker.setcash(1_000_000)
    t0 = time.perf_counter()
    result = cerebro.run()
    elapsed = time.perf_counter() - t0
    return {"bars_per_s": len(bars) / elapsed, "orders": result[0].trades, "seconds": elapsed}


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders for the latency run")
    parser.add_argument("--bars", type=int, default=100_000, help="bars for the replay run")
    args = parser.parse_args(argv)

    lat = asyncio.run(latency(args.orders))
    rt = http_round_trip()
    bars = random_walk_bars(args.bars)
    ours = asyncio.run(replay(bars))
    theirs = backtrader_replay(bars)

    ratio = ours["bars_per_s"] / theirs["bars_per_s"]
    out = [
        "(a) tick -> order submitted, in process "
        f"({lat['orders']} orders, each journaled to SQLite before the broker call)",
        f"    Sherwood pipeline          p50 {lat['p50']:8.1f} us   p99 {lat['p99']:8.1f} us",
        f"      of which inside SQLite   p50 {lat['sqlite_p50']:8.1f} us   "
        f"p99 {lat['sqlite_p99']:8.1f} us",
        f"    one loopback HTTP trip     p50 {rt['p50']:8.1f} us   p99 {rt['p99']:8.1f} us",
        f"    x7 (original design)       p50 {rt['p50'] * 7:8.1f} us   p99 {rt['p99'] * 7:8.1f} us",
        f"    goal p99 <= 150 us: {'met' if lat['p99'] <= 150 else 'NOT met'}",
        f"(b) replay throughput, RSI(14) 30/70 long-only, {len(bars)} random-walk bars",
        f"    Sherwood full pipeline  {ours['bars_per_s']:10.0f} bars/s  "
        f"({ours['orders']} orders, {ours['fills']} fills, {ours['seconds']:.1f} s)",
        f"    backtrader              {theirs['bars_per_s']:10.0f} bars/s  "
        f"({theirs['orders']} orders, {theirs['seconds']:.1f} s)",
        f"    ratio {ratio:.1f}x; goal >= 10x: {'met' if ratio >= 10 else 'NOT met'}",
    ]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
