"""Benchmark: quotes per second through market data into bars and strategy signals, 50 symbols.

Quotes from the simulated market (one a second per symbol, precomputed) go to
``MarketDataService.on_quote`` (latest quote, 1-minute bar building,
``PriceUpdated``, ``BarClosed``); the StrategyEngine runs RSI(14) on every
symbol's closed bars. Bar persistence is off (as in replays). Run:

    .venv/bin/python -m bench.market_data [--symbols 50] [--minutes 20] [--repeat 3]

With ``--replay N`` it instead times the replay hot path in isolation on N
random-walk 1-minute bars (best of ``--repeat``): ``MarketDataService.on_bar``
per bar on a bus with no subscribers, with one no-op subscriber per event it
publishes, and with the strategy engine (RSI(14)) subscribed; and
``EventBus.publish`` per call with 0, 1 and 5 sync handlers and 1 async one.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import BarClosed, PriceUpdated, SignalGenerated
from app.core.models import Bar, Interval, Quote
from app.marketdata.feeds.manual import ManualFeed
from app.marketdata.feeds.simulated import SimulatedFeed
from app.marketdata.service import MarketDataService
from app.strategy.engine import StrategyEngine

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def symbols(n: int) -> list[str]:
    return [f"SYM{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(n)]


async def run_once(n_symbols: int, minutes: int) -> dict[str, float]:
    clock = SimulatedClock(START)
    bus = EventBus()
    feed = SimulatedFeed(clock, 42, Decimal("50"))
    settings = Settings(bar_interval=Interval.M1, quote_stale_seconds=3600)
    md = MarketDataService(bus, clock, feed, settings)
    engine = StrategyEngine(bus, clock, md, settings)
    names = symbols(n_symbols)
    for name in names:
        await md.watch(name)
    await engine.start()
    for name in names:
        engine.enable(name, "rsi")
    for _ in range(5):
        await asyncio.sleep(0)
    steps = minutes * 60
    batches: list[tuple[datetime, list[Quote]]] = []
    for k in range(1, steps + 1):
        batch = [q for name in names if (q := feed.path(name).quote(k)) is not None]
        batches.append((START + timedelta(seconds=k), batch))
    counts = {"bars": 0, "signals": 0}
    bus.subscribe(BarClosed, lambda e: counts.__setitem__("bars", counts["bars"] + 1))
    bus.subscribe(SignalGenerated, lambda e: counts.__setitem__("signals", counts["signals"] + 1))
    latencies: list[float] = []
    on_quote, perf = md.on_quote, time.perf_counter
    began = perf()
    for when, batch in batches:
        clock.set(when)
        for quote in batch:
            t = perf()
            await on_quote(quote)
            latencies.append(perf() - t)
    elapsed = perf() - began
    latencies.sort()
    quotes = len(latencies)
    return {
        "quotes": quotes,
        "seconds": elapsed,
        "quotes_per_s": quotes / elapsed,
        "p50_us": latencies[quotes // 2] * 1e6,
        "p99_us": latencies[int(quotes * 0.99)] * 1e6,
        "bars": counts["bars"],
        "signals": counts["signals"],
    }


async def on_bar_cost(bars: list[Bar], subscribers: str, repeat: int) -> float:
    """Best microseconds per ``on_bar`` call; ``subscribers``: none, noop or strategy."""
    best = float("inf")
    for _ in range(repeat):
        clock = SimulatedClock(bars[0].start)
        bus = EventBus()
        settings = Settings(bar_interval=Interval.M1)
        md = MarketDataService(bus, clock, ManualFeed(), settings)
        await md.watch(settings.symbol)
        if subscribers == "noop":
            bus.subscribe(PriceUpdated, lambda e: None)
            bus.subscribe(BarClosed, lambda e: None)
        elif subscribers == "strategy":
            await StrategyEngine(bus, clock, md, settings).start()
        on_bar = md.on_bar
        gc.collect()
        began = time.perf_counter()
        for bar in bars:
            await on_bar(bar)
        best = min(best, (time.perf_counter() - began) / len(bars) * 1e6)
    return best


async def publish_cost(handlers: int, use_async: bool, calls: int = 200_000) -> float:
    """Microseconds per ``bus.publish`` of a PriceUpdated with ``handlers`` no-op handlers."""

    async def noop_async(_: PriceUpdated) -> None:
        return None

    bus = EventBus()
    for _ in range(handlers):
        bus.subscribe(PriceUpdated, noop_async if use_async else (lambda e: None))
    quote = Quote("TQQQ", Decimal(1), Decimal(1), Decimal(1), Decimal(1), Decimal(1), START)
    event = PriceUpdated(time=START, quote=quote)
    publish = bus.publish
    began = time.perf_counter()
    for _ in range(calls):
        await publish(event)
    return (time.perf_counter() - began) / calls * 1e6


async def replay_hot_path(n_bars: int, repeat: int) -> list[str]:
    from bench.pipeline import random_walk_bars

    bars = random_walk_bars(n_bars)
    lines = []
    for what in ("none", "noop", "strategy"):
        cost = await on_bar_cost(bars, what, repeat)
        lines.append(f"on_bar, subscribers: {what:<9} {cost:6.2f} us/bar")
    for handlers, use_async in ((0, False), (1, False), (5, False), (1, True)):
        cost = min([await publish_cost(handlers, use_async) for _ in range(repeat)])
        kind = "async" if use_async else "sync"
        lines.append(f"bus.publish, {handlers} {kind} handler(s)  {cost:6.3f} us/call")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--minutes", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--replay", type=int, default=0, metavar="N",
                        help="time on_bar and bus.publish on N bars instead")  # fmt: skip
    args = parser.parse_args()
    if args.replay:
        print("\n".join(asyncio.run(replay_hot_path(args.replay, max(args.repeat, 3)))))
        return
    runs = [asyncio.run(run_once(args.symbols, args.minutes)) for _ in range(args.repeat)]
    best = max(runs, key=lambda r: r["quotes_per_s"])
    median = statistics.median(r["quotes_per_s"] for r in runs)
    print(
        f"{args.symbols} symbols, {best['quotes']:.0f} quotes -> "
        f"{best['bars']:.0f} closed 1m bars, "
        f"{best['signals']:.0f} RSI signals\n"
        f"median {median:,.0f} quotes/s (best {best['quotes_per_s']:,.0f}); "
        f"on_quote p50 {best['p50_us']:.1f} us, p99 {best['p99_us']:.1f} us"
    )


if __name__ == "__main__":
    main()
