"""MarketDataService: latest quotes, bars built from quotes, history with a cache, staleness.

Feeds push quotes (:meth:`MarketDataService.on_quote`) or whole bars
(:meth:`MarketDataService.on_bar`). The service keeps the latest quote per
symbol, builds bars for every interval in use (the bot's ``bar_interval`` and
whatever the chart tracks), and publishes ``PriceUpdated``, ``BarUpdated``
(tracked intervals only, at most every :data:`BAR_UPDATE_MIN_SECONDS` of clock
time per bar) and ``BarClosed``. A bar closes when a quote arrives past its end,
or on a timer on the clock so a quiet market still closes bars on time. A quote
older than ``settings.quote_stale_seconds`` is stale: ``latest_quote`` marks it,
``get_quote``/``current_price`` refuse it, ``QuoteStale`` is published once and
the service is DEGRADED until a fresh quote arrives. The state is updated
before each event is published.

Event order, the same for a live feed (``on_quote``) and a replay (``on_bar``):
a price is published first (``PriceUpdated``), then the bars it closed
(``BarClosed``), so every subscriber has seen a price before the strategy
acts on the bar it closed. A bar the timer closes (no price) only publishes
``BarClosed``.

``on_bar`` (replays) is the per-bar hot path: it builds one synthetic quote and
two events and does no other allocation when no coarser interval is built from
the bar: the bar's end comes from ``start + interval`` for aligned UTC starts,
the coarser builders fed by a bar interval are resolved once per change, and the
closed-bar history (:class:`~app.marketdata.history.ClosedBars`) appends in O(1)
amortised. Bars are queued for SQLite only when a ``bar_store`` database is given.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from peewee import Database

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.errors import MarketDataError, StaleQuote, UnknownSymbol
from app.core.events import (
    BarClosed,
    BarUpdated,
    HistoricalDataReady,
    PriceUpdated,
    QuoteStale,
)
from app.core.models import Bar, HealthState, Interval, Quote, normalize_symbol
from app.core.order_rules import quote_is_stale
from app.core.service import Service
from app.core.tasks import cancel_and_wait
from app.marketdata.bars import BarBuilder, bounds_ts
from app.marketdata.cache import BarCache
from app.marketdata.feeds.base import Feed
from app.marketdata.history import ClosedBars

BAR_UPDATE_MIN_SECONDS = 0.5
SYNTHETIC_SIZE = Decimal(100)

_Key = tuple[str, Interval]
# intraday interval -> (minutes a start must be a multiple of, the bar's length)
_INTRADAY: dict[Interval, tuple[int, timedelta]] = {
    i: (i.seconds // 60, timedelta(seconds=i.seconds)) for i in Interval if i is not Interval.D1
}


def _end_ts(bar: Bar) -> float:
    return bounds_ts(bar.interval, bar.start.timestamp())[1]


def _bar_end(bar: Bar) -> datetime:
    """The end of ``bar`` as an aware datetime in the zone of its start."""
    start = bar.start
    sizes = _INTRADAY.get(bar.interval)
    if (
        sizes is not None
        and start.tzinfo is UTC
        and not start.second
        and not start.microsecond
        and not start.minute % sizes[0]
    ):
        return start + sizes[1]  # an aligned UTC start (H1 divides a UTC hour): plain addition
    return datetime.fromtimestamp(_end_ts(bar), start.tzinfo)


class MarketDataService(Service):
    """See the module docstring."""

    name = "market_data"

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        feed: Feed,
        settings: Settings,
        *,
        bar_store: Database | None = None,
    ) -> None:
        super().__init__(bus, clock)
        self.feed = feed
        self.settings = settings
        self._quotes: dict[str, Quote] = {}
        self._builders: dict[str, list[BarBuilder]] = {}
        self._tracked: set[_Key] = set()
        self._bar_updated_at: dict[_Key, tuple[float, float]] = {}
        self._closed: dict[_Key, ClosedBars] = {}
        self._coarser: dict[_Key, tuple[BarBuilder, ...]] = {}
        self._watched: set[str] = set()
        self._stale: dict[str, float] = {}
        self._cache = BarCache(bar_store)  # closed bars kept in this database, if given
        self._tasks: list[asyncio.Task[None]] = []

    # --- lifecycle ----------------------------------------------------------------------

    async def on_start(self) -> None:
        await self.watch(self.settings.symbol)
        loop = asyncio.get_running_loop()
        feed_task = loop.create_task(self._run_feed(), name="market_data.feed")
        self._tasks = [feed_task, loop.create_task(self._timer(), name="market_data.timer")]

    async def on_stop(self) -> None:
        await cancel_and_wait(self._tasks)
        self._tasks = []
        self._cache.flush()

    async def _run_feed(self) -> None:
        try:
            await self.feed.run(self)
            self.log.info("feed %s finished", self.feed.name)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.log.exception("feed %s failed", self.feed.name)
            await self.set_health(HealthState.DEGRADED, f"feed {self.feed.name} stopped: {exc}")

    def update_settings(self, settings: Settings) -> None:
        """Adopt new settings (bar interval, stale limit); builders follow on the next quote."""
        old = self.settings.bar_interval
        self.settings = settings
        if settings.bar_interval is not old:
            for symbol in list(self._builders):
                self._ensure_builder(symbol, settings.bar_interval)

    # --- symbols ------------------------------------------------------------------------

    def check_symbol(self, symbol: str) -> str:
        """The normalized symbol, or :class:`UnknownSymbol` saying what is wrong."""
        try:
            cleaned = normalize_symbol(symbol)
        except ValueError as exc:
            raise UnknownSymbol(str(exc)) from None
        if not self.feed.knows(cleaned):
            raise UnknownSymbol(f"{cleaned} is not known to the {self.feed.name} feed")
        return cleaned

    async def watch(self, symbol: str) -> str:
        """Start receiving quotes for ``symbol``; returns the normalized symbol."""
        cleaned = self.check_symbol(symbol)
        self._watched.add(cleaned)
        self.feed.subscribe(cleaned)
        self._ensure_builder(cleaned, self.settings.bar_interval)
        return cleaned

    def unwatch(self, symbol: str) -> None:
        cleaned = self.check_symbol(symbol)
        self._watched.discard(cleaned)
        self.feed.unsubscribe(cleaned)
        self._stale.pop(cleaned, None)

    def watched(self) -> list[str]:
        return sorted(self._watched)

    def track_interval(self, symbol: str, interval: Interval) -> None:
        """Build and publish forming bars of ``interval`` for ``symbol`` (the chart asks).

        A builder made in the middle of a bar starts from the finer bars built so far
        (closed ones and the forming one), so its first bar holds every trade since
        the bar's start rather than only those after the chart asked.
        """
        cleaned = self.check_symbol(symbol)
        self._tracked.add((cleaned, interval))
        if not any(b.interval is interval for b in self._builders.get(cleaned, ())):
            self._seed(self._ensure_builder(cleaned, interval))

    def untrack_interval(self, symbol: str, interval: Interval) -> None:
        self._tracked.discard((normalize_symbol(symbol), interval))

    def _seed(self, builder: BarBuilder) -> None:
        """Fold into a new (empty) builder the finer bars of its current bar: the finest
        interval's closed bars since that bar's start and its forming bar (a replay has
        closed bars only). Nothing when that bar is already over."""
        finer = [b for b in self._builders.get(builder.symbol, ())
                 if b.interval.seconds < builder.interval.seconds]  # fmt: skip
        for source in finer:  # the finest first: builders are sorted by interval
            held = self._closed.get((builder.symbol, source.interval))
            forming = source.to_bar()
            newest = held.newest(1) if held is not None else []
            latest = forming or (newest[0] if newest else None)
            if latest is None:
                continue
            start_ts, end_ts = bounds_ts(builder.interval, latest.start.timestamp())
            if end_ts <= self.clock.now().timestamp():
                return  # the bar the builder would start is over
            until_ts = forming.start.timestamp() if forming is not None else end_ts
            per_bar = builder.interval.seconds // source.interval.seconds + 1
            for bar in held.newest(per_bar) if held is not None else ():
                if start_ts <= bar.start.timestamp() < until_ts:
                    builder.add_bar(bar)
            if forming is not None:
                builder.add_bar(forming)
            return

    def _ensure_builder(self, symbol: str, interval: Interval) -> BarBuilder:
        builders = self._builders.setdefault(symbol, [])
        for builder in builders:
            if builder.interval is interval:
                return builder
        builder = BarBuilder(symbol, interval)
        builders.append(builder)
        builders.sort(key=lambda b: b.interval.seconds)
        self._coarser.clear()
        return builder

    def _coarser_builders(self, symbol: str, interval: Interval) -> tuple[BarBuilder, ...]:
        """The builders of ``symbol`` with intervals longer than ``interval`` (cached)."""
        key = (symbol, interval)
        found = self._coarser.get(key)
        if found is None:
            seconds = interval.seconds
            found = tuple(b for b in self._builders.get(symbol, ()) if b.interval.seconds > seconds)
            self._coarser[key] = found
        return found

    # --- quotes -------------------------------------------------------------------------

    def latest_quote(self, symbol: str) -> Quote | None:
        quote = self._quotes.get(symbol)
        if quote is None:
            return None
        if quote_is_stale(quote.time, self.clock.now(), self.settings.quote_stale_seconds):
            return dataclasses.replace(quote, stale=True)
        return quote

    def get_quote(self, symbol: str) -> Quote:
        cleaned = self.check_symbol(symbol)
        quote = self.latest_quote(cleaned)
        if quote is None:
            raise MarketDataError(f"no quote for {cleaned} yet")
        if quote.halted:
            raise StaleQuote(f"trading in {cleaned} is halted")
        if quote.stale:
            age = (self.clock.now() - quote.time).total_seconds()
            raise StaleQuote(
                f"the latest {cleaned} quote is {age:.0f} s old "
                f"(limit {self.settings.quote_stale_seconds:g} s)"
            )
        return quote

    def current_price(self, symbol: str) -> Decimal:
        return self.get_quote(symbol).last

    # --- ingestion ----------------------------------------------------------------------

    async def on_quote(self, quote: Quote) -> None:
        symbol = quote.symbol
        previous = self._quotes.get(symbol)
        if previous is not None and quote.time < previous.time:
            return  # out of order: never replace a newer quote
        self._quotes[symbol] = quote
        if symbol in self._stale:
            del self._stale[symbol]
            await self._update_health()
        ts = quote.time.timestamp()
        builders = self._builders.get(symbol)
        if builders is None:
            builders = [self._ensure_builder(symbol, self.settings.bar_interval)]
        closed_bars: list[Bar] = []
        for builder in builders:
            closed = builder.add(ts, quote.last, quote.volume)
            if closed is not None:
                self._remember(closed)
                closed_bars.append(closed)
        now = self.clock.now()
        await self.bus.publish(PriceUpdated(time=now, quote=quote))
        for closed in closed_bars:  # the price first, then the bars it closed (as on_bar does)
            await self.bus.publish(BarClosed(time=now, bar=closed))
        if self._tracked:
            await self._publish_forming(symbol, builders, ts, now)

    async def _publish_forming(
        self, symbol: str, builders: list[BarBuilder], ts: float, now: datetime
    ) -> None:
        for builder in builders:
            key = (symbol, builder.interval)
            if key not in self._tracked or not builder.active:
                continue
            last_start, last_at = self._bar_updated_at.get(key, (-1.0, -math.inf))
            if builder.start_ts == last_start and ts - last_at < BAR_UPDATE_MIN_SECONDS:
                continue
            self._bar_updated_at[key] = (builder.start_ts, ts)
            bar = builder.to_bar()
            if bar is not None:
                await self.bus.publish(BarUpdated(time=now, bar=bar))

    async def _replayed_price(
        self, symbol: str, price: Decimal, when: datetime, volume: int
    ) -> Quote:
        """The synthetic quote of a replayed price: bid = the price, ask = bid + spread."""
        ask = price + self.settings.backtest_spread
        quote = Quote(symbol, price, ask, price, SYNTHETIC_SIZE, SYNTHETIC_SIZE, when, volume)
        self._quotes[symbol] = quote
        if self._stale and symbol in self._stale:
            del self._stale[symbol]
            await self._update_health()
        return quote

    async def on_bar_open(self, bar: Bar) -> None:
        """A replayed bar's opening price, at its start: a synthetic quote and ``PriceUpdated``.

        The whole bar follows with :meth:`on_bar`. A backtest sends it while an
        order decided on the bar before waits for its fill (see :mod:`app.backtest.engine`).
        """
        quote = await self._replayed_price(bar.symbol, bar.open, bar.start, 0)
        await self.bus.publish(PriceUpdated(time=self.clock.now(), quote=quote))

    async def on_bar(self, bar: Bar) -> None:
        """A whole closed bar (replay): a synthetic quote at its close, then ``BarClosed``."""
        symbol = bar.symbol
        when = _bar_end(bar)
        quote = await self._replayed_price(symbol, bar.close, when, bar.volume)
        self._remember(bar)
        publish = self.bus.publish
        now = self.clock.now()
        await publish(PriceUpdated(time=now, quote=quote))
        await publish(BarClosed(time=now, bar=bar))
        for builder in self._coarser_builders(symbol, bar.interval):
            closed = builder.add_bar(bar)
            if closed is None:
                closed = builder.close_due(when.timestamp())
            if closed is not None:
                self._remember(closed)
                await publish(BarClosed(time=now, bar=closed))

    def _remember(self, bar: Bar) -> None:
        key = (bar.symbol, bar.interval)
        store = self._closed.get(key)
        if store is None:
            store = self._closed[key] = ClosedBars()
        store.add(bar)
        if self._cache.persist:
            self._cache.add((bar,))

    # --- timer: bars close on time, quotes go stale ------------------------------------

    def close_grace(self) -> float:
        """Clock seconds a quiet bar stays open past its end before the timer closes it.

        Quotes arrive a little after their time (in wall time on a live feed; in
        simulated time, that lag is multiplied by the clock's speed). A quote
        arriving after its bar was closed is late and dropped, so the timer
        waits: 2 s, or half a wall second of a fast simulated clock.
        """
        speed = getattr(self.clock, "speed", None) or 1.0
        return max(2.0, 0.5 * float(speed))

    async def _timer(self) -> None:
        check = min(5.0, self.settings.quote_stale_seconds / 4)
        while True:
            await self.sweep()
            grace = self.close_grace()
            now_ts = self.clock.now().timestamp()
            wake = now_ts + check
            for builders in self._builders.values():
                for builder in builders:
                    if builder.active and builder.end_ts + grace < wake:
                        wake = builder.end_ts + grace
            await self.clock.sleep(max(wake - now_ts, 1e-6))

    async def sweep(self) -> None:
        """Close bars whose end has passed, flag stale quotes, write queued bars."""
        now = self.clock.now()
        now_ts = now.timestamp()
        due_ts = now_ts - self.close_grace()
        for builders in list(self._builders.values()):
            for builder in builders:
                closed = builder.close_due(due_ts)
                if closed is not None:
                    self._remember(closed)
                    await self.bus.publish(BarClosed(time=now, bar=closed))
        limit = self.settings.quote_stale_seconds
        newly: list[tuple[str, float]] = []
        for symbol in sorted(self._watched):
            quote = self._quotes.get(symbol)
            if quote is None or symbol in self._stale:
                continue
            if quote_is_stale(quote.time, now, limit):
                age = now_ts - quote.time.timestamp()
                self._stale[symbol] = age
                newly.append((symbol, age))
        if newly:
            await self._update_health()
            for symbol, age in newly:
                await self.bus.publish(QuoteStale(time=now, symbol=symbol, age_seconds=age))
        self._cache.flush()

    async def _update_health(self) -> None:
        if self._health.state not in (HealthState.HEALTHY, HealthState.DEGRADED):
            return
        if self._stale:
            names = ", ".join(sorted(self._stale))
            await self.set_health(
                HealthState.DEGRADED,
                f"no fresh quote for {names} (older than {self.settings.quote_stale_seconds:g} s)",
            )
        else:
            await self.set_health(HealthState.HEALTHY)

    # --- bars ---------------------------------------------------------------------------

    def forming_bar(self, symbol: str, interval: Interval) -> Bar | None:
        for builder in self._builders.get(symbol, ()):
            if builder.interval is interval:
                return builder.to_bar()
        return None

    def closed_bars(self, symbol: str, interval: Interval, count: int) -> list[Bar]:
        """The newest ``count`` closed bars held in memory (history + live), oldest first."""
        store = self._closed.get((symbol, interval))
        return store.newest(count) if store is not None else []

    def recent_closes(self, symbol: str, interval: Interval, count: int) -> list[Decimal]:
        cleaned = self.check_symbol(symbol)
        return [b.close for b in self.closed_bars(cleaned, interval, count)]

    async def historical_bars(
        self, symbol: str, interval: Interval, count: int = 500, end: datetime | None = None
    ) -> list[Bar]:
        """Closed bars, oldest first: feed history (cached 60 s) merged with bars built here."""
        cleaned = self.check_symbol(symbol)
        if count <= 0:
            return []
        now = self.clock.now()
        limit = now if end is None or end > now else end
        end_ts = limit.timestamp()
        key = (cleaned, interval)
        held = self._closed.get(key)
        store = held.all() if held is not None else []
        if not self._cache.is_fresh(cleaned, interval, now.timestamp(), end_ts, count):
            fetched = await self._fetch(cleaned, interval, limit, count)
            merged = {b.start: b for b in fetched}
            held = self._closed.get(key)
            merged.update((b.start, b) for b in (held.all() if held is not None else ()))
            store = [merged[s] for s in sorted(merged)]
            self._closed.setdefault(key, ClosedBars()).replace(store)
            self._cache.mark_fetched(cleaned, interval, now.timestamp(), end_ts, count)
            await self.bus.publish(
                HistoricalDataReady(time=now, symbol=cleaned, interval=interval, count=len(store))
            )
        return [b for b in store if _end_ts(b) <= end_ts][-count:]

    async def _fetch(self, symbol: str, interval: Interval, end: datetime, count: int) -> list[Bar]:
        try:
            bars = await self.feed.history(symbol, interval, end, count)
        except Exception as exc:
            self.log.warning("history for %s %s failed: %s", symbol, interval.value, exc)
            await self.set_health(HealthState.DEGRADED, f"history unavailable: {exc}")
            return self._cache.load(symbol, interval, end, count)
        self._cache.add(bars)
        if self._health.reason.startswith("history unavailable"):
            await self._update_health()  # history works again (a login after none, say)
        return bars

    def clear_cache(self) -> None:
        """Forget fetched history: the next request asks the feed again (live bars are kept)."""
        self._cache.clear()
        self._cache.flush()
