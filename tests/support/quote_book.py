"""A real, tiny QuoteSource for service tests: the latest quote per symbol, set by hand.

Importable from any test module (``from quote_book import QuoteBook``): pytest puts
``tests/support`` on the path (see ``pythonpath`` in pyproject.toml).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from app.core.clock import SimulatedClock
from app.core.models import Quote


class QuoteBook:
    """Quotes stamped by ``clock``; the ask is the bid plus ``spread`` unless given."""

    def __init__(self, clock: SimulatedClock, *, spread: str = "0.01", size: str = "1") -> None:
        self.clock = clock
        self.spread = Decimal(spread)
        self.size = Decimal(size)
        self.quotes: dict[str, Quote] = {}

    def set(
        self,
        symbol: str,
        bid: str | Decimal,
        ask: str | Decimal | None = None,
        *,
        age: float = 0,
        stale: bool = False,
    ) -> Quote:
        price = Decimal(bid)
        offer = price + self.spread if ask is None else Decimal(ask)
        when = self.clock.now() - timedelta(seconds=age)
        quote = Quote(symbol, price, offer, price, self.size, self.size, when, stale=stale)
        self.quotes[symbol] = quote
        return quote

    def latest_quote(self, symbol: str) -> Quote | None:
        return self.quotes.get(symbol)
