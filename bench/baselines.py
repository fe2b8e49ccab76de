"""What the pipeline benchmark compares Sherwood with: a loopback HTTP round trip, and backtrader.

``http_round_trip`` times POSTs to an ``http.server`` thread over one
keep-alive ``http.client`` connection with TCP_NODELAY (one hop of the
original HTTP microservices design). ``backtrader_replay`` runs RSI(14) 30/70
long-only on the same bars in backtrader and counts its orders and fills.
"""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
import time
from typing import Any

from app.core.models import Bar


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


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

    class RsiLongOnly(bt.Strategy):
        def __init__(self) -> None:
            self.rsi = bt.indicators.RSI(self.data.close, period=14)
            self.trades = 0
            self.fills = 0

        def notify_order(self, order: Any) -> None:
            if order.status == order.Completed:
                self.fills += 1

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
    return {"bars_per_s": len(bars) / elapsed, "orders": result[0].trades,
            "fills": result[0].fills, "seconds": elapsed}  # fmt: skip
