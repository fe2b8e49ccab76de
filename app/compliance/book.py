"""The in-memory fill book: the fills and day trades of recent trade dates, kept incrementally.

ComplianceService loads it once from the journal (FillRow) and the stored day
trades (DayTradeRow), then folds in each recorded fill, so status and
pre-trade checks never read SQLite. It holds every trade date from
``horizon`` on; older dates are pruned as the window moves forward.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date

from app.compliance.day_trades import DayTrade
from app.core.models import Fill, Side


class FillBook:
    """Fills per trade date and symbol (time order), their day trades, order ids per date."""

    def __init__(self, horizon: date) -> None:
        self.horizon = horizon  # the oldest trade date held completely
        self.fills: dict[date, dict[str, list[Fill]]] = {}
        self.times: dict[tuple[date, str], list[float]] = {}  # fill timestamps, for bisect
        self.trades: dict[date, dict[str, list[DayTrade]]] = {}
        self.trade_counts: dict[date, int] = {}
        self.orders: dict[date, set[str]] = {}  # client order ids with a fill that date
        self.ids: set[str] = set()  # execution ids held

    # ---------------------------------------------------------------- filling

    def holds(self, day: date) -> bool:
        return day >= self.horizon

    def add(self, fill: Fill, day: date) -> list[Fill]:
        """Insert ``fill`` after any fill of the same time; returns its (symbol, day) group."""
        group = self.fills.setdefault(day, {}).setdefault(fill.symbol, [])
        stamps = self.times.setdefault((day, fill.symbol), [])
        stamp = fill.time.timestamp()
        if not stamps or stamp >= stamps[-1]:
            group.append(fill)
            stamps.append(stamp)
        else:
            index = bisect_right(stamps, stamp)
            group.insert(index, fill)
            stamps.insert(index, stamp)
        self.ids.add(fill.execution_id)
        self.orders.setdefault(day, set()).add(fill.client_order_id)
        return group

    def set_trades(self, symbol: str, day: date, trades: list[DayTrade]) -> None:
        by_symbol = self.trades.setdefault(day, {})
        before = len(by_symbol.get(symbol, ()))
        if trades:
            by_symbol[symbol] = trades
        else:
            by_symbol.pop(symbol, None)
        self.trade_counts[day] = self.trade_counts.get(day, 0) + len(trades) - before

    def load_trades(self, trades: Iterable[DayTrade]) -> None:
        """Stored day trades (grouped and ordered by the caller's query)."""
        grouped: dict[tuple[str, date], list[DayTrade]] = {}
        for trade in trades:
            grouped.setdefault((trade.symbol, trade.trade_date), []).append(trade)
        for (symbol, day), group in grouped.items():
            self.set_trades(symbol, day, group)

    def prune(self, horizon: date) -> None:
        """Forget trade dates before ``horizon``."""
        if horizon <= self.horizon:
            return
        self.horizon = horizon
        for table in (self.fills, self.trades, self.trade_counts, self.orders):
            for day in [d for d in table if d < horizon]:
                del table[day]
        for key in [k for k in self.times if k[0] < horizon]:
            del self.times[key]
        self.ids = {f.execution_id for g in self.fills.values() for v in g.values() for f in v}

    # ---------------------------------------------------------------- reading

    def group(self, day: date, symbol: str) -> list[Fill]:
        return self.fills.get(day, {}).get(symbol, [])

    def last_side(self, day: date, symbol: str) -> Side | None:
        """The side of the latest fill of ``symbol`` on ``day`` (None without one)."""
        by_symbol = self.fills.get(day)
        if not by_symbol:
            return None
        group = by_symbol.get(symbol)
        return group[-1].side if group else None

    def trades_of(self, day: date, symbol: str) -> list[DayTrade]:
        return self.trades.get(day, {}).get(symbol, [])

    def trades_on(self, days: Iterable[date]) -> list[DayTrade]:
        """Day trades on ``days`` ordered by trade date, symbol, sequence (as stored)."""
        result: list[DayTrade] = []
        for day in sorted(days):
            by_symbol = self.trades.get(day)
            if by_symbol:
                for symbol in sorted(by_symbol):
                    result.extend(by_symbol[symbol])
        return result

    def count_trades(self, days: Iterable[date]) -> int:
        counts = self.trade_counts
        return sum(counts.get(d, 0) for d in days)

    def count_orders(self, days: Iterable[date]) -> int:
        ids: set[str] = set()
        for day in days:
            ids.update(self.orders.get(day, ()))
        return len(ids)
