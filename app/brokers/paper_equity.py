"""The paper account's equity marks: one per quote, computed lazily; each trade date's close stored.

Every quote marks the equity (cash + positions at the bid, average cost
without a quote, to the cent). Computing it is deferred: a quote only records
that the mark is out of date, and the equity is computed from the broker's
state (the account, positions and quotes it tracks) when someone needs it -- ``account()``, the
first quote of a new trade date (which stores the previous date's close), a
fill (which changes the state the pending mark was taken in) or ``close``. The
broker calls :meth:`EquityMarks.refresh` before every change of cash or
positions, so a deferred mark always sees the state of the quote that made it:
the stored closes are the ones an eager mark would have stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from app.brokers import paper_store as store
from app.brokers.paper_rows import PaperAccount, PaperPosition
from app.core.models import Quote
from app.core.money import ZERO, round_money


class EquityMarks:
    """The latest equity mark (trade date, equity) and the previous close, see the module doc."""

    def __init__(self, quotes: Mapping[str, Quote]) -> None:
        self._quotes = quotes  # the broker's latest quote per symbol
        self._account: PaperAccount | None = None  # the broker's account and positions,
        self._positions: Mapping[str, PaperPosition] = {}  # see track()
        self._flat_equity: tuple[Decimal, Decimal] | None = None  # (cash, rounded cash)
        self.mark: tuple[date, Decimal] | None = None  # (trade date, equity)
        self.deferred = False  # the mark's equity is out of date: recompute from the state
        # (today's trade date, the latest close equity before it): read once a day
        self._previous_close: tuple[date, Decimal | None] | None = None

    def track(self, account: PaperAccount, positions: Mapping[str, PaperPosition]) -> None:
        """Value this account and these positions (the broker's, updated in place)."""
        self._account = account
        self._positions = positions

    def reset(self) -> None:
        self.mark = None
        self.deferred = False
        self._previous_close = None

    def quote(self, day: date) -> bool:
        """A quote on trade date ``day`` arrived; True when its mark was deferred.

        False (the first mark, or a new trade date): the caller stores the quote
        and marks at once with :meth:`mark_now`, after :meth:`refresh`.
        """
        mark = self.mark
        if mark is None or mark[0] != day:
            return False
        self.deferred = True
        return True

    def refresh(self) -> None:
        """Compute a deferred mark from the current state (call before the state changes)."""
        if self.deferred:
            self.deferred = False
            if self.mark is not None:
                self.mark = (self.mark[0], self.equity_now())

    def mark_now(self, day: date, now: datetime) -> Decimal:
        """Mark at once; when the trade date changes, store the previous day's close equity."""
        self.refresh()
        equity = self.equity_now()
        mark = self.mark
        if mark is not None and mark[0] != day:
            store.save_equity_close(mark[0], mark[1], now)
            self._previous_close = (day, mark[1]) if mark[0] < day else None
        self.mark = (day, equity)
        return equity

    def save(self, now: datetime) -> None:
        """Store the latest mark as its date's close (on close)."""
        self.refresh()
        if self.mark is not None:
            store.save_equity_close(*self.mark, now)

    def previous_close(self, today: date) -> Decimal | None:
        cached = self._previous_close
        if cached is None or cached[0] != today:
            cached = self._previous_close = (today, store.previous_equity_close(today))
        return cached[1]

    def equity_now(self) -> Decimal:
        """Cash plus the positions at the bid (average cost without a quote), to the cent."""
        account = self._account
        assert account is not None  # tracked from the broker's first load on
        if self._positions:
            value = ZERO
            for position in self._positions.values():
                quote = self._quotes.get(position.symbol)
                price = quote.bid if quote is not None else position.average_cost
                value += position.quantity * price
            return round_money(account.cash + value)
        # flat: equity is the cash (rounded once per cash change)
        if self._flat_equity is None or self._flat_equity[0] is not account.cash:
            self._flat_equity = (account.cash, round_money(account.cash))
        return self._flat_equity[1]
