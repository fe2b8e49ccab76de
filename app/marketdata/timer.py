"""The market-data timer (a mixin of MarketDataService): bars close on time, quotes go stale.

A quiet market still closes its bars: :meth:`MarketTimer.sweep` closes every
bar whose end (plus :meth:`MarketTimer.close_grace`) has passed, flags quotes
older than ``settings.quote_stale_seconds`` (``QuoteStale``, DEGRADED health)
and writes queued bars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import BarClosed, QuoteStale
from app.core.models import Bar, Health, HealthState, Quote
from app.marketdata.bars import BarBuilder
from app.marketdata.cache import BarCache


class MarketTimer:
    """Mixed into MarketDataService, which sets these attributes."""

    bus: EventBus
    clock: Clock
    settings: Settings
    _health: Health
    _quotes: dict[str, Quote]
    _builders: dict[str, list[BarBuilder]]
    _watched: set[str]
    _stale: dict[str, float]
    _cache: BarCache

    if TYPE_CHECKING:

        async def set_health(self, state: HealthState, reason: str = "") -> None: ...

        def _remember(self, bar: Bar) -> None: ...

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
            age = now_ts - quote.time.timestamp()
            if age > limit:
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

    def stale_symbols(self) -> list[str]:
        return sorted(self._stale)
