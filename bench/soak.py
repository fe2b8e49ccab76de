"""Soak: a headless Sherwood at high speed for minutes, its memory and WAL sampled.

A leak that costs a few hundred bytes per simulated second is invisible in a
test and fills the machine in a day. This runs the real app (``python -m app
--headless --speed 1800``, the bot trading the simulated market) in a
subprocess for ``--minutes`` (10 by default), samples its resident memory and
the database's WAL size every ``--every`` seconds, and prints the samples and
the growth of the second half of the run against the first half: after the
warm-up, memory should be flat (the ratio near 1, the slope near 0 MB/min).

    python -m bench.soak --minutes 3
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
SCRATCH = "sim.sqlite3"  # a run faster than real time trades the scratch account


def sample(process: psutil.Process, wal: Path) -> tuple[float, float]:
    rss = process.memory_info().rss / 1e6
    size = wal.stat().st_size / 1e6 if wal.exists() else 0.0
    return rss, size


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (minute, MB) points, MB per minute."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="wall minutes to run")
    parser.add_argument("--speed", type=float, default=1800.0, help="simulated clock speed")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="sherwood-soak-") as folder:
        wal = Path(folder) / f"{SCRATCH}-wal"
        command = [
            sys.executable, "-m", "app", "--headless", "--speed", f"{args.speed:g}",
            "--run-for", f"{seconds + 30:g}", "--data-dir", folder, "--log-level", "WARNING",
        ]  # fmt: skip
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        with open(Path(folder) / "stdout.txt", "w") as out:
            child = subprocess.Popen(command, cwd=REPO, env=env, stdout=out,
                                     stderr=subprocess.DEVNULL)  # fmt: skip
            process = psutil.Process(child.pid)
            started = time.monotonic()
            points: list[tuple[float, float, float]] = []  # (minute, rss MB, wal MB)
            print(f"soak: {args.minutes:g} min at {args.speed:g}x (pid {child.pid})")
            print(f"{'minute':>7} {'RSS MB':>8} {'WAL MB':>8}")
            try:
                while (elapsed := time.monotonic() - started) < seconds:
                    time.sleep(min(args.every, max(0.1, seconds - elapsed)))
                    if child.poll() is not None:
                        print(f"the app ended early with exit code {child.returncode}")
                        return 1
                    rss, size = sample(process, wal)
                    minute = (time.monotonic() - started) / 60
                    points.append((minute, rss, size))
                    print(f"{minute:7.2f} {rss:8.1f} {size:8.2f}", flush=True)
            finally:
                child.send_signal(signal.SIGTERM)
                child.wait(timeout=120)
        summary = (Path(folder) / "stdout.txt").read_text()
    half = len(points) // 2
    first, second = points[:half], points[half:]
    if not first or not second:
        print("too short to compare halves")
        return 1
    mean_first = sum(p[1] for p in first) / len(first)
    mean_second = sum(p[1] for p in second) / len(second)
    print(summary.strip())
    print(
        f"RSS: first half {mean_first:.1f} MB, second half {mean_second:.1f} MB "
        f"(ratio {mean_second / mean_first:.3f}); slope of the second half "
        f"{slope([(m, r) for m, r, _ in second]):+.3f} MB/min "
        f"({slope([(m, r) for m, r, _ in second]) / (args.speed / 60):+.5f} MB per simulated hour)"
    )
    print(f"WAL: largest {max(p[2] for p in points):.2f} MB, last {points[-1][2]:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
