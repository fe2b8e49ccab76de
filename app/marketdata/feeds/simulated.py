"""The simulated market: deterministic TQQQ-like quotes for any valid symbol, on the injected clock.

Every symbol matching the symbol pattern is known and gets its own path from
(seed, symbol) starting at the feed's anchor (the clock's time when the feed
was made, floored to the second). The primary symbol (the one the app trades,
``primary_symbol``) starts at ``start_price`` with the default market knobs;
every other symbol gets a price level and a volatility of its own, drawn from
(seed, symbol) (:func:`symbol_character`), so a watchlist of eight symbols
shows eight different markets, the same ones at every start. Without a
primary symbol every path starts at ``start_price``. By default it trades
around the clock and says every instant is the REGULAR session (it is clearly
a simulation); with ``follow_nyse_sessions`` it quotes only in NYSE pre-market,
regular and after-hours sessions and reports the real session.

The anchor may be given (a stored one, see :mod:`app.marketdata.feeds.simorigin`):
the market then continues the path an earlier run traded on. History before
the anchor is generated backwards (:mod:`app.marketdata.feeds.simhistory`);
history after it is the live path itself folded into bars, so a chart opened
late agrees bar for bar with what the market-data service built live.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np

from app import calendar
from app.calendar import Session
from app.core.clock import Clock
from app.core.models import SYMBOL_RE, Bar, Interval, Quote
from app.marketdata.bars import bounds_ts
from app.marketdata.feeds import sessions
from app.marketdata.feeds.base import Feed, QuoteSink
from app.marketdata.feeds.simhistory import BackwardHistory, around_the_clock, nyse_sessions
from app.marketdata.feeds.simpath import PathParams, PricePath, symbol_key

MAX_CATCH_UP = 3600  # steps emitted at once after the clock jumped; older ones are skipped
LEVELS = (0.2, 8.0)  # another symbol's start: this range times the start price (log-uniform)
ANNUAL_VOLS = (0.2, 0.9)  # and its annual volatility (uniform)
_CHARACTER_STREAM = 7  # keeps these draws apart from the path's and the history's


def symbol_character(
    seed: int, symbol: str, start_price: Decimal, params: PathParams
) -> tuple[Decimal, PathParams]:
    """The start price and market knobs of a symbol other than the primary one: a pure
    function of (seed, symbol), so the same symbol is the same market at every start."""
    rng = np.random.default_rng([seed & 0xFFFFFFFF, symbol_key(symbol), _CHARACTER_STREAM])
    level = float(np.exp(rng.uniform(np.log(LEVELS[0]), np.log(LEVELS[1]))))
    vol = float(rng.uniform(*ANNUAL_VOLS))
    price = max(Decimal("1.00"), (start_price * Decimal(repr(level))).quantize(Decimal("0.01")))
    # fewer shares trade in a dearer stock; volume follows volatility as on the primary path
    shares = params.shares_per_day * vol / params.annual_vol / max(level, 0.5)
    return price, dataclasses.replace(params, annual_vol=vol, shares_per_day=shares)


class SimulatedFeed(Feed):
    """See the module docstring."""

    simulated = True

    def __init__(
        self,
        clock: Clock,
        seed: int,
        start_price: Decimal,
        follow_nyse_sessions: bool = False,
        quote_interval: float = 1.0,
        params: PathParams | None = None,
        anchor: datetime | None = None,
        primary_symbol: str | None = None,
    ) -> None:
        super().__init__()
        if start_price <= 0:
            raise ValueError(f"start price must be positive, got {start_price}")
        if quote_interval <= 0:
            raise ValueError(f"quote interval must be positive, got {quote_interval}")
        self.clock = clock
        self.seed = seed
        self.start_price = start_price
        self.follow_nyse_sessions = follow_nyse_sessions
        self.quote_interval = float(quote_interval)
        self.params = params or PathParams()
        self.primary_symbol = primary_symbol
        self.name = "simulated (NYSE hours)" if follow_nyse_sessions else "simulated (24h)"
        start = anchor or clock.now()  # a stored anchor continues an earlier run's market
        self.anchor = datetime.fromtimestamp(math.floor(start.timestamp()), start.tzinfo)
        self._paths: dict[str, PricePath] = {}
        self._history: dict[tuple[str, Interval], BackwardHistory] = {}
        self._next_step: dict[str, int] = {}

    # --- what the market is -------------------------------------------------------------

    def session_at(self, when: datetime) -> Session:
        return calendar.session_at(when) if self.follow_nyse_sessions else Session.REGULAR

    def knows(self, symbol: str) -> bool:
        return bool(SYMBOL_RE.fullmatch(symbol))

    def character(self, symbol: str) -> tuple[Decimal, PathParams]:
        """The start price and market knobs of ``symbol`` (see the module docstring)."""
        if self.primary_symbol is None or symbol == self.primary_symbol:
            return self.start_price, self.params
        return symbol_character(self.seed, symbol, self.start_price, self.params)

    def path(self, symbol: str) -> PricePath:
        path = self._paths.get(symbol)
        if path is None:
            start_price, params = self.character(symbol)
            path = PricePath(
                self.seed, symbol, start_price, self.anchor, self.quote_interval,
                self.follow_nyse_sessions, params,
            )  # fmt: skip
            self._paths[symbol] = path
        return path

    def quote_at(self, symbol: str, when: datetime) -> Quote | None:
        """The latest quote at or before ``when`` (None before the anchor or while closed)."""
        path = self.path(symbol)
        k = path.step_at(when.timestamp())
        return path.quote(k) if k >= 0 else None

    # --- history ------------------------------------------------------------------------

    async def history(
        self, symbol: str, interval: Interval, end: datetime, count: int
    ) -> list[Bar]:
        if count <= 0:
            return []
        end_ts = min(end.timestamp(), self.clock.now().timestamp())
        forward = self._forward_bars(symbol, interval, end_ts, count)
        if interval is Interval.D1 and forward:
            forward[0] = self._with_anchor_morning(symbol, forward[0])
        need = count - len(forward)
        backward = self._backward(symbol, interval).ending_by(end_ts, need) if need > 0 else []
        return (backward + forward)[-count:]

    def _backward(self, symbol: str, interval: Interval) -> BackwardHistory:
        key = (symbol, interval)
        hist = self._history.get(key)
        if hist is None:
            slot_ok = nyse_sessions if self.follow_nyse_sessions else around_the_clock
            start_price, params = self.character(symbol)
            before, close = self.anchor.timestamp(), start_price
            if interval is Interval.D1:  # the days before end where the anchor's day began
                before, close = self._anchor_day_start(symbol)
            hist = BackwardHistory(
                self.seed, symbol, interval, close, before,
                self.follow_nyse_sessions, slot_ok, params,
            )  # fmt: skip
            self._history[key] = hist
        return hist

    # The anchor's New York day began before the anchor: its 5-minute history up to the anchor
    # is that day's morning. Daily bars agree with it (the day before closes where the morning
    # opens; the anchor's day opens there), so a previous close and today's change shown
    # beside today's intraday prices are the same market.

    def _anchor_morning(self, symbol: str) -> tuple[float, list[Bar]]:
        """The anchor's day start (epoch) and its 5-minute history bars before the anchor."""
        anchor_ts = self.anchor.timestamp()
        day_start = bounds_ts(Interval.D1, anchor_ts)[0]
        count = int((anchor_ts - day_start) // Interval.M5.seconds) + 1
        bars = self._backward(symbol, Interval.M5).ending_by(anchor_ts, count)
        return day_start, [b for b in bars if b.start.timestamp() >= day_start]

    def _anchor_day_start(self, symbol: str) -> tuple[float, Decimal]:
        day_start, morning = self._anchor_morning(symbol)
        return day_start, morning[0].open if morning else self.character(symbol)[0]

    def _with_anchor_morning(self, symbol: str, bar: Bar) -> Bar:
        """``bar`` (a daily bar) with the anchor's morning folded in when it is that day's."""
        day_start, morning = self._anchor_morning(symbol)
        if bar.start.timestamp() != day_start or not morning:
            return bar
        return Bar(
            symbol, bar.interval, bar.start, morning[0].open,
            max(bar.high, *(b.high for b in morning)), min(bar.low, *(b.low for b in morning)),
            bar.close, bar.volume + sum(b.volume for b in morning),
        )  # fmt: skip

    def _forward_bars(
        self, symbol: str, interval: Interval, end_ts: float, count: int
    ) -> list[Bar]:
        """The newest ``count`` (about) closed bars built from the live path between the
        anchor and ``end_ts`` (only the steps of those bars are folded)."""
        anchor_ts = self.anchor.timestamp()
        if end_ts <= anchor_ts:
            return []
        path = self.path(symbol)
        first_bar = bounds_ts(interval, end_ts - (count + 1) * interval.seconds)[0]
        k_from = max(0, path.step_at(first_bar))
        if path.time_of(k_from) < first_bar:
            k_from += 1  # the first step inside the first bar: no partial bar in front
        times, last, volume = path.last_prices(k_from, path.step_at(end_ts) + 1)
        if not len(times):
            return []
        # the steps split where a bar ends (what BarBuilder.add does one step at a time),
        # folded with numpy: a day of one-second steps is ~86,000 of them
        starts: list[int] = []
        bounds: list[tuple[float, float]] = []
        i = 0
        while i < len(times):
            slot = bounds_ts(interval, float(times[i]))
            starts.append(i)
            bounds.append(slot)
            i = int(np.searchsorted(times, slot[1], side="left"))
        if bounds[-1][1] > end_ts:
            del bounds[-1]  # still forming at ``end_ts``: not a closed bar yet
        at = np.asarray(starts, dtype=np.intp)
        ends = np.append(at[1:], len(times)) - 1
        highs = np.maximum.reduceat(last, at).tolist()
        lows = np.minimum.reduceat(last, at).tolist()
        sums = np.add.reduceat(volume, at).tolist()
        opens, closes = last[at].tolist(), last[ends].tolist()
        cents = Decimal("0.01")
        bars = []
        for n, (start, _end) in enumerate(bounds):
            bars.append(Bar(
                symbol, interval, datetime.fromtimestamp(start, UTC), Decimal(opens[n]) * cents,
                Decimal(highs[n]) * cents, Decimal(lows[n]) * cents, Decimal(closes[n]) * cents,
                int(sums[n]),
            ))  # fmt: skip
        return bars

    # --- live ---------------------------------------------------------------------------

    def subscribe(self, symbol: str) -> None:
        super().subscribe(symbol)
        path = self.path(symbol)
        self._next_step.setdefault(symbol, max(0, path.step_at(self.clock.now().timestamp())))

    def unsubscribe(self, symbol: str) -> None:
        super().unsubscribe(symbol)
        self._next_step.pop(symbol, None)

    async def run(self, sink: QuoteSink) -> None:
        """Emit each subscribed symbol's quotes at their step times until cancelled."""
        while True:
            now = self.clock.now()
            if self.follow_nyse_sessions and not sessions.trades_at(now, True):
                _, opens = calendar.next_session_change(now)
                await self.clock.sleep(max((opens - now).total_seconds(), 1e-6))
                continue
            now_ts = now.timestamp()
            wake = math.inf
            for symbol in sorted(self._subscribed):
                path = self.path(symbol)
                k = self._next_step.get(symbol, 0)
                current = path.step_at(now_ts)
                if current - k >= MAX_CATCH_UP:
                    k = current - MAX_CATCH_UP + 1
                while k <= current:
                    quote = path.quote(k)
                    k += 1
                    if quote is not None:
                        await sink.on_quote(quote)
                self._next_step[symbol] = k
                wake = min(wake, path.time_of(k))
            delay = (wake if wake != math.inf else now_ts + self.quote_interval) - now_ts
            await self.clock.sleep(max(delay, 1e-6))
