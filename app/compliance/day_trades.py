"""Pure day-trade counting (FINRA Regulatory Notice 21-13, as Robinhood counted).

Per symbol and per NYSE trade date, fills are taken in time order and runs of
same-side fills are collapsed; every BUY run followed by a SELL run is one day
trade. Selling overnight shares before any buy that day is not a day trade, and
there is no FIFO matching against shares held overnight. Robinhood accounts
are long only, so short-then-cover is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from app.calendar import next_trading_day, trade_date
from app.core.models import Fill, Side
from app.core.money import ZERO


@dataclass(frozen=True)
class DayTrade:
    """One day trade: a BUY run closed by a SELL run of one symbol on one trade date."""

    symbol: str
    trade_date: date
    quantity: Decimal  # the smaller of the bought and sold quantities of the two runs
    buy_price: Decimal | None  # average of the BUY run
    sell_price: Decimal | None  # average of the SELL run
    pnl: Decimal | None
    closing_execution_id: str  # the first fill of the SELL run: it made the day trade
    sequence: int = 1  # nth day trade of this symbol on that date


def count_direction_changes(sides: Sequence[Side], previous: Side | None = None) -> int:
    """Day trades in one symbol's ordered sides on one day: BUY runs followed by a SELL run.

    ``previous`` is the side of the fill before ``sides`` (only the last earlier
    side matters: the day trades ``sides`` add after it).
    """
    count = 0
    for side in sides:
        if previous is Side.BUY and side is Side.SELL:
            count += 1
        previous = side
    return count


def _average(fills: Sequence[Fill]) -> tuple[Decimal, Decimal]:
    quantity = sum((f.quantity for f in fills), ZERO)
    value = sum((f.value for f in fills), ZERO)
    return quantity, (value / quantity if quantity else ZERO)


def _runs(fills: Sequence[Fill]) -> list[list[Fill]]:
    runs: list[list[Fill]] = []
    for fill in fills:
        if runs and runs[-1][0].side is fill.side:
            runs[-1].append(fill)
        else:
            runs.append([fill])
    return runs


def _day_trade(
    symbol: str, day: date, buys: Sequence[Fill], sells: Sequence[Fill], sequence: int
) -> DayTrade:
    bought, buy_price = _average(buys)
    sold, sell_price = _average(sells)
    quantity = min(bought, sold)
    return DayTrade(
        symbol=symbol,
        trade_date=day,
        quantity=quantity,
        buy_price=buy_price,
        sell_price=sell_price,
        pnl=(sell_price - buy_price) * quantity,
        closing_execution_id=sells[0].execution_id,
        sequence=sequence,
    )


def day_trades_of_day(symbol: str, day: date, fills: Sequence[Fill]) -> list[DayTrade]:
    """Day trades of ``fills`` (one symbol, one trade date, already in time order)."""
    trades: list[DayTrade] = []
    runs = _runs(fills)
    for buys, sells in pairwise(runs):
        if buys[0].side is not Side.BUY:
            continue
        trades.append(_day_trade(symbol, day, buys, sells, len(trades) + 1))
    return trades


def day_trades_after_append(
    symbol: str, day: date, fills: Sequence[Fill], previous: list[DayTrade]
) -> list[DayTrade]:
    """``day_trades_of_day(symbol, day, fills)`` given ``previous`` = that of ``fills[:-1]``.

    Appending a fill only touches the last two runs: a BUY run it extends or
    starts changes nothing; a SELL run after a BUY run grows (the last day
    trade is recomputed) or starts (a new day trade). Returns ``previous``
    itself when nothing changed.
    """
    last = len(fills) - 1
    if last < 0 or fills[last].side is not Side.SELL:
        return previous
    start = last  # the first fill of the last (SELL) run
    while start > 0 and fills[start - 1].side is Side.SELL:
        start -= 1
    if start == 0:  # no BUY run before it
        return previous
    buys_from = start - 1
    while buys_from > 0 and fills[buys_from - 1].side is Side.BUY:
        buys_from -= 1
    closing = fills[start].execution_id
    if previous and previous[-1].closing_execution_id == closing:
        head = previous[:-1]
    else:
        head = list(previous)
    head.append(_day_trade(symbol, day, fills[buys_from:start], fills[start:], len(head) + 1))
    return head


def group_fills(fills: Iterable[Fill]) -> dict[tuple[str, date], list[Fill]]:
    """Fills by (symbol, NYSE trade date), each list in time order (stable for equal times)."""
    groups: dict[tuple[str, date], list[Fill]] = defaultdict(list)
    for fill in fills:
        groups[(fill.symbol, trade_date(fill.time))].append(fill)
    for group in groups.values():
        group.sort(key=lambda f: f.time)
    return dict(groups)


def count_day_trades(fills: Iterable[Fill]) -> list[DayTrade]:
    """Every day trade in ``fills``, ordered by trade date, symbol and sequence."""
    trades: list[DayTrade] = []
    for (symbol, day), group in sorted(group_fills(fills).items()):
        trades.extend(day_trades_of_day(symbol, day, group))
    return trades


def drop_off_date(day: date, window_days: int) -> date:
    """The trade date a day trade of ``day`` leaves a rolling window of ``window_days`` sessions.

    It is in every window ending at ``day`` and the next ``window_days - 1``
    sessions, so it drops out on the session after those.
    """
    result = day
    for _ in range(window_days):
        result = next_trading_day(result)
    return result
