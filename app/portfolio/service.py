"""PortfolioService: positions, transactions and P&L built from fills (average-cost method).

The order pipeline's update applier journals each fill (FillRow), then books
it here (:meth:`book`, inside the transaction that also records compliance's
side), commits the in-memory change (:meth:`commit`) after that transaction, and has
the position events published after the fill's order event (:meth:`announce`).
A fill is booked exactly once (TransactionRow.execution_id is unique).
Positions are mirrored in memory so :meth:`get_position` is cheap; views and
P&L are computed from the latest quote at call time, so they are always fresh.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from app.calendar import trade_date
from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import (
    EquitySnapshotTaken,
    PositionChanged,
    PositionClosed,
    PositionOpened,
    TradeCompleted,
)
from app.core.models import Account, Fill, Position, Side
from app.core.money import ZERO
from app.core.ports import QuoteSource
from app.core.service import Service
from app.portfolio import ledger
from app.portfolio.store import PortfolioStore
from app.portfolio.views import (
    PnL,
    PortfolioSummary,
    PositionView,
    TransactionView,
    position_view,
    totals,
)


@dataclass(frozen=True, slots=True)
class Booking:
    """A fill written to the portfolio's tables, and what it did to its position."""

    fill: Fill
    entry: ledger.LedgerEntry


class _Day:
    """What happened on one New York trade date (cached; rebuilt from the DB per date)."""

    def __init__(self, day: date, rows: list[TransactionView]) -> None:
        self.day = day
        self.trades = len(rows)
        self.realized: dict[str, Decimal] = {}
        for row in rows:
            self.add(row.symbol, row.realized_pnl)

    def add(self, symbol: str, realized: Decimal | None) -> None:
        if realized is not None:
            self.realized[symbol] = self.realized.get(symbol, ZERO) + realized


class PortfolioService(Service):
    """Positions and P&L from fills; see the module docstring."""

    name = "portfolio"

    def __init__(
        self, bus: EventBus, clock: Clock, quotes: QuoteSource, store: PortfolioStore
    ) -> None:
        super().__init__(bus, clock)
        self._quotes = quotes
        self._store = store
        self._positions: dict[str, Position] = {}
        self._realized_total = ZERO
        self._transaction_count = 0
        self._day: _Day | None = None
        self._last_trade_day: date | None = None  # trade date of the newest transaction
        self._loaded = False
        self.version = 0  # bumped on every change of positions or realized P&L
        self._sorted: tuple[int, tuple[Position, ...]] | None = None  # (version, open_positions)

    async def on_start(self) -> None:
        self._load()

    def _load(self) -> None:
        self._positions = self._store.load_positions()
        self._realized_total, self._transaction_count = self._store.realized_total()
        latest = self._store.latest_transaction_time()
        self._last_trade_day = trade_date(latest) if latest is not None else None
        self._day = None
        self._loaded = True
        self.version += 1

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._load()

    # ------------------------------------------------------------------ fills

    def book(self, fill: Fill) -> Booking | None:
        """Write ``fill``'s transaction and position rows (in the caller's transaction, if any).

        Returns what to :meth:`commit` once that transaction has committed; None
        when the fill was booked before (nothing written). Raises ValueError if
        the fill sells more than is held.
        """
        self._ensure_loaded()
        try:
            entry = ledger.apply(self._positions.get(fill.symbol), fill)
        except ValueError:
            if not self._store.is_booked(fill.execution_id):
                raise
            return None  # a sell applied before: the position it sold is gone
        if not self._store.book(fill, entry, self.clock.now()):
            return None
        return Booking(fill, entry)

    def commit(self, booking: Booking) -> None:
        """Fold a committed booking into the in-memory positions and totals."""
        fill, entry = booking.fill, booking.entry
        if entry.after is None:
            self._positions.pop(fill.symbol, None)
        else:
            self._positions[fill.symbol] = entry.after
        self._transaction_count += 1
        self.version += 1
        fill_day = trade_date(fill.time)
        if self._last_trade_day is None or fill_day > self._last_trade_day:
            self._last_trade_day = fill_day
        if entry.realized_pnl is not None:
            self._realized_total += entry.realized_pnl
        if self._day is not None and self._day.day == fill_day:
            self._day.trades += 1
            self._day.add(fill.symbol, entry.realized_pnl)

    async def announce(self, booking: Booking) -> None:
        """Publish the position event and ``TradeCompleted`` of a committed booking."""
        await self._announce_position(booking)
        fill, entry = booking.fill, booking.entry
        await self.bus.publish(
            TradeCompleted(time=self.clock.now(), fill=fill, realized_pnl=entry.realized_pnl)
        )

    async def _announce_position(self, booking: Booking) -> None:
        fill, entry = booking.fill, booking.entry
        now = self.clock.now()
        if entry.after is None:
            before = entry.before
            lifetime = (before.realized_pnl if before is not None else ZERO) + (
                entry.realized_pnl or ZERO
            )
            await self.bus.publish(
                PositionClosed(time=now, symbol=fill.symbol, realized_pnl=lifetime)
            )
        elif entry.before is None:
            await self.bus.publish(PositionOpened(time=now, position=entry.after))
        else:
            await self.bus.publish(PositionChanged(time=now, position=entry.after))

    async def apply_fill(self, fill: Fill) -> bool:
        """Book, commit and announce ``fill`` on its own; False if it was applied before.

        The order pipeline books fills inside its own transaction (see
        :mod:`app.execution.updates`); this is the same steps for one fill alone.
        """
        booking = self.book(fill)
        if booking is None:
            return False
        self.commit(booking)
        await self.announce(booking)
        return True

    async def adopt(
        self, symbol: str, quantity: Decimal, average_cost: Decimal, *, reference: str
    ) -> Position | None:
        """Hold ``quantity`` of ``symbol`` as the broker does, when no fill explains the
        difference (a trade made outside Sherwood); returns the position (None when flat).

        The difference is booked as one transaction under ``reference``: a buy at
        ``average_cost``, or a sell at the position's own average cost (no P&L is
        invented). Only the position event is published: no trade was seen, so
        neither ``TradeCompleted`` nor the compliance ledger hears of it.
        """
        held = self.get_position(symbol)
        difference = quantity - (held.quantity if held is not None else ZERO)
        if difference == 0:
            return held
        buying = difference > 0
        fill = Fill(
            execution_id=f"adopted-{uuid.uuid4()}", client_order_id=reference, symbol=symbol,
            side=Side.BUY if buying else Side.SELL, quantity=abs(difference),
            price=average_cost if buying or held is None else held.average_cost,
            time=self.clock.now(),
        )  # fmt: skip
        booking = self.book(fill)
        if booking is not None:
            self.commit(booking)
            await self._announce_position(booking)
        return self.get_position(symbol)

    # ------------------------------------------------------------------ positions

    def get_position(self, symbol: str) -> Position | None:
        self._ensure_loaded()
        return self._positions.get(symbol)

    def open_positions(self) -> list[Position]:
        """Open positions by symbol (a fresh list; sorted once per portfolio version)."""
        self._ensure_loaded()
        cached = self._sorted
        if cached is None or cached[0] != self.version:
            ordered = tuple(sorted(self._positions.values(), key=lambda p: p.symbol))
            cached = self._sorted = (self.version, ordered)
        return list(cached[1])

    def position_view(self, symbol: str) -> PositionView | None:
        position = self.get_position(symbol)
        if position is None:
            return None
        return position_view(
            position, self._quotes.latest_quote(symbol), self._today().realized.get(symbol, ZERO)
        )

    def positions(self) -> list[PositionView]:
        today = self._today()
        return [
            position_view(
                p, self._quotes.latest_quote(p.symbol), today.realized.get(p.symbol, ZERO)
            )
            for p in self.open_positions()
        ]

    # ------------------------------------------------------------------ history and P&L

    def transactions(self, limit: int = 50, symbol: str | None = None) -> list[TransactionView]:
        """Newest first."""
        return self._store.transactions(limit, symbol)

    def _today(self) -> _Day:
        day = trade_date(self.clock.now())
        if self._day is None or self._day.day != day:
            self._ensure_loaded()
            if self._last_trade_day is None or self._last_trade_day < day:
                self._day = _Day(day, [])  # nothing traded yet today: no need to ask SQLite
            else:
                self._day = _Day(day, self._store.transactions_on(day))
        return self._day

    def realized_pnl_today(self) -> Decimal:
        """Realized P&L of sells on today's New York trade date."""
        return sum(self._today().realized.values(), ZERO)

    def pnl(self) -> PnL:
        self._ensure_loaded()
        return totals(self.positions(), self._realized_total, self.realized_pnl_today())

    def summary(self, account: Account | None = None) -> PortfolioSummary:
        views = self.positions()
        pnl = totals(views, self._realized_total, self.realized_pnl_today())
        return PortfolioSummary(
            positions=views,
            pnl=pnl,
            open_positions=len(views),
            transactions=self._transaction_count,
            trades_today=self._today().trades,
            cash=account.cash if account is not None else None,
            equity=account.equity if account is not None else None,
            buying_power=account.buying_power if account is not None else None,
        )

    # ------------------------------------------------------------------ equity curve

    async def snapshot_equity(self, account: Account) -> None:
        pnl = self.pnl()
        self._store.save_snapshot(
            self.clock.now(), account.equity, account.cash, pnl.total_value, pnl.realized,
            pnl.unrealized,
        )  # fmt: skip
        await self.bus.publish(EquitySnapshotTaken(time=self.clock.now(), equity=account.equity))

    def equity_curve(self, limit: int = 1000) -> list[tuple[datetime, Decimal]]:
        """The latest ``limit`` equity snapshots, oldest first."""
        return self._store.equity_curve(limit)

    def realized_by_day(self, since: date) -> list[tuple[date, Decimal]]:
        """Realized P&L per New York trade date from ``since`` on, oldest first (days
        without a sell are left out)."""
        return self._store.realized_by_day(since)

    async def reset(self) -> None:
        """Wipe positions, transactions and the equity curve (with the paper account reset)."""
        self._store.wipe()
        self._load()
        self.log.info("portfolio reset")
