"""RobinhoodFeed: live quotes polled from Robinhood, its market hours and its historicals.

Robinhood has no streaming API. Every ``interval`` seconds (``QUOTE_INTERVAL_SECONDS``,
at least 1) one request, ``GET /quotes/?symbols=A,B,...``, fetches every watched
symbol; a quote is delivered when it changed. Its time is Robinhood's
``updated_at``, so a quote that stops moving goes stale in market data like any
other; a halted symbol (``trading_halted``) is delivered flagged stale, so no order
is checked against it. Under 429 the poll waits what Robinhood asks ("Expected
available in N seconds" or a ``Retry-After`` header; else twice as long as before,
up to a minute) and goes back to the interval after the next answer; other
failures back off the same way. Without a session (logged out) it looks again
every interval: that costs no request, and quotes resume as soon as the user logs in.

Sessions come from ``/markets/XNYS/hours/{date}/`` (fetched by ``run`` for
each New York date); a date not fetched yet falls back to Sherwood's NYSE
calendar. History (``/quotes/historicals/``): 5-minute bars for a week (also
folded into 15-minute bars), hourly for three months, daily for five years.
Robinhood offers no 1-minute stock bars (its intervals are 5minute, 10minute,
hour, day and week); 1-minute history is what ``recorded`` gives: the bars
Sherwood built from Robinhood's quotes in earlier sessions and stored in the live
database, so a 1-minute chart and strategy warm from the minutes Sherwood saw.

All requests go through ``reader`` (the broker package's authorized reader
over the gateway's worker thread); this module never touches HTTP itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from app import calendar
from app.calendar import NEW_YORK, Session
from app.core.clock import Clock
from app.core.errors import AuthenticationRequired, BrokerError, RateLimited
from app.core.models import SYMBOL_RE, Bar, Interval, Quote
from app.marketdata.bars import aggregate
from app.marketdata.feeds.base import Feed, QuoteSink

log = logging.getLogger("sherwood.feed.robinhood")

API = "https://api.robinhood.com"
MIN_INTERVAL = 1.0
MAX_BACKOFF = 60.0
# Sherwood interval -> (Robinhood interval, span); None: folded from 5-minute bars.
HISTORY: dict[Interval, tuple[str, str]] = {
    Interval.M5: ("5minute", "week"),
    Interval.M15: ("5minute", "week"),
    Interval.H1: ("hour", "3month"),
    Interval.D1: ("day", "5year"),
}


RecordedBars = Callable[[str, Interval, datetime, int], list[Bar]]
"""``(symbol, interval, end, count)`` -> bars stored before ``end``, oldest first."""


class JsonReader(Protocol):
    """An authorized GET returning Robinhood's JSON object (typed errors otherwise)."""

    async def get(self, target: str, params: dict[str, str] | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class MarketHours:
    """One New York date's hours as Robinhood gives them (UTC instants; None when closed)."""

    day: date
    is_open: bool
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    extended_opens_at: datetime | None = None
    extended_closes_at: datetime | None = None

    def session_at(self, when: datetime) -> Session:
        if not self.is_open or self.opens_at is None or self.closes_at is None:
            return Session.CLOSED
        if self.opens_at <= when < self.closes_at:
            return Session.REGULAR
        if self.extended_opens_at is not None and self.extended_opens_at <= when < self.opens_at:
            return Session.PRE
        if self.extended_closes_at is not None and self.closes_at <= when < self.extended_closes_at:
            return Session.POST
        return Session.CLOSED


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _price(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def parse_hours(day: date, data: dict[str, Any]) -> MarketHours:
    return MarketHours(
        day, bool(data.get("is_open")), _time(data.get("opens_at")), _time(data.get("closes_at")),
        _time(data.get("extended_opens_at")), _time(data.get("extended_closes_at")),
    )  # fmt: skip


def parse_quote(row: dict[str, Any]) -> Quote | None:
    """A Robinhood quote as Sherwood's (halted: flagged stale); None when it has no prices."""
    bid, ask = _price(row.get("bid_price")), _price(row.get("ask_price"))
    last = _price(row.get("last_trade_price")) or _price(row.get("last_extended_hours_trade_price"))
    when = _time(row.get("updated_at"))
    if bid is None or ask is None or when is None or not row.get("symbol"):
        return None
    halted = bool(row.get("trading_halted"))
    return Quote(
        symbol=str(row["symbol"]), bid=bid, ask=ask, last=last if last is not None else ask,
        bid_size=Decimal(str(row.get("bid_size") or 0)),
        ask_size=Decimal(str(row.get("ask_size") or 0)), time=when,
        stale=halted, halted=halted,
    )  # fmt: skip


def parse_bars(symbol: str, interval: Interval, rows: list[dict[str, Any]]) -> list[Bar]:
    """Robinhood's historicals as bars (daily bars start at New York midnight, like ours)."""
    bars = []
    for row in rows:
        start = _time(row.get("begins_at"))
        prices = [_price(row.get(k)) for k in ("open_price", "high_price", "low_price",
                                               "close_price")]  # fmt: skip
        if start is None or any(p is None for p in prices):
            continue
        if interval is Interval.D1:
            start = datetime.combine(start.date(), time(0), NEW_YORK).astimezone(UTC)
        o, h, low, c = (p for p in prices if p is not None)
        try:
            bars.append(Bar(symbol, interval, start, o, h, low, c, int(row.get("volume") or 0)))
        except ValueError as exc:  # an inconsistent row (Robinhood interpolates some)
            log.debug("skipped a historical bar of %s: %s", symbol, exc)
    return bars


class RobinhoodFeed(Feed):
    name = "robinhood"
    simulated = False

    def __init__(
        self, reader: JsonReader, clock: Clock, *, interval: float = MIN_INTERVAL,
        recorded: RecordedBars | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.reader = reader
        self.clock = clock
        self.interval = max(MIN_INTERVAL, interval)
        self.recorded = recorded
        self._hours: dict[date, MarketHours] = {}
        self._last: dict[str, Quote] = {}
        self._wait = self.interval
        self._paused = ""  # why quotes are paused (logged once), "" while they flow
        self._told: set[tuple[str, Interval]] = set()  # (symbol, interval) said to be ours

    # --- sessions -------------------------------------------------------------------------

    def session_at(self, when: datetime) -> Session:
        hours = self._hours.get(when.astimezone(NEW_YORK).date())
        return hours.session_at(when) if hours is not None else calendar.session_at(when)

    async def market_hours(self, day: date) -> MarketHours:
        """Robinhood's hours for the New York date ``day`` (kept for :meth:`session_at`)."""
        found = self._hours.get(day)
        if found is None:
            data = await self.reader.get(f"{API}/markets/XNYS/hours/{day.isoformat()}/")
            found = self._hours[day] = parse_hours(day, data)
        return found

    # --- history --------------------------------------------------------------------------

    def knows(self, symbol: str) -> bool:
        return bool(SYMBOL_RE.fullmatch(symbol))

    async def history(
        self, symbol: str, interval: Interval, end: datetime, count: int
    ) -> list[Bar]:
        if interval not in HISTORY:  # no such bars at Robinhood (1 minute): Sherwood's own
            stored = self.recorded(symbol, interval, end, count) if self.recorded else []
            bars = [b for b in stored if b.start.timestamp() + interval.seconds <= end.timestamp()]
            if (symbol, interval) not in self._told:
                self._told.add((symbol, interval))
                log.info(
                    "Robinhood has no %s bars: %d of %s recorded by Sherwood in earlier "
                    "sessions; the next ones are built from live quotes",
                    interval.value, len(bars), symbol,
                )  # fmt: skip
            return bars
        rh_interval, span = HISTORY[interval]
        data = await self.reader.get(
            f"{API}/quotes/historicals/",
            {"symbols": symbol, "interval": rh_interval, "span": span, "bounds": "regular"},
        )
        rows = next(
            (r.get("historicals") or [] for r in data.get("results") or []
             if isinstance(r, dict) and r.get("symbol") == symbol), [],
        )  # fmt: skip
        base = Interval.M5 if interval is Interval.M15 else interval
        bars = parse_bars(symbol, base, rows)
        if interval is Interval.M15:
            bars = aggregate(bars, Interval.M15, complete_before=end.timestamp())
        size = interval.seconds
        return [b for b in bars if b.start.timestamp() + size <= end.timestamp()][-count:]

    # --- quotes ---------------------------------------------------------------------------

    async def poll(self, sink: QuoteSink) -> int:
        """One batched quote request for every subscribed symbol; returns quotes delivered."""
        symbols = sorted(self.subscribed)
        if not symbols:
            return 0
        data = await self.reader.get(f"{API}/quotes/", {"symbols": ",".join(symbols)})
        delivered = 0
        for row in data.get("results") or []:
            quote = parse_quote(row) if isinstance(row, dict) else None
            if quote is None or quote.symbol not in self.subscribed:
                continue
            if self._last.get(quote.symbol) == quote:
                continue  # nothing new since the last poll
            self._last[quote.symbol] = quote
            await sink.on_quote(quote)
            delivered += 1
        return delivered

    async def run(self, sink: QuoteSink) -> None:
        while True:
            try:
                await self.market_hours(self.clock.now().astimezone(NEW_YORK).date())
                await self.poll(sink)
                self._wait = self.interval
                self._resumed()
            except RateLimited as exc:
                self._wait = min(MAX_BACKOFF, max(exc.retry_after or 0.0, self._wait * 2))
                self._pause(f"Robinhood throttles quotes; next poll in {self._wait:g} s")
            except AuthenticationRequired as exc:
                self._wait = self.interval  # no session: no request is made while waiting
                self._pause(f"quotes paused until you log in: {exc}", always=False)
            except BrokerError as exc:
                self._wait = min(MAX_BACKOFF, self._wait * 2)
                self._pause(f"quotes failed ({exc}); next poll in {self._wait:g} s")
            await self.clock.sleep(self._wait)

    def _pause(self, why: str, *, always: bool = True) -> None:
        """Log why quotes stopped: every time (``always``) or once until they flow again."""
        if always or not self._paused:
            log.warning("%s", why)
        self._paused = why

    def _resumed(self) -> None:
        if self._paused:
            log.info("quotes flow again (every %g s)", self.interval)
            self._paused = ""

    @property
    def next_wait(self) -> float:
        """Seconds until the next poll (the interval, longer while backing off)."""
        return self._wait


__all__ = ["JsonReader", "MarketHours", "RecordedBars", "RobinhoodFeed"]
