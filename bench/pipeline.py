"""Pipeline benchmark: tick -> order latency, and replay throughput against backtrader.

Run ``python bench/pipeline.py`` or ``python -m bench.pipeline`` from the repo root.

(a) Latency. The real services (market data, RSI strategy, bot, risk,
    compliance, execution with its order journal (the order's SQLite row
    committed before the broker call), paper broker with zero latency,
    portfolio, audit trail) on a temporary database and a simulated clock.
    Bars are crafted (-2 %, -2 %, +2 %, +2 %, ... with RSI(2)) so that every
    other bar makes the bot enter or exit. Measured: from the
    ``market_data.on_bar`` call to the ``OrderSubmitted`` handler
    (``perf_counter_ns``), p50/p99 over >= 1000 orders; the time spent inside
    SQLite on that path is measured and reported separately. Compared with
    one loopback HTTP round trip (``http.server`` thread + ``http.client``
    keep-alive) measured in the same run, and seven of them (the original
    design crossed about seven HTTP hops between tick and order). The run is
    paper, whose database commits survive an app crash; one commit that also
    survives a power cut (what the live database does before each order goes
    to Robinhood) is timed beside it.
(b) Throughput. N random-walk 1-minute bars of regular sessions (09:30-16:00
    New York on NYSE trading days) replayed through the full pipeline (market
    data -> RSI(14) 30/70 -> bot -> risk -> compliance -> paper fills ->
    portfolio), bars per second, against backtrader running the same bot rules
    (:class:`bench.baselines.BotStrategy`) on the same bars, in the same run;
    orders and fills of every engine are printed and must be equal. The same
    rules everywhere: sessions from the NYSE calendar (an order decided on the
    bar that ends at 16:00 meets the after-hours session and is refused), and
    an order fills at the deciding bar's close (``BACKTEST_FILL=close``,
    backtrader's cheat-on-close). The replay loop sets the clock and calls
    ``market_data.on_bar``; a zero-latency paper order fills inside its
    submit, so nothing else needs to run between bars. A second,
    instrumented replay of the same bars splits the time per bar into stages
    (market data itself, each subscriber service, the rest) by timing every
    bus handler (see :mod:`bench.stage_timing`); it never feeds the
    throughput figure. The backtest engine (:mod:`app.backtest`) runs the
    same bars and rules through the same services, feeding only the bars some
    service acts on (the strategy runs over every bar once, up front, and the
    app plays its signals back); its orders and fills must equal the full
    replay's. One more line compares the backtest engine
    with its default fill rule (``next_open``: the next bar's open) with
    backtrader filling at the next open too.

Both runs use the classic day-trade policy on a margin account with $100,000
(over the $25,000 pattern-day-trader minimum, so the day-trade checks run in
full but do not block) and a large daily-loss limit so the bot keeps trading
for the whole run. The app's loggers are set to ERROR for the benchmark (its
day-trade warnings would flood stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.backtest import run_backtest
from app.backtest.engine import BacktestFeed
from app.calendar import NEW_YORK, next_trading_day
from app.composition import AppContext, build_app
from app.config import BacktestFill, DayTradePolicy, Settings, validate
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import (
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderPartiallyFilled,
    OrderSubmitted,
)
from app.core.models import AccountType, Bar, Interval
from bench.baselines import backtrader_replay, durable_commit, http_round_trip, pct
from bench.stage_timing import TimedBus, front_stage_costs

START = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
SESSION_MINUTES = 390  # 09:30 .. 16:00 New York (no early close on the generated days)


def random_walk_bars(n: int, seed: int = 7, start_price: float = 50.0) -> list[Bar]:
    """``n`` one-minute bars of regular sessions (starts 09:30 .. 15:59 New York, NYSE
    trading days from :data:`START` on): a random walk."""
    rng = random.Random(seed)
    price = start_price
    bars = []
    day = START.astimezone(NEW_YORK).date()
    minute = 0
    for _ in range(n):
        open_ = price
        price = max(1.0, price * (1 + rng.gauss(0, 0.002)))
        high = max(open_, price) * (1 + abs(rng.gauss(0, 0.0005)))
        low = min(open_, price) * (1 - abs(rng.gauss(0, 0.0005)))
        start = datetime.combine(day, time_of_day(9, 30), tzinfo=NEW_YORK).astimezone(UTC)
        start += timedelta(minutes=minute)
        bars.append(_bar(start, open_, high, low, price, rng.randint(100, 5000)))
        minute += 1
        if minute >= SESSION_MINUTES:
            minute = 0
            day = next_trading_day(day)
    return bars


def zigzag_bars(n: int, start_price: float = 50.0) -> list[Bar]:
    """-2 %, -2 %, +2 %, +2 %, ...: with RSI(2) every other bar is a BUY or a SELL.

    One-minute bars through the regular session (09:31-15:59 New York), then on
    to the next trading day: the per-day work (equity close, day rollover)
    happens once a day, as in live trading, not on every sample.
    """
    pattern = (-0.02, -0.02, 0.02, 0.02)
    price = start_price
    bars = []
    day = START.astimezone(NEW_YORK).date()
    minute = 0
    for i in range(n):
        open_ = price
        price = price * (1 + pattern[i % 4])
        start = datetime.combine(day, time_of_day(9, 31), tzinfo=NEW_YORK).astimezone(UTC)
        start += timedelta(minutes=minute)
        bars.append(_bar(start, open_, max(open_, price), min(open_, price), price, 1000))
        minute += 1
        if minute >= 388:  # 09:31 .. 15:58 starts
            minute = 0
            day = next_trading_day(day)
    return bars


def _bar(start: datetime, o: float, h: float, lo: float, c: float, volume: int) -> Bar:
    q = Decimal("0.01")
    o_, h_, l_, c_ = (Decimal(repr(x)).quantize(q) for x in (o, h, lo, c))
    return Bar("TQQQ", Interval.M1, start, o_, max(h_, o_, c_), min(l_, o_, c_), c_, volume)


# --------------------------------------------------------------------------- app


def same_rules_as_backtrader(fill: BacktestFill = BacktestFill.CLOSE) -> Settings:
    """RSI(14) 30/70 long-only, the profit target and stop loss set out of reach (as in
    :func:`bench.baselines.backtrader_replay`), fills by ``fill``."""
    return bench_settings(
        profit_target_pct=Decimal("1000"), stop_loss_pct=Decimal("-99"), backtest_fill=fill
    )


def bench_settings(**changes: Any) -> Settings:
    """Classic day-trade rules on a $100,000 margin account: checked in full, never blocking."""
    settings = Settings().replace(
        paper_latency_ms=0,
        day_trade_policy=DayTradePolicy.CLASSIC,
        account_type=AccountType.MARGIN,
        paper_starting_cash=Decimal("100000"),
        max_daily_loss=Decimal("1000000"),
        bot_enabled=True,
        log_level="ERROR",
        **changes,
    )
    problems = validate(settings)
    if problems:
        raise ValueError(f"invalid benchmark settings: {problems}")
    return settings


@contextlib.contextmanager
def quiet_app_logging(level: int = logging.ERROR) -> Iterator[None]:
    """The app's loggers (``app.*``, ``sherwood.*`` and the root) at ``level`` for a while."""
    loggers = [logging.getLogger(), logging.getLogger("app"), logging.getLogger("sherwood")]
    saved = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(level)
    try:
        yield
    finally:
        for lg, old in zip(loggers, saved, strict=True):
            lg.setLevel(old)


async def start_app(
    folder: Path, settings: Settings, bus: EventBus | None = None, database: str | None = None
) -> AppContext:
    clock = SimulatedClock(START)
    ctx = build_app(
        settings, data_dir=folder, clock=clock, bus=bus, feed=BacktestFeed(), bar_store=False,
        database=database,
    )  # fmt: skip
    ctx.refresh_seconds = 24 * 3600.0  # a replay needs no balance polling every bar
    await ctx.start()
    return ctx


class OrderTally:
    """Orders placed (past the checks: sent, or refused by the broker), fills, denials, and
    which orders are still open, from order events."""

    name = "bench"  # its handlers' time is the benchmark's, not the app's

    def __init__(self, bus: EventBus) -> None:
        self.placed: set[str] = set()
        self.fills = 0
        self.denied = 0
        self.open: set[str] = set()
        bus.subscribe(OrderEvent, self._on_order)
        bus.subscribe(OrderDenied, self._on_denied)

    @property
    def submitted(self) -> int:
        return len(self.placed)

    def _on_order(self, event: OrderEvent) -> None:
        order = event.order
        self.placed.add(order.client_order_id)
        if isinstance(event, OrderFilled | OrderPartiallyFilled):
            self.fills += 1
        if order.status.is_terminal:
            self.open.discard(order.client_order_id)
        else:
            self.open.add(order.client_order_id)

    def _on_denied(self, event: OrderDenied) -> None:
        self.denied += 1


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
        tally = OrderTally(ctx.bus)
        hits: list[tuple[int, int]] = []  # (time, SQLite time so far) at OrderSubmitted
        timer = SqliteTimer(ctx.db)
        ctx.bus.subscribe(
            OrderSubmitted, lambda e: hits.append((time.perf_counter_ns(), timer.total_ns))
        )
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
            if hits:  # SQLite up to the event, not the writes after it
                samples.append((hits[0][0] - t0) / 1000)
                sqlite_share.append(hits[0][1] / 1000)
            if len(samples) >= orders_wanted:
                break
        await ctx.stop()
    return {
        "orders": len(samples),
        "fills": tally.fills,
        "denied": tally.denied,
        "p50": pct(samples, 50),
        "p99": pct(samples, 99),
        "sqlite_p50": pct(sqlite_share, 50),
        "sqlite_p99": pct(sqlite_share, 99),
    }


# --------------------------------------------------------------------------- throughput


async def replay(bars: list[Bar], database: str | None = None) -> dict[str, float]:
    """Bars per second through the whole app; yields to the loop only while an order is open.

    ``database=":memory:"`` runs it as a backtest does: a scratch database, so the
    simulated orders never touch a paper or live account file.
    """
    minute = timedelta(minutes=1)
    ends = [bar.start + minute for bar in bars]
    with tempfile.TemporaryDirectory() as folder:
        ctx = await start_app(Path(folder), same_rules_as_backtrader(), database=database)
        clock = ctx.clock
        assert isinstance(clock, SimulatedClock)
        tally = OrderTally(ctx.bus)
        on_bar, set_clock = ctx.market_data.on_bar, clock.set
        t0 = time.perf_counter()
        for bar, end in zip(bars, ends, strict=True):
            set_clock(end)
            await on_bar(bar)
        elapsed = time.perf_counter() - t0
        await ctx.stop()
    return {"bars_per_s": len(bars) / elapsed, "orders": tally.submitted, "fills": tally.fills,
            "denied": tally.denied, "seconds": elapsed}  # fmt: skip


async def backtest_engine(
    bars: list[Bar], fill: BacktestFill = BacktestFill.CLOSE
) -> dict[str, float]:
    """The backtest engine (:func:`app.backtest.run_backtest`) on the same bars and rules:
    the same services, fed only the bars some service acts on (the strategy's signals are
    computed over every bar up front, in the timed run)."""
    result = await run_backtest(bars, same_rules_as_backtrader(fill))
    return {"bars_per_s": result.bars_per_second, "orders": len(result.orders),
            "fills": len(result.fills), "denied": sum(result.denials.values()),
            "seconds": result.elapsed, "fed": result.bars_fed}  # fmt: skip


async def subscriber_breakdown(bars: list[Bar]) -> dict[str, float]:
    """Microseconds per bar by subscriber, from a replay on a bus that times every handler.

    Each service's handler time excludes the handlers its own publishing triggered;
    "outside handlers" is what the replay loop costs besides.
    """
    minute = timedelta(minutes=1)
    ends = [bar.start + minute for bar in bars]
    bus = TimedBus()
    with tempfile.TemporaryDirectory() as folder:
        ctx = await start_app(Path(folder), bench_settings(), bus)
        clock = ctx.clock
        assert isinstance(clock, SimulatedClock)
        bus.spent_ns.clear()
        on_bar, set_clock = ctx.market_data.on_bar, clock.set
        in_on_bar = handlers_in_on_bar = 0
        perf = time.perf_counter_ns
        t0 = perf()
        for bar, end in zip(bars, ends, strict=True):
            set_clock(end)
            bus.reset_top()
            b0 = perf()
            await on_bar(bar)
            in_on_bar += perf() - b0
            handlers_in_on_bar += bus.top_ns
        total = perf() - t0
        await ctx.stop()
    n = len(bars) * 1000.0  # ns -> us per bar
    spent = {owner: ns / n for owner, ns in bus.spent_ns.items() if owner != "bench"}
    stages = dict(sorted(spent.items(), key=lambda kv: -kv[1]))
    outside = total - in_on_bar - (sum(bus.spent_ns.values()) - handlers_in_on_bar)
    stages["outside handlers: replay loop"] = outside / n
    stages["on_bar itself incl. bus and timing overhead"] = (in_on_bar - handlers_in_on_bar) / n
    stages["total (instrumented)"] = total / n
    return stages


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders for the latency run")
    parser.add_argument("--bars", type=int, default=100_000, help="bars for the replay run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="throughput rounds; each engine's best round is reported")  # fmt: skip
    parser.add_argument("--no-stages", dest="stages", action="store_false",
                        help="skip the instrumented per-stage replay")  # fmt: skip
    args = parser.parse_args(argv)

    with quiet_app_logging():
        lat = asyncio.run(latency(args.orders))
        rt = http_round_trip()
        durable = durable_commit()
        bars = random_walk_bars(args.bars)
        rounds: list[dict[str, dict[str, float]]] = []
        for _ in range(args.rounds):  # interleaved, so machine drift hits every engine alike
            rounds.append({
                "ours": asyncio.run(replay(bars)),
                "scratch": asyncio.run(replay(bars, database=":memory:")),
                "engine": asyncio.run(backtest_engine(bars)),
                "theirs": backtrader_replay(bars, fill="close"),
                "engine_open": asyncio.run(backtest_engine(bars, BacktestFill.NEXT_OPEN)),
                "theirs_open": backtrader_replay(bars, fill="next_open"),
            })  # fmt: skip
        ours, scratch, engine, theirs, engine_open, theirs_open = (
            max((r[key] for r in rounds), key=lambda run: run["bars_per_s"])
            for key in ("ours", "scratch", "engine", "theirs", "engine_open", "theirs_open")
        )
        front = asyncio.run(front_stage_costs(bars, bench_settings()))
        stages = asyncio.run(subscriber_breakdown(bars)) if args.stages else {}

    ratio = ours["bars_per_s"] / theirs["bars_per_s"]
    scratch_ratio = scratch["bars_per_s"] / theirs["bars_per_s"]
    engine_ratio = engine["bars_per_s"] / theirs["bars_per_s"]
    open_ratio = engine_open["bars_per_s"] / theirs_open["bars_per_s"]
    same = len({(r["orders"], r["fills"]) for r in (engine, scratch, ours, theirs)}) == 1
    same_open = (engine_open["orders"], engine_open["fills"]) == (
        theirs_open["orders"],
        theirs_open["fills"],
    )
    seven_p99 = rt["p99"] * 7
    latency_goal = "met" if lat["p99"] <= seven_p99 / 10 else "NOT met"
    replay_goal = "met" if ratio >= 3 else "NOT met"
    engine_goal = "met" if engine_ratio >= 8 and same else "NOT met"
    out: list[str] = [
        "(a) tick -> order submitted, in process "
        f"({lat['orders']} orders, each written ahead to the journal before the broker call; "
        f"{lat['fills']} fills, {lat['denied']} denied)",
        f"    Sherwood pipeline          p50 {lat['p50']:8.1f} us   p99 {lat['p99']:8.1f} us",
        f"      of which inside SQLite   p50 {lat['sqlite_p50']:8.1f} us   "
        f"p99 {lat['sqlite_p99']:8.1f} us",
        f"    one power-safe SQLite commit p50 {durable['p50']:6.1f} us   p99 "
        f"{durable['p99']:8.1f} us  (synchronous=FULL: the live database's order row)",
        f"    one loopback HTTP trip     p50 {rt['p50']:8.1f} us   p99 {rt['p99']:8.1f} us",
        f"    x7 (original design)       p50 {rt['p50'] * 7:8.1f} us   p99 {rt['p99'] * 7:8.1f} us",
        f"    p99 / one HTTP trip's p99 {lat['p99'] / rt['p99']:.2f}x, / seven "
        f"{lat['p99'] / seven_p99:.2f}x; goal p99 <= 1/10 of seven trips' p99 "
        f"({seven_p99 / 10:.1f} us): {latency_goal}",
        f"(b) replay throughput, RSI(14) 30/70 long-only, {len(bars)} random-walk 1-minute bars "
        f"of regular sessions ({len(bars) / SESSION_MINUTES:.0f} days); NYSE sessions and fills "
        f"at the deciding bar's close in every engine; best of {len(rounds)} interleaved rounds",
        f"    Sherwood, SQLite file   {ours['bars_per_s']:10.0f} bars/s  "
        f"({ours['seconds']:.2f} s; {ours['orders']} orders, {ours['fills']} fills, "
        f"{ours['denied']} denied; every order and fill committed to the paper file)",
        f"    Sherwood, backtest DB   {scratch['bars_per_s']:10.0f} bars/s  "
        f"({scratch['seconds']:.2f} s; {scratch['orders']} orders, {scratch['fills']} fills; "
        "same pipeline on a scratch in-memory SQLite)",
        f"    backtest engine         {engine['bars_per_s']:10.0f} bars/s  "
        f"({engine['seconds']:.2f} s; {engine['orders']} orders, {engine['fills']} fills, "
        f"{engine['denied']} denied; {engine['fed']} bars through the whole pipeline, "
        f"the rest skipped; the strategy's own pass over every bar included)",
        f"    backtrader              {theirs['bars_per_s']:10.0f} bars/s  "
        f"({theirs['seconds']:.2f} s; {theirs['orders']} orders, {theirs['fills']} fills; "
        f"orders and fills of the four {'EQUAL' if same else 'DIFFER'})",
        f"    ratio to backtrader: backtest engine {engine_ratio:.1f}x; full per-bar replay "
        f"{ratio:.1f}x on a file, {scratch_ratio:.1f}x on a scratch DB; goals: full per-bar "
        f"replay (file) >= 3x: {replay_goal}, backtest engine >= 8x: {engine_goal}",
        "    each round, backtest engine / backtrader: "
        + ", ".join(
            f"{r['engine']['bars_per_s'] / r['theirs']['bars_per_s']:.1f}x" for r in rounds
        ),
        f"    next-open fills (BACKTEST_FILL's default): backtest engine "
        f"{engine_open['bars_per_s']:.0f} bars/s ({engine_open['orders']} orders, "
        f"{engine_open['fills']} fills), backtrader {theirs_open['bars_per_s']:.0f} bars/s "
        f"({theirs_open['orders']} orders, {theirs_open['fills']} fills; "
        f"{'equal' if same_open else 'DIFFERENT'}): {open_ratio:.1f}x; each round "
        + ", ".join(
            f"{r['engine_open']['bars_per_s'] / r['theirs_open']['bars_per_s']:.1f}x"
            for r in rounds
        ),
    ]
    full = 1e6 / ours["bars_per_s"]
    md, md_strategy = front
    out.append("    per bar, uninstrumented (same replay loop, same bars, best of 3), us:")
    rows = [
        ("loop + market data alone (quote, PriceUpdated, BarClosed)", md),
        ("+ strategy engine (RSI, signals)", md_strategy - md),
        ("+ everything else (bot, risk, compliance, broker, ...)", full - md_strategy),
        ("= full pipeline (the throughput run above)", full),
    ]
    out.extend(f"      {name:<58} {us:8.2f}" for name, us in rows)
    if stages:
        out.append("    by bus subscriber, us/bar (a separate run on a bus that times each "
                   "handler; adds ~1 us per handler call):")  # fmt: skip
        out.extend(f"      {name:<58} {us:8.2f}" for name, us in stages.items())
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
