"""The quiet-band half of RiskService: which bids of a symbol can make it act, cached.

:meth:`QuietBands.quiet_band` solves the exact exit and daily-loss rules for
the bid; ``_on_price`` skips every price strictly inside the cached band.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.calendar import trade_date
from app.config import Settings
from app.core.clock import Clock
from app.core.models import Position, Quote, TradingState
from app.core.money import ZERO
from app.core.ports import QuoteSource
from app.risk import band
from app.risk.band import EVERYTHING, CachedBand
from app.risk.state import StoredState


class QuietBands:
    """Mixed into RiskService; reads its state, positions, day marks and quotes."""

    settings: Settings
    clock: Clock
    quotes: QuoteSource
    portfolio: Any
    log: logging.Logger
    _stored: StoredState
    _bands: dict[str, CachedBand]
    _day_marks: dict[str, Decimal]
    _day_marks_date: date | None

    def _mark(self, position: Position, quotes: dict[str, Quote]) -> Decimal:
        raise NotImplementedError

    def _opened_date(self, opened: datetime) -> date:
        raise NotImplementedError

    def quiet_band(self, symbol: str) -> tuple[Decimal, Decimal] | None:
        """The open interval of bids of ``symbol`` at which a PriceUpdated changes nothing.

        None: some price would act, or it cannot be told (REDUCING, day marks not
        set yet, no usable entry price) -- feed every price. (-Inf, Inf): no price
        of ``symbol`` can trigger anything. Shrunk by a relative 1e-9 margin.
        """
        try:
            return self._band(symbol, self.clock.now())
        except Exception:
            self.log.exception("quiet band failed for %s", symbol)
            return None

    def _band(self, symbol: str, now: datetime) -> tuple[Decimal, Decimal] | None:
        state = self._stored.state
        if state is TradingState.REDUCING:
            return None
        daily = state is TradingState.ACTIVE  # the daily loss is checked only while ACTIVE
        today = trade_date(now)
        limit = self.settings.max_daily_loss
        position: Position | None = None
        rest = ZERO
        for p in self.portfolio.open_positions():
            if p.quantity <= 0:
                continue
            if p.symbol == symbol:
                position = p
            elif daily:
                base = self._pnl_base(p, today)
                if base is None:
                    return None
                rest += (self._mark(p, {}) - base) * p.quantity
        if daily:
            rest += self.portfolio.realized_pnl_today()
        if position is None:
            return EVERYTHING if not daily or rest > -limit else None
        exits = band.exit_band(position, self.settings)
        if exits is None:
            return None
        low, high = exits
        if daily:
            base = self._pnl_base(position, today)
            if base is None:
                return None
            low = max(low, band.daily_loss_floor(position.quantity, base, rest, limit))
        return band.combine(low, high)

    def _pnl_base(self, position: Position, today: date) -> Decimal | None:
        """The price today's unrealized P&L counts from (None: a day mark not set yet)."""
        opened = position.opened_at
        if opened is None or self._opened_date(opened) >= today:
            return position.average_cost
        if self._day_marks_date != today:
            return None
        return self._day_marks.get(position.symbol)

    def _band_key(self) -> tuple[object, tuple[tuple[str, object], ...]]:
        version = getattr(self.portfolio, "version", None)
        if self._stored.state is not TradingState.ACTIVE:
            return version, ()
        others = tuple(
            (p.symbol, self.quotes.latest_quote(p.symbol)) for p in self.portfolio.open_positions()
        )
        return version, others

    def _cache_band(self, symbol: str, now: datetime) -> None:
        """Remember ``symbol``'s band with what it depends on (nothing without a version)."""
        self._bands.pop(symbol, None)
        version, others = self._band_key()
        if version is None:
            return  # a portfolio without a change counter: every price runs the rules
        try:
            quiet = self._band(symbol, now)
        except Exception:
            self.log.exception("quiet band failed for %s", symbol)
            return
        if quiet is None:
            return
        start, end = band.hour_bounds(now)
        others = tuple(item for item in others if item[0] != symbol)
        self._bands[symbol] = band.CachedBand(
            quiet[0], quiet[1], start, end, version, self._stored, self.settings, others
        )

    def _band_valid(self, cached: CachedBand, now: datetime) -> bool:
        if not (cached.start <= now < cached.end):
            return False
        if cached.stored is not self._stored or cached.settings is not self.settings:
            return False
        if cached.version != getattr(self.portfolio, "version", None):
            return False
        latest = self.quotes.latest_quote
        return all(latest(symbol) is quote for symbol, quote in cached.others)
