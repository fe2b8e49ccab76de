"""Chart benchmark: frame time, live-update cost and cold start against a bare window.

Run ``python bench/chart.py`` (offscreen unless QT_QPA_PLATFORM is set). Prints
frame times (median ``widget.grab()`` at 1280x720) at 1e5 and 1e6 candles with
the RSI and MACD panes, in the default view (last 200 bars) and zoomed out to
all bars (level of detail); the cost of a live update of the last candle; and
cold start to the first painted window, in subprocesses, of a bare PySide6
QMainWindow and of the chart with 500 bars, side by side with ratios and goals;
and the real terminal (``python -m app`` with ``SHERWOOD_STARTUP_PROBE=1``, see
``app/ui/run.py``): process start to its first painted main window (the shell with
the "Loading chart…" placeholder and the docks) and to the chart ready (services
started, bars loaded and painted), on a data directory an untimed run created first.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_FRAME_MS = 5.0
GOAL_UPDATE_MS = 2.0
GOAL_START_RATIO = 2.0
SIZE = (1280, 720)


def simulated(n: int, seed: int = 7):  # type: ignore[no-untyped-def]
    """n one-minute bars of a random walk (regular hours only, so x has no gaps)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    day = np.arange(n) // 390
    minute = np.arange(n) % 390
    # Weekdays only: 5 trading days per 7 calendar days.
    days = (day // 5) * 7 + day % 5
    t = 1_763_044_200.0 + days * 86400.0 + minute * 60.0  # from Thu 2025-11-13 09:30 ET
    c = 100.0 + np.cumsum(rng.normal(0.0, 0.15, n))
    c = np.maximum(c - np.min(c) + 10.0, 1.0) if np.min(c) < 10 else c
    o = np.r_[c[0], c[:-1]]
    h = np.maximum(o, c) + rng.exponential(0.08, n)
    low = np.minimum(o, c) - rng.exponential(0.08, n)
    v = rng.integers(1000, 50_000, n).astype(float)
    return t, o, h, low, c, v


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


class Timer:
    """Wall and CPU (process) time of one sample; CPU time is what this process did,
    which stays meaningful when other processes share the 2 cores."""

    def __enter__(self) -> Timer:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


def _record(out: dict[str, tuple[float, float]], label: str, timers: list[Timer]) -> None:
    out[label] = (_median_ms([t.wall for t in timers]), _median_ms([t.cpu for t in timers]))


def bench_frames(n: int, repeats: int = 30) -> dict[str, tuple[float, float]]:
    from PySide6.QtWidgets import QApplication

    from app.core.models import Bar, Interval
    from app.ui.chart.widget import ChartWidget

    app = QApplication.instance() or QApplication([])
    w = ChartWidget()
    w.resize(*SIZE)
    w.show()
    app.processEvents()
    cols = simulated(n)
    out: dict[str, tuple[float, float]] = {}
    with Timer() as load:
        w.set_arrays("BENCH", "1m", *cols)
    out["load (set_arrays)"] = (load.wall * 1000.0, load.cpu * 1000.0)
    app.processEvents()

    def frames(label: str) -> None:
        with Timer() as first:
            w.grab()
        out[f"{label}, first frame"] = (first.wall * 1000.0, first.cpu * 1000.0)
        timers = []
        for _ in range(repeats):
            with Timer() as t:
                w.grab()
            timers.append(t)
        _record(out, label, timers)

    frames("frame, last 200 bars")
    # Panning one bar per frame (cache replays; rebuilt past the overscan; y refits).
    timers = []
    for _ in range(repeats):
        x0, x1 = w.price_plot.vb.viewRange()[0]
        with Timer() as t:
            w.price_plot.vb.setXRange(x0 - 1, x1 - 1, padding=0.0)
            w.flush()
            w.grab()
        timers.append(t)
    _record(out, "pan 1 bar + refit + frame", timers)
    w.show_last(n)
    w.flush()
    frames("frame, all bars (LOD)")

    # Live update of the forming candle, default view at the right edge.
    w.show_last(200)
    w.flush()
    w.grab()
    last_t = float(w.series.t[-1])
    last_c = float(w.series.c[-1])
    start_dt = datetime.fromtimestamp(last_t, UTC)
    bars = []
    for k in range(repeats):
        price = Decimal(f"{last_c + 0.01 * (k % 7 - 3):.2f}")
        hi = max(price, Decimal(f"{w.series.h[-1]:.2f}"))
        lo = min(price, Decimal(f"{w.series.l[-1]:.2f}"))
        op = min(max(Decimal(f"{w.series.o[-1]:.2f}"), lo), hi)
        bars.append(Bar("BENCH", Interval.M1, start_dt, op, hi, lo, price, 20_000 + k))
    path, with_frame, plain = [], [], []
    for bar in bars:
        with Timer() as t_path:
            w.update_bar(bar)
            w.flush()
        with Timer() as t_frame:
            w.grab()
        with Timer() as t_plain:
            w.grab()
        path.append(t_path)
        t_frame.wall += t_path.wall
        t_frame.cpu += t_path.cpu
        with_frame.append(t_frame)
        plain.append(t_plain)
    _record(out, "live update: update_bar+flush", path)
    _record(out, "live update + frame", with_frame)
    _record(out, "frame without update", plain)
    a_wall, a_cpu = out["live update + frame"]
    b_wall, b_cpu = out["frame without update"]
    out["live update + frame - frame"] = (a_wall - b_wall, a_cpu - b_cpu)
    # Appending a new bar (the view follows the right edge).
    timers = []
    t_next = last_t
    for _ in range(repeats):
        t_next += 60.0
        with Timer() as t:
            w.update_values(t_next, last_c, last_c + 0.05, last_c - 0.05, last_c, 1000.0)
            w.flush()
        timers.append(t)
    _record(out, "append a bar: update+flush", timers)
    w.close()
    w.deleteLater()
    app.processEvents()
    return out


def bench_reference(repeats: int = 30) -> dict[str, tuple[float, float]]:
    """Same-run yardsticks: an empty 3-plot pyqtgraph layout, and performance.md's
    1e6-point line with autoDownsample + clipToView, both grabbed at 1280x720."""
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    out: dict[str, tuple[float, float]] = {}
    empty = pg.GraphicsLayoutWidget()
    for row in range(3):
        empty.addPlot(row=row, col=0)
    line = pg.PlotWidget()
    curve = line.plot(np.cumsum(np.random.default_rng(1).normal(size=1_000_000)))
    curve.setDownsampling(auto=True)
    curve.setClipToView(True)
    for label, widget in (("empty 3-plot layout", empty), ("1e6-point line (ds+clip)", line)):
        widget.resize(*SIZE)
        widget.show()
        app.processEvents()
        widget.grab()
        timers = []
        for _ in range(repeats):
            with Timer() as t:
                widget.grab()
            timers.append(t)
        _record(out, label, timers)
        widget.close()
    return out


CHILD = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget
app = QApplication([])
win = QMainWindow()
win.resize(1280, 720)
if sys.argv[1] == "deps":
    sys.path.insert(0, sys.argv[2])
    import numpy, pyqtgraph
    from app.ui.chart.widget import ChartWidget
    target = QWidget()
    win.setCentralWidget(target)
elif sys.argv[1] == "chart":
    sys.path.insert(0, sys.argv[2])
    from bench.chart import simulated
    from app.ui.chart.widget import ChartWidget
    chart = ChartWidget()
    chart.set_arrays("BENCH", "1m", *simulated(500))
    win.setCentralWidget(chart)
    target = chart.graphics.viewport()
else:
    target = QWidget()
    win.setCentralWidget(target)

def done():
    print(time.time(), flush=True)
    app.quit()

class FirstPaint(QObject):
    seen = False
    def eventFilter(self, obj, event):
        if obj is target and event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            QTimer.singleShot(0, done)
        return False

spy = FirstPaint()
app.installEventFilter(spy)
win.show()
app.exec()
"""


def cold_start(kind: str) -> float:
    start = time.time()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": os.environ["QT_QPA_PLATFORM"]},
    )
    stamp = float(result.stdout.strip().splitlines()[-1])
    return (stamp - start) * 1000.0


def terminal_start(data_dir: Path) -> tuple[float, float]:
    """ms from spawning the real app to its first painted main window, and to chart ready."""
    start = time.time()
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "SHERWOOD_STARTUP_PROBE": "1"},
    )
    stamps = dict(line.split() for line in result.stdout.splitlines() if line.strip())
    return ((float(stamps["first_paint"]) - start) * 1000.0,
            (float(stamps["chart_ready"]) - start) * 1000.0)  # fmt: skip


def main() -> None:
    qpa = os.environ["QT_QPA_PLATFORM"]
    print(f"chart benchmark, QT_QPA_PLATFORM={qpa}, {SIZE[0]}x{SIZE[1]}, medians")
    reference = bench_reference()
    results = {n: bench_frames(n) for n in (100_000, 1_000_000)}
    print(f"\n{'ms: wall / cpu':34}{'1e5 candles':>18}{'1e6 candles':>18}")
    for key in results[100_000]:
        cells = "".join(f"{w:10.2f} /{c:6.2f}" for w, c in (results[n][key] for n in results))
        print(f"{key:34}{cells}")

    print("\nsame-run pyqtgraph yardsticks (frame, wall / cpu):")
    for key, (wall, cpu) in reference.items():
        print(f"  {key:32}{wall:10.2f} /{cpu:6.2f}")

    starts: dict[str, list[float]] = {"bare": [], "deps": [], "chart": [], "paint": [],
                                      "ready": []}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        terminal_start(data_dir)  # untimed: creates the database, as a returning user has it
        for _ in range(5):
            for kind in ("bare", "deps", "chart"):
                starts[kind].append(cold_start(kind))
            paint, ready = terminal_start(data_dir)
            starts["paint"].append(paint)
            starts["ready"].append(ready)
    bare, deps, chart, paint, ready = (statistics.median(starts[k]) for k in starts)
    print("\ncold start to first paint, median of 5 (process start -> first paint handled):")
    print(f"  bare PySide6 QMainWindow                      {bare:7.0f} ms")
    print(f"  bare + import numpy, pyqtgraph, chart module  {deps:7.0f} ms  ({deps / bare:.2f}x)")
    print(f"  ChartWidget with 500 bars                     {chart:7.0f} ms  ({chart / bare:.2f}x)")
    print(f"  terminal: first painted main window           {paint:7.0f} ms  ({paint / bare:.2f}x)")
    print(f"  terminal: chart ready (services, bars)        {ready:7.0f} ms  ({ready / bare:.2f}x)")

    big = results[1_000_000]
    frame = max(big["frame, last 200 bars"][0], big["frame, all bars (LOD)"][0])
    update = big["live update + frame - frame"][0]
    checks = [
        (f"frame at 1e6 <= {GOAL_FRAME_MS} ms (wall, worst view)", frame, frame <= GOAL_FRAME_MS),
        (f"live update <= {GOAL_UPDATE_MS} ms (wall)", update, update <= GOAL_UPDATE_MS),
        (
            f"chart widget start <= {GOAL_START_RATIO}x bare",
            chart / bare,
            chart / bare <= GOAL_START_RATIO,
        ),
        (
            f"terminal first paint <= {GOAL_START_RATIO}x bare",
            paint / bare,
            paint / bare <= GOAL_START_RATIO,
        ),
    ]
    print()
    for label, value, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {value:.2f}")


if __name__ == "__main__":
    main()
