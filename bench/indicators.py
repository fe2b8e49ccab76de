"""Benchmark: batch RSI/MACD (app.indicators) against TA-Lib, and streaming update cost.

Batch: random-walk closes of 1e4 .. 1e7 bars; ours and TA-Lib are run
alternately (so machine noise hits both alike) and the median wall time
(time.perf_counter) of several runs is reported; "ratio" (the goal) is their
quotient.  Alongside: the median thread-CPU-time ratio (immune to preemption)
and the best-run ratio (min/min: the quiet-machine figure).
Streaming: StreamingRSI / StreamingMACD ``update`` cost per bar.  Run either of:

    .venv/bin/python bench/indicators.py [--quick]
    .venv/bin/python -m bench.indicators [--quick]

The batch path uses numpy element-wise ufuncs, reductions and cumsum only
(no matmul/BLAS), so BLAS threading and OPENBLAS_CORETYPE do not affect it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.indicators import StreamingMACD, StreamingRSI, macd, rsi

BATCH_GOAL = 3.0  # ours / TA-Lib at 1e6 closes
STREAM_GOAL_US = 5.0  # per update


def closes(n: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))


def side_by_side(
    ours: Callable[[], object], ref: Callable[[], object], runs: int
) -> tuple[float, float, float, float]:
    """Median wall ms of ours and of ref; median CPU-time ratio; best-run (min) wall ratio."""
    ours(), ref()  # warm up (allocations, caches)
    walls: tuple[list[float], list[float]] = ([], [])
    cpus: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for i, fn in enumerate((ours, ref)):
            c0, t0 = time.thread_time(), time.perf_counter()
            fn()
            walls[i].append(time.perf_counter() - t0)
            cpus[i].append(time.thread_time() - c0)
    cpu_ratio = statistics.median(cpus[0]) / max(statistics.median(cpus[1]), 1e-9)
    best_ratio = min(walls[0]) / max(min(walls[1]), 1e-9)
    return (
        statistics.median(walls[0]) * 1e3,
        statistics.median(walls[1]) * 1e3,
        cpu_ratio,
        best_ratio,
    )


def stream_cost_us(make: Callable[[], object], data: list[float], runs: int = 5) -> float:
    best = []
    for _ in range(runs):
        ind = make()
        update = ind.update  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        for c in data:
            update(c)
        best.append((time.perf_counter() - t0) / len(data) * 1e6)
    return statistics.median(best)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 1e7, fewer runs")
    args = parser.parse_args()
    try:
        import talib
    except ImportError:
        print("TA-Lib is not installed: pip install ta-lib")
        return 2
    print(f"numpy {np.__version__}, TA-Lib {talib.__version__}, cpus {os.cpu_count()}")
    env = {
        k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS") if k in os.environ
    }
    print(f"BLAS env: {env or 'unset'} (not used by app.indicators: no matmul)")
    sizes = [10_000, 100_000, 1_000_000] + ([] if args.quick else [10_000_000])
    runs = {10_000: 51, 100_000: 21, 1_000_000: 11, 10_000_000: 5}
    header = (
        f"{'n':>10} | {'':5} {'ours ms':>9} {'talib ms':>9} {'ratio':>6}"
        f" {'cpu ratio':>9} {'best ratio':>10}"
    )
    print(header)
    print("-" * len(header))
    ratio_1e6: dict[str, float] = {}
    for n in sizes:
        x = closes(n)
        r = runs[n] if not args.quick else max(3, runs[n] // 2)
        for name, ours, ref in (
            ("RSI", lambda x=x: rsi(x, 14), lambda x=x: talib.RSI(x, 14)),
            ("MACD", lambda x=x: macd(x, 12, 26, 9), lambda x=x: talib.MACD(x, 12, 26, 9)),
        ):
            o_ms, t_ms, cpu, best = side_by_side(ours, ref, r)
            if n == 1_000_000:
                ratio_1e6[name] = o_ms / t_ms
            print(
                f"{n:>10} | {name:5} {o_ms:9.2f} {t_ms:9.2f} {o_ms / t_ms:6.2f}"
                f" {cpu:9.2f} {best:10.2f}"
            )
    data = closes(200_000, seed=11).tolist()
    s_rsi = stream_cost_us(lambda: StreamingRSI(14), data)
    s_macd = stream_cost_us(lambda: StreamingMACD(12, 26, 9), data)
    print(f"\nstreaming update: RSI {s_rsi:.2f} us/bar, MACD {s_macd:.2f} us/bar")
    print("\ngoals:")
    ok = True
    for name, ratio in ratio_1e6.items():
        met = ratio <= BATCH_GOAL
        ok &= met
        print(f"  batch {name} at 1e6 <= {BATCH_GOAL:.0f}x TA-Lib: {ratio:.2f}x -> {_met(met)}")
    for name, cost in (("RSI", s_rsi), ("MACD", s_macd)):
        met = cost <= STREAM_GOAL_US
        ok &= met
        print(f"  streaming {name} <= {STREAM_GOAL_US:.0f} us/update: {cost:.2f} us -> {_met(met)}")
    return 0 if ok else 1


def _met(flag: bool) -> str:
    return "met" if flag else "NOT met"


if __name__ == "__main__":
    raise SystemExit(main())
