"""Optimizer benchmark: combinations x bars per second, Sherwood vs backtrader and vectorbt.

Run ``python bench/optimize.py`` (or ``python -m bench.optimize``) from the repo root.

One grid (RSI period x oversold level) over the same generated 5-minute bars
(regular sessions only), in one run:

* Sherwood: ``sherwood optimize``'s process pool (:class:`ProcessEngine`) on
  1 worker and on every core; each combination is a full backtest through the
  same services as live trading (bot, risk, compliance, paper broker, portfolio).
* backtrader: ``Cerebro.optstrategy`` of the same bot rules
  (:class:`bench.baselines.BotStrategy`: zone-entry RSI, dollar sizing at the
  ask, spread, profit target, stop loss, session refusals, next-open fills) on
  every core (``maxcpus=None``).
* vectorbt: RSI crossing signals with a 0.5 % stop and a 1 % target
  (``Portfolio.from_signals``), the vectorised reference; its first call
  compiles (numba) and is timed apart from a warm run.

Printed: seconds and combinations x bars per second of each, the ratio of
Sherwood on every core to backtrader on every core (goal: at least 10x), the
scaling of Sherwood from 1 worker to all (goal: at least 80 % efficient) and
the ratio to vectorbt as measured. The machine is shared: run it alone and
compare ratios, not absolute figures. Day-trade rule off (backtrader has none).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.backtest.optimize.engines import ProcessEngine
from app.backtest.optimize.grid import combinations, parse_param
from app.backtest.optimize.session import Optimization
from app.calendar import NEW_YORK, next_trading_day
from app.config import DayTradePolicy, Settings
from app.core.models import Bar, Interval
from bench.baselines import BotRules, BotStrategy, cerebro_for, strategy_params


def session_bars(count: int, seed: int = 3, start_price: float = 50.0) -> list[Bar]:
    """``count`` 5-minute bars through regular sessions: a random walk with gapped opens."""
    rng = random.Random(seed)
    price = start_price
    day = date(2026, 1, 5)
    bars: list[Bar] = []
    while len(bars) < count:
        first = datetime.combine(day, time_of_day(9, 30), tzinfo=NEW_YORK).astimezone(UTC)
        for k in range(78):
            if len(bars) == count:
                break
            open_ = price * (1 + rng.gauss(0, 0.001))
            price = max(1.0, open_ * (1 + rng.gauss(0, 0.003)))
            high = max(open_, price) * (1 + abs(rng.gauss(0, 0.0008)))
            low = min(open_, price) * (1 - abs(rng.gauss(0, 0.0008)))
            o, h, lo, c = (Decimal(f"{x:.2f}") for x in (open_, high, low, price))
            bars.append(Bar("TQQQ", Interval.M5, first + timedelta(minutes=5 * k), o,
                            max(h, o, c), min(lo, o, c), c, rng.randint(1000, 9000)))  # fmt: skip
        day = next_trading_day(day)
    return bars


def sherwood(bars: list[Bar], grid: list[Any], workers: int) -> dict[str, float]:
    base = Settings(day_trade_policy=DayTradePolicy.OFF, log_level="ERROR")
    run = Optimization(bars, base, grid, metric="net_pnl")
    t0 = time.perf_counter()
    results = run.run(ProcessEngine(workers, start_method="fork"))  # as sherwood optimize
    seconds = time.perf_counter() - t0
    ranked = results.ranked()
    assert len(ranked) == len(grid) and not any(r["error"] for r in ranked), ranked[:1]
    return {"seconds": seconds, "trades": sum(int(r["trades"]) for r in ranked)}


def backtrader_opt(bars: list[Bar], periods: list[int], levels: list[float]) -> dict[str, float]:
    rules = BotRules()
    cerebro = cerebro_for(bars, rules, maxcpus=None)
    fixed = {k: [v] for k, v in strategy_params(rules, bars).items()}  # one value each
    fixed.update(period=periods, oversold=levels)
    cerebro.optstrategy(BotStrategy, **fixed)
    t0 = time.perf_counter()
    runs = cerebro.run()
    seconds = time.perf_counter() - t0
    assert len(runs) == len(periods) * len(levels)
    return {"seconds": seconds}


def vectorbt_run(bars: list[Bar], periods: list[int], levels: list[float]) -> dict[str, float]:
    import pandas as pd
    import vectorbt as vbt

    close = pd.Series([float(b.close) for b in bars],
                      index=pd.DatetimeIndex([b.start for b in bars]))  # fmt: skip

    def once(series: Any) -> Any:
        rsi = vbt.RSI.run(series, window=periods, short_name="rsi")
        entries = pd.concat([rsi.rsi_crossed_below(level) for level in levels], axis=1)
        exits = pd.concat([rsi.rsi_crossed_above(70.0) for _ in levels], axis=1)
        wide = pd.concat([series] * entries.shape[1], axis=1)
        wide.columns = entries.columns
        return vbt.Portfolio.from_signals(
            wide, entries, exits, sl_stop=0.005, tp_stop=0.01, size=20.0, size_type="value",
            init_cash=1000.0, fees=0.0,
        )  # fmt: skip

    t0 = time.perf_counter()
    once(close.iloc[:500])  # compiles
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    portfolio = once(close)
    seconds = time.perf_counter() - t0
    assert portfolio.wrapper.shape[1] == len(periods) * len(levels)
    return {"seconds": seconds, "first_call": cold}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=20_000)
    parser.add_argument("--periods", default="rsi_period=8:22:2", help="a --param range")
    parser.add_argument("--levels", default="rsi_oversold=25,30", help="a --param list")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-vectorbt", action="store_true")
    args = parser.parse_args(argv)

    bars = session_bars(args.bars)
    ranges = [parse_param(args.periods), parse_param(args.levels)]
    grid = combinations(ranges)
    periods = [int(v) for v in ranges[0].values]
    levels = [float(v) for v in ranges[1].values]
    work = len(grid) * len(bars)
    print(f"grid: {len(grid)} combinations ({' x '.join(str(len(r.values)) for r in ranges)}) "
          f"x {len(bars)} 5m bars = {work:,} combination-bars; {args.workers} workers "
          f"(os.cpu_count() = {os.cpu_count()})")  # fmt: skip

    rows: list[tuple[str, float]] = []
    one = sherwood(bars, grid, 1)
    rows.append(("Sherwood, 1 worker", one["seconds"]))
    every = sherwood(bars, grid, args.workers)
    rows.append((f"Sherwood, {args.workers} workers", every["seconds"]))
    theirs = backtrader_opt(bars, periods, levels)
    rows.append((f"backtrader optstrategy, {args.workers} workers", theirs["seconds"]))
    vector: dict[str, float] | None = None
    if not args.skip_vectorbt:
        try:
            vector = vectorbt_run(bars, periods, levels)
            rows.append(("vectorbt (warm, 1 process)", vector["seconds"]))
        except ImportError:
            print("vectorbt: not installed (pip install vectorbt)")
    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"  {name:<{width}}  {seconds:8.2f} s  {work / seconds:14,.0f} combination-bars/s")
    if vector is not None:
        print(f"  (vectorbt's first call, compiling: {vector['first_call']:.1f} s)")
    vs_bt = theirs["seconds"] / every["seconds"]
    scaling = one["seconds"] / every["seconds"]
    efficiency = scaling / args.workers
    print(f"Sherwood on {args.workers} workers vs backtrader optstrategy on {args.workers}: "
          f"{vs_bt:.1f}x (goal >= 10x: {'met' if vs_bt >= 10 else 'NOT met'})")  # fmt: skip
    print(f"Sherwood 1 -> {args.workers} workers: {scaling:.2f}x, {efficiency:.0%} efficient "
          f"(goal >= 80 %: {'met' if efficiency >= 0.8 else 'NOT met'})")  # fmt: skip
    if vector is not None:
        print(
            f"vectorbt vs Sherwood on {args.workers} workers: "
            f"{every['seconds'] / vector['seconds']:.0f}x faster (as measured)"
        )
    print(f"Sherwood's trades over the grid: {every['trades']:.0f} (1 worker: {one['trades']:.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
