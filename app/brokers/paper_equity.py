"""The paper account's equity marks: one per quote; each trade date's close stored.

Every quote marks the equity (cash + positions at the bid, average cost
without a quote, to the cent). The first mark of a new trade date stores the
previous date's last mark as that date's close (and ``save`` stores the
latest mark on close), so the account can report the previous close's equity.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from app.brokers.paper_rows import PaperAccount, PaperPosition
from app.brokers.paper_store import PaperStore
from app.core.models import Quote
from app.core.money import ZERO, round_money


class EquityMarks:
    """The latest equity mark (trade date, equity) and the previous close."""

    def __init__(self, quotes: Mapping[str, Quote], store: PaperStore) -> None:
        self._quotes = quotes  # the broker's latest quote per symbol
        self._store = store
        self._account: PaperAccount | None = None  # the broker's account and positions,
        self._positions: Mapping[str, PaperPosition] = {}  # see track()
        self.mark: tuple[date, Decimal] | None = None  # (trade date, equity)
        # (today's trade date, the latest close equity before it): read once a day
        self._previous_close: tuple[date, Decimal | None] | None = None

    def track(self, account: PaperAccount, positions: Mapping[str, PaperPosition]) -> None:
        """Value this account and these positions (the broker's, updated in place)."""
        self._account = account
        self._positions = positions

    def reset(self) -> None:
        self.mark = None
        self._previous_close = None

    def mark_now(self, day: date, now: datetime) -> Decimal:
        """Mark; when the trade date changed since the last mark, store that date's close."""
        equity = self.equity_now()
        mark = self.mark
        if mark is not None and mark[0] != day:
            self._store.save_equity_close(mark[0], mark[1], now)
            self._previous_close = (day, mark[1]) if mark[0] < day else None
        self.mark = (day, equity)
        return equity

    def save(self, now: datetime) -> None:
        """Store the latest mark as its date's close (on close)."""
        if self.mark is not None:
            self._store.save_equity_close(*self.mark, now)

    def previous_close(self, today: date) -> Decimal | None:
        cached = self._previous_close
        if cached is None or cached[0] != today:
            cached = self._previous_close = (today, self._store.previous_equity_close(today))
        return cached[1]

    def equity_now(self) -> Decimal:
        """Cash plus the positions at the bid (average cost without a quote), to the cent."""
        account = self._account
        assert account is not None  # tracked from the broker's first load on
        value = ZERO
        for position in self._positions.values():
            quote = self._quotes.get(position.symbol)
            price = quote.bid if quote is not None else position.average_cost
            value += position.quantity * price
        return round_money(account.cash + value)
