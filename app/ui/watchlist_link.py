"""Connects the watchlist to market data and to the saved WATCHLIST setting.

Adding asks market data to watch the symbol (its :class:`UnknownSymbol` says
why a symbol is refused, and the pane shows that); removing stops the quotes
unless another part of the terminal still needs the symbol (``keep``). Quotes
come straight from the bus (every quote, so the day's volume adds up), each an
O(1) update of the model, which repaints at 10 Hz. For each row a background
task loads the baseline once, and again when a new day begins: the previous
close (the newest daily bar before today) and today's 5-minute bars. Every
change of the list (add, remove, reorder) is saved at once through ``save``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from app.calendar import NEW_YORK
from app.core.bus import Subscription
from app.core.clock import Clock
from app.core.events import PriceUpdated
from app.core.models import Bar, Interval, Quote
from app.ui.bridge import schedule
from app.ui.watchlist import WatchlistPane
from app.ui.watchlist_model import SPARK_SECONDS, WatchlistModel

log = logging.getLogger("sherwood.ui.watchlist")

DAILY_BARS = 5  # enough to reach back over a weekend and a holiday


class WatchSource(Protocol):
    """What the watchlist needs of market data."""

    async def watch(self, symbol: str) -> str: ...

    def unwatch(self, symbol: str) -> None: ...

    def latest_quote(self, symbol: str) -> Quote | None: ...

    async def historical_bars(
        self, symbol: str, interval: Interval, count: int = 500, end: datetime | None = None
    ) -> list[Bar]: ...


class QuoteBus(Protocol):
    def subscribe(
        self, message_type: type[PriceUpdated], handler: Callable[[PriceUpdated], Any]
    ) -> Subscription: ...


class WatchlistLink:
    """See the module docstring."""

    def __init__(
        self,
        pane: WatchlistPane,
        market: WatchSource,
        bus: QuoteBus,
        clock: Clock,
        save: Callable[[tuple[str, ...]], None],
        keep: Callable[[str], bool] = lambda _symbol: False,
    ) -> None:
        self.pane = pane
        self.model: WatchlistModel = pane.model
        self.market = market
        self.bus = bus
        self.clock = clock
        self.save = save
        self.keep = keep
        self._sub: Subscription | None = None
        self._queue: asyncio.Queue[str] | None = None
        self._loader: asyncio.Task[None] | None = None
        pane.addRequested.connect(self.add)
        pane.removeRequested.connect(self.remove)
        self.model.orderChanged.connect(self._save)

    def start(self) -> None:
        """Quotes from now on; the latest known quote and a baseline for every row."""
        self._sub = self.bus.subscribe(PriceUpdated, self._on_price)
        self._queue = asyncio.Queue()
        self._loader = asyncio.get_running_loop().create_task(
            self._load_baselines(), name="watchlist.baselines"
        )
        for symbol in self.model.symbols():  # watched since the start (the composition root)
            self._prime(symbol)

    def stop(self) -> None:
        if self._sub is not None:
            self._sub.cancel()
            self._sub = None
        if self._loader is not None:
            self._loader.cancel()
            self._loader = None
        self.model.timer.stop()

    # --- commands from the pane ---
    def add(self, text: str, at: int | None = None) -> None:
        """Watch ``text`` and list it (at the end, or at position ``at``)."""

        def added(symbol: str) -> None:
            if not self.model.add(symbol):
                self.pane.show_error(f"{symbol} is already in the watchlist")
                self.pane.select(symbol)
                return
            if at is not None:
                self.model.move(len(self.model.rows) - 1, min(at, len(self.model.rows) - 1))
            self.pane.added(symbol)
            self._prime(symbol)

        def refused(exc: BaseException) -> None:
            self.pane.show_error(str(exc))

        schedule(lambda: self.market.watch(text), added, refused)

    def remove(self, symbol: str) -> None:
        if not self.model.remove(symbol):
            return
        if not self.keep(symbol):
            try:
                self.market.unwatch(symbol)
            except Exception as exc:  # nothing to stop: the list is what matters
                log.warning("unwatching %s: %s", symbol, exc)

    def follow(self, symbols: Sequence[str]) -> None:
        """Show ``symbols`` (WATCHLIST changed in the settings dialog): rows not in it are
        removed, the others put in its order, new ones added at their place once watched."""
        wanted = list(dict.fromkeys(symbols))
        if wanted == self.model.symbols():
            return
        for symbol in self.model.symbols():
            if symbol not in wanted:
                self.remove(symbol)
        listed = [s for s in wanted if self.model.row_of(s) is not None]
        for target, symbol in enumerate(listed):
            self.model.move(self.model.row_of(symbol) or 0, target)
        for position, symbol in enumerate(wanted):
            if self.model.row_of(symbol) is None:
                self.add(symbol, at=position)

    def _save(self) -> None:
        try:
            self.save(tuple(self.model.symbols()))
        except Exception as exc:
            log.error("the watchlist could not be saved: %s", exc)
            self.pane.show_error(f"Not saved: {exc}")

    # --- data ---
    def _prime(self, symbol: str) -> None:
        quote = self.market.latest_quote(symbol)
        if quote is not None:
            self.model.on_quote(quote)
        if self._queue is not None:
            self._queue.put_nowait(symbol)

    def _on_price(self, event: PriceUpdated) -> None:
        if self.model.on_quote(event.quote) and self._queue is not None:
            self._queue.put_nowait(event.quote.symbol)  # a new day: a new previous close

    async def _load_baselines(self) -> None:
        assert self._queue is not None
        while True:
            symbol = await self._queue.get()
            if self.model.row(symbol) is None:
                continue  # removed meanwhile
            try:
                await self._load_baseline(symbol)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("no history for %s yet: %s", symbol, exc)
            await asyncio.sleep(0)  # one symbol at a time: the window stays responsive

    async def _load_baseline(self, symbol: str) -> None:
        now = self.clock.now()
        today = now.astimezone(NEW_YORK).date()
        midnight = datetime(today.year, today.month, today.day, tzinfo=NEW_YORK)
        count = int((now - midnight).total_seconds() // SPARK_SECONDS) + 2
        daily = await self.market.historical_bars(symbol, Interval.D1, DAILY_BARS)
        before = [b for b in daily if b.start.astimezone(NEW_YORK).date() < today]
        prev_close = before[-1].close if before else None
        bars = await self.market.historical_bars(symbol, Interval.M5, count)
        todays = [b for b in bars if b.start >= midnight]
        self.model.set_baseline(symbol, prev_close, todays, today)


def connect_watchlist(
    pane: WatchlistPane, ctx: Any, chart_symbol: Callable[[], str | None]
) -> WatchlistLink:
    """The watchlist on the app context: its market data, bus and clock; the list saved as
    the WATCHLIST setting in the mode's database (so paper and live keep their own)."""
    from app.storage.settings_store import save_settings

    def save(symbols: tuple[str, ...]) -> None:
        text = ",".join(symbols)
        save_settings(ctx.db, {"WATCHLIST": text})
        ctx.settings = ctx.settings.replace(watchlist=text)

    def keep(symbol: str) -> bool:
        """Whether another part of the terminal still needs ``symbol``'s quotes."""
        settings = ctx.settings
        plan = getattr(settings, "bot_plan", None)
        traded = {entry.symbol for entry in plan()} if plan is not None else set()
        working = {order.symbol for order in ctx.execution.open_orders()}
        return (symbol == settings.symbol or symbol in traded or symbol in working
                or ctx.portfolio.get_position(symbol) is not None
                or symbol == chart_symbol())  # fmt: skip

    return WatchlistLink(pane, ctx.market_data, ctx.bus, ctx.clock, save, keep)
