"""The HTTP API under load: throughput and latency beside a bare handler, and the GUI's lag.

Run ``python bench/api.py`` from the repo root (offscreen unless QT_QPA_PLATFORM is set).

The full terminal (window, every service, a simulated market at ``--speed``)
runs on its qasync loop with the API on a free loopback port; the API gets
one extra route, ``GET /bench/bare``, an aiohttp handler that only answers
``{"ok": true}`` through the same middlewares (Host check, token), the
floor of this server. A separate process (so the load generator does not
share the app's loop) sends ``--connections`` concurrent keep-alive requests
for ``--seconds`` to each of: the bare handler, ``GET /data/TQQQ/quote`` and
``POST /risk/validate-order``; it reports requests per second, p50 and p99.
Meanwhile a 10 ms ``QTimer`` on the GUI loop measures lateness (what a user
feels as a sluggish window); the same is measured with the API idle first.
All in one run: the ratios to the bare handler and to the idle lag are what count.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TICK_MS = 10
START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in New York
TARGETS = [
    ("bare handler", "GET", "/bench/bare", None),
    ("GET /data/TQQQ/quote", "GET", "/data/TQQQ/quote", None),
    ("POST /risk/validate-order", "POST", "/risk/validate-order",
     {"symbol": "TQQQ", "side": "buy", "dollars": "5"}),
]  # fmt: skip


# --- the load generator (its own process) -----------------------------------------------------


async def load(
    url: str, token: str, method: str, body: Any, seconds: float, connections: int
) -> dict[str, float]:
    import aiohttp

    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            async with http.request(method, url, json=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    errors += 1
            latencies.append((time.perf_counter() - began) * 1000)

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as http:
        began = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "errors": errors,
        "count": len(latencies),
    }


def load_main(argv: list[str]) -> int:
    url, token, method, body, seconds, connections = argv
    result = asyncio.run(
        load(url, token, method, json.loads(body), float(seconds), int(connections))
    )
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


# --- the app and the lag probe ----------------------------------------------------------------


async def lateness_while(work: Any) -> tuple[list[float], Any]:
    """Lateness of a 10 ms QTimer's ticks (ms) while ``work`` (an awaitable) runs."""
    from PySide6.QtCore import QTimer

    samples: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        samples.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    last[0] = time.perf_counter()
    timer.start()
    try:
        result = await work
    finally:
        timer.stop()
    return samples, result


def summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[max(0, int(len(ordered) * 0.99) - 1)], ordered[-1]


async def measure(args: argparse.Namespace) -> list[str]:
    from aiohttp import web
    from PySide6.QtCore import QSettings

    from app.api.server import ApiServer
    from app.composition import api_server, build_app
    from app.config import Settings
    from app.core.clock import SimulatedClock
    from app.ui.controller import Controller
    from app.ui.main_window import MainWindow

    async def bare(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    rows: list[str] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        settings = Settings().replace(log_level="ERROR")
        ctx = build_app(settings, data_dir=folder, clock=SimulatedClock(START, speed=args.speed))
        await ctx.start()
        server = ApiServer(api_server(ctx).backends, ctx.bus, folder, port=0,
                           extra_routes=[web.get("/bench/bare", bare)])  # fmt: skip
        await server.start()
        assert server.url is not None and server.token_file is not None
        token = server.token_file.read_text().strip()
        qsettings = QSettings(str(folder / "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(ctx, qsettings=qsettings, confirm_order=lambda _t: True,
                            ask_close=lambda _t: True, use_tray=False)  # fmt: skip
        controller = Controller(window, ctx)
        controller.start()
        window.show()
        await asyncio.sleep(2.0)  # the first quotes, the chart's history and first bars
        try:
            idle, _ = await lateness_while(asyncio.sleep(args.seconds))
            lags: dict[str, list[float]] = {"API idle": idle}
            results: dict[str, list[dict[str, float]]] = {}
            with ThreadPoolExecutor(1) as pool:
                for _ in range(args.rounds):  # interleaved: a noisy neighbour hits every target
                    for label, method, path, body in TARGETS:
                        command = [sys.executable, __file__, "--load", server.url + path, token,
                                   method, json.dumps(body), str(args.seconds),
                                   str(args.connections)]  # fmt: skip
                        run = functools.partial(
                            subprocess.run, command, capture_output=True, text=True, check=True
                        )
                        samples, done = await lateness_while(
                            asyncio.get_running_loop().run_in_executor(pool, run)
                        )
                        results.setdefault(label, []).append(json.loads(done.stdout))
                        lags.setdefault(f"under load: {label}", []).extend(samples)
        finally:
            controller.stop()
            window.close()
            await server.stop()
            await ctx.stop()

    def median(label: str, key: str) -> float:
        return statistics.median(r[key] for r in results[label])

    bare_rps = median(TARGETS[0][0], "rps")
    rows.append(
        f"API throughput, {args.connections} keep-alive connections, {args.rounds} interleaved "
        f"rounds of {args.seconds:g} s (medians), terminal at {args.speed:g}x on the same loop:"
    )
    rows.append(f"  {'endpoint':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  vs bare  errors")
    for label, _, _, _ in TARGETS:
        rps = median(label, "rps")
        errors = sum(int(r["errors"]) for r in results[label])
        rows.append(f"  {label:<28} {rps:8.0f} {median(label, 'p50'):8.2f} "
                    f"{median(label, 'p99'):8.2f}  {rps / bare_rps:6.2f}x  {errors}")  # fmt: skip
    rows.append("GUI event-loop lag, 10 ms QTimer, ms (goal: p99 under load < 50):")
    idle_p99 = summary(lags["API idle"])[1]
    for label, samples in lags.items():
        p50, p99, worst = summary(samples)
        rows.append(f"  {label:<40} p50 {p50:6.2f}  p99 {p99:6.2f}  max {worst:7.2f}  "
                    f"(p99 {p99 - idle_p99:+.2f} vs idle, {len(samples)} ticks)")  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments and arguments[0] == "--load":
        return load_main(arguments[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the endpoints")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--speed", type=float, default=60.0, help="simulated market speed")
    args = parser.parse_args(arguments)

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # a window closing between runs ends nothing
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:  # Qt drives the loop, as in the app
        lines = loop.run_until_complete(measure(args))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
