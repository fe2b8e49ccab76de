"""What the benchmarks compare Sherwood with: a loopback HTTP round trip, and the bot in backtrader.

``http_round_trip`` times POSTs to an ``http.server`` thread over one
keep-alive ``http.client`` connection with TCP_NODELAY (one hop of the
original HTTP microservices design). ``durable_commit`` times single-row SQLite
commits that survive a power cut (WAL, ``synchronous=FULL``, as Sherwood's
live database commits an order row before Robinhood gets the order).

:class:`BotStrategy` is Sherwood's bot rebuilt in backtrader from the rules as
documented, not from Sherwood's code (the cross-check in
``tests/backtest/test_crosscheck_backtrader.py`` runs both and wants the same
fills and realized P&L to the cent; ``bench/pipeline.py`` and
``bench/optimize.py`` time it):

* RSI(period) by backtrader (Wilder smoothing, ``safediv``: a window without
  losses is 100, a flat one 50). A BUY on the bar where RSI enters the oversold
  zone (previous above the level, current at or below), a SELL where it enters
  the overbought zone.
* Prices as a replay quotes them: at a bar's close the bid is the close and the
  ask the close plus the spread; buys pay the ask, sells get the bid.
* On each bar's close, first the exits, then the signal. Exits: while holding,
  P/L % = (bid - entry) / entry x 100 at or above the profit target, or at or
  below the stop loss, sells everything; each exit fires once per position.
  A BUY while flat buys ``max_investment`` dollars' worth at the ask, rounded
  down to 1e-6 share; a SELL while holding sells everything; one order at a time.
* An order is decided at a bar's end and refused unless the regular session is
  open then (NYSE calendar). A refused exit is tried again (selling everything)
  at the end of the first later bar that ends in the regular session, while
  the position is held, before that bar's exits and signal. An order fills at
  the next bar's open (``fill="next_open"``, backtrader's market order; the buy
  pays the open plus the spread) or at the deciding bar's close
  (``fill="close"``, backtrader's cheat-on-close): then the fill is booked at
  once, so a signal on the bar that an exit just closed can open the next
  position at the same close.
* Realized P&L: each sale's (price - entry) x shares, rounded to the cent (half up).
* No day-trade rule (backtrader has none): Sherwood runs with it off.
"""

from __future__ import annotations

import http.client
import http.server
import socket
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import backtrader as bt
import pandas as pd

from app.calendar import Session, session_at
from app.core.models import Bar

SHARE_STEP = Decimal("0.000001")
EXITS = ("profit target", "stop loss")
CENT = Decimal("0.01")


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


def durable_commit(n: int = 2000) -> dict[str, float]:
    """One 200-byte row committed at a time on a WAL file with ``synchronous=FULL``."""
    samples = []
    with tempfile.TemporaryDirectory() as folder:
        conn = sqlite3.connect(Path(folder) / "commit.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=wal")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE row (id INTEGER PRIMARY KEY, body TEXT)")
        for i in range(n + 100):
            t0 = time.perf_counter_ns()
            conn.execute("INSERT INTO row (body) VALUES (?)", ("x" * 200,))
            if i >= 100:
                samples.append((time.perf_counter_ns() - t0) / 1000)
        conn.close()
    return {"p50": pct(samples, 50), "p99": pct(samples, 99)}


# --------------------------------------------------------------------------- the bot


@dataclass(frozen=True)
class BotRules:
    """The bot's rules with Sherwood's defaults (RSI 14 30/70, $20, +1 % / -0.5 %)."""

    period: int = 14
    oversold: float = 30.0
    overbought: float = 70.0
    max_investment: Decimal = Decimal("20.00")
    profit_target_pct: Decimal = Decimal("1.0")
    stop_loss_pct: Decimal = Decimal("-0.5")
    spread: Decimal = Decimal("0.01")
    starting_cash: Decimal = Decimal("1000.00")
    fill: str = "next_open"  # or "close"


@dataclass(frozen=True)
class BotFill:
    time: datetime  # UTC: the start of the bar whose open filled it, or the deciding bar's end
    side: str  # "buy" / "sell"
    quantity: Decimal
    price: Decimal
    why: str


class SpreadCommission(bt.CommInfoBase):
    """Buys pay the spread over the quoted price (bid = the bar's price, ask = bid + spread)."""

    params = (("spread", 0.01), ("stocklike", True), ("commtype", bt.CommInfoBase.COMM_FIXED))

    def _getcommission(self, size: float, price: float, pseudoexec: bool) -> float:
        return float(self.p.spread) * size if size > 0 else 0.0


def _price(value: float) -> Decimal:
    """A bar price read back from backtrader's float, exactly as the CSV wrote it."""
    return Decimal(repr(value)).quantize(Decimal("0.0001"))


class BotStrategy(bt.Strategy):
    """See the module docstring; ``fills`` and ``realized`` are the outcome."""

    params = (
        ("period", 14), ("oversold", 30.0), ("overbought", 70.0), ("max_investment", "20.00"),
        ("profit_target_pct", "1.0"), ("stop_loss_pct", "-0.5"), ("spread", "0.01"),
        ("fill", "next_open"), ("bar_seconds", 300),
    )  # fmt: skip

    def __init__(self) -> None:
        self.rsi = bt.indicators.RSI(self.data.close, period=self.p.period, safediv=True)
        self.spread = Decimal(self.p.spread)
        self.budget = Decimal(self.p.max_investment)
        self.target_pct = Decimal(self.p.profit_target_pct)
        self.stop_pct = Decimal(self.p.stop_loss_pct)
        self.held = Decimal(0)
        self.entry: Decimal | None = None
        self.fired: set[str] = set()  # exits fired for the current position
        self.retry: str | None = None  # a refused exit to try again in the regular session
        self.pending: tuple[str, Decimal, str, datetime] | None = None  # side, shares, why, end
        self.fills: list[BotFill] = []
        self.realized = Decimal(0)
        self.refused = 0

    def notify_order(self, order: Any) -> None:
        """A next-open fill: backtrader executed the market order at this bar's open."""
        if order.status != order.Completed or self.pending is None:
            return
        side, quantity, why, _decided = self.pending
        self.pending = None
        when = bt.num2date(order.executed.dt).replace(tzinfo=UTC)
        self._filled(side, quantity, _price(order.executed.price), why, when)

    def _filled(
        self, side: str, quantity: Decimal, quote: Decimal, why: str, when: datetime
    ) -> None:
        """Book a fill on ``quote`` (the bid): a buy pays the spread over it."""
        if side == "buy":
            price = quote + self.spread
            self.held, self.entry, self.fired = quantity, price, set()
        else:
            price = quote
            assert self.entry is not None
            # each sale's P&L to the cent, half up, as a statement shows it
            pnl = (price - self.entry) * quantity
            self.realized += pnl.quantize(CENT, rounding=ROUND_HALF_UP)
            self.held, self.entry, self.fired, self.retry = Decimal(0), None, set(), None
        self.fills.append(BotFill(when, side, quantity, price, why))

    def _order(self, side: str, quantity: Decimal, why: str, end: datetime) -> None:
        if session_at(end) is not Session.REGULAR:
            self.refused += 1  # the paper broker refuses a market order outside the session
            if side == "sell" and why in EXITS:
                self.retry = why
            return
        if side == "buy":
            self.buy(size=float(quantity))
        else:
            self.sell(size=float(quantity))
        if self.p.fill == "close":  # filled at this close, before the bar's next decision
            self._filled(side, quantity, _price(self.data.close[0]), why, end)
        else:
            self.pending = (side, quantity, why, end)

    def next(self) -> None:
        start = self.data.datetime.datetime(0).replace(tzinfo=UTC)
        end = start + timedelta(seconds=self.p.bar_seconds)
        bid = _price(self.data.close[0])
        regular = session_at(end) is Session.REGULAR
        if self.retry is not None and self.held > 0 and self.pending is None and regular:
            why, self.retry = self.retry, None
            self._order("sell", self.held, f"{why} (retried)", end)
        if self.held > 0 and self.entry is not None and self.pending is None:
            gain = (bid - self.entry) * 100
            reason = ""
            if gain >= self.target_pct * self.entry:
                reason = "profit target"
            elif gain <= self.stop_pct * self.entry:
                reason = "stop loss"
            if reason and reason not in self.fired:
                self.fired.add(reason)
                self._order("sell", self.held, reason, end)
        if len(self) < self.p.period + 2:  # a zone entry needs two RSI values
            return
        now, before = self.rsi[0], self.rsi[-1]
        if before > self.p.oversold >= now:
            if self.held == 0 and self.pending is None:
                ask = bid + self.spread
                quantity = (self.budget / ask).quantize(SHARE_STEP, rounding=ROUND_DOWN)
                self._order("buy", quantity, "rsi BUY signal", end)
        elif before < self.p.overbought <= now and self.held > 0 and self.pending is None:
            self._order("sell", self.held, "rsi SELL signal", end)


def bars_frame(bars: list[Bar]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "open": [float(b.open) for b in bars],
            "high": [float(b.high) for b in bars],
            "low": [float(b.low) for b in bars],
            "close": [float(b.close) for b in bars],
            "volume": [b.volume for b in bars],
        },
        index=pd.DatetimeIndex([b.start.astimezone(UTC).replace(tzinfo=None) for b in bars]),
    )


def cerebro_for(bars: list[Bar], rules: BotRules, maxcpus: int | None = 1) -> bt.Cerebro:
    cerebro = bt.Cerebro(stdstats=False, maxcpus=maxcpus)
    cerebro.adddata(bt.feeds.PandasData(dataname=bars_frame(bars)))
    cerebro.broker.setcash(float(rules.starting_cash))
    cerebro.broker.addcommissioninfo(SpreadCommission(spread=float(rules.spread)))
    if rules.fill == "close":
        cerebro.broker.set_coc(True)
    return cerebro


def strategy_params(rules: BotRules, bars: list[Bar]) -> dict[str, Any]:
    return {
        "period": rules.period, "oversold": rules.oversold, "overbought": rules.overbought,
        "max_investment": str(rules.max_investment),
        "profit_target_pct": str(rules.profit_target_pct),
        "stop_loss_pct": str(rules.stop_loss_pct), "spread": str(rules.spread),
        "fill": rules.fill, "bar_seconds": bars[0].interval.seconds,
    }  # fmt: skip


def backtrader_bot(bars: list[Bar], rules: BotRules | None = None) -> BotStrategy:
    """Run the bot over ``bars`` in backtrader; the finished strategy (``fills``, ``realized``)."""
    rules = rules or BotRules()
    cerebro = cerebro_for(bars, rules)
    cerebro.addstrategy(BotStrategy, **strategy_params(rules, bars))
    strategy: BotStrategy = cerebro.run()[0]
    return strategy


def backtrader_replay(
    bars: list[Bar], rules: BotRules | None = None, fill: str = "next_open"
) -> dict[str, float]:
    """The bot in backtrader, timed: bars per second, orders and fills (``bench/pipeline.py``).

    The default rules put the profit target and stop loss out of reach, like the
    pipeline benchmark's Sherwood settings, and fill by ``fill``.
    """
    rules = rules or BotRules(profit_target_pct=Decimal("1000"), stop_loss_pct=Decimal("-99"),
                              starting_cash=Decimal("100000"), fill=fill)  # fmt: skip
    t0 = time.perf_counter()
    strategy = backtrader_bot(bars, rules)
    elapsed = time.perf_counter() - t0
    fills = len(strategy.fills)
    return {"bars_per_s": len(bars) / elapsed, "orders": fills + strategy.refused,
            "fills": fills, "seconds": elapsed}  # fmt: skip
