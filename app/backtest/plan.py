"""Which bars a backtest must feed through the full pipeline, and why skipping the rest is safe.

A bar is *fed* (``clock.set(end)``, ``market_data.on_bar(bar)``, then a few
event-loop turns) when any service could act on it; otherwise only the
strategy engine's per-bar step sees it. Per-price and per-bar behaviour of the
app, and the rule that covers each (everything subscribed to ``PriceUpdated``
or ``BarClosed``, plus everything driven by the clock):

* StrategyEngine (``BarClosed``): steps its streaming state on every bar; the
  engine calls its per-bar handler directly for a bar it may skip, and feeds
  the bar when that step yields a signal.
* RiskService (``PriceUpdated``): exits and the daily loss act only on a bid
  outside :meth:`RiskService.quiet_band`; REDUCING roll-overs and the
  daily-loss day marks happen on the first price of a trade date (fed).
* PaperBroker (``PriceUpdated``): with no open order it only stores the quote
  and marks the equity; the mark is stored as the day's close when the trade
  date changes, so the last bar of every trade date is fed (and the first).
  Its stored quote is read again only at a submit, a fill or an account
  refresh, which all happen on fed bars after that bar's own PriceUpdated.
* ExecutionService (``PriceUpdated``): re-sends orders journaled before a
  restart; such orders are open orders, and any open order feeds every bar.
* Market data: the quote and closed-bar history of a skipped bar are not kept
  (nothing a backtest reports reads them; the last bar is fed so the final
  unrealized P&L uses the last close). No coarser bar is built from the bars:
  the backtest trades on the bars' own interval and tracks no other. Its
  timer (bar closing, stale quotes) runs only in the loop turns after a fed
  bar, when that bar's quote is fresh and no builder has a forming bar.
* The account refresh loop (composition, on the clock): every bar at or past
  its next deadline is fed, so it wakes at the same bar as in a full replay.
* Portfolio, compliance, the bot and the audit trail act only on events that
  the above publish (fills, signals, orders), never on a price or a bar.

Anything else subscribed to ``PriceUpdated`` or ``BarClosed`` (a caller's
observer, a service added later) is unknown to this proof: then every bar is
fed (see :func:`unknown_subscribers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from app.calendar import trade_date
from app.composition import AppContext
from app.core.bus import EventBus
from app.core.events import BarClosed, PriceUpdated
from app.core.models import Bar, Interval
from app.marketdata.bars import bounds_ts

Band = tuple[Decimal, Decimal]


def bar_ends(bars: Sequence[Bar]) -> list[float]:
    """Epoch seconds of each bar's end: where market data stamps its quote and the clock goes."""
    first = bars[0].interval
    if first is Interval.D1:
        return [bounds_ts(first, b.start.timestamp())[1] for b in bars]
    size = first.seconds  # intraday: the bar containing the start, plus its length
    starts = [b.start.timestamp() for b in bars]
    return [ts - ts % size + size for ts in starts]  # == bounds_ts(first, ts)[1]


def day_edges(ends: Sequence[float]) -> set[int]:
    """Indexes of the bars (by end) that are the first or the last of a New York trade date.

    A trade date changes only on a whole UTC hour (see :func:`app.calendar.trade_date`),
    so it is looked up once per hour of bars.
    """
    edges = {0, len(ends) - 1}
    hour = -1.0
    day: date | None = None
    for i, ts in enumerate(ends):
        h = ts // 3600
        if h == hour:
            continue
        hour = h
        new = trade_date(datetime.fromtimestamp(ts, UTC))
        if day is not None and new != day:
            edges.update((i - 1, i))
        day = new
    return edges


def _owner(handler: Any) -> Any:
    return getattr(handler, "__self__", None)


def unknown_subscribers(ctx: AppContext, bus: EventBus, allowed: Sequence[Any] = ()) -> list[str]:
    """Handlers of ``PriceUpdated``/``BarClosed`` that the skipping proof does not cover.

    ``allowed`` are extra handlers the caller vouches for (the engine's own relay).
    """
    known_price = (ctx.broker, ctx.risk, ctx.execution)
    problems: list[str] = []
    for kind, owners in ((PriceUpdated, known_price), (BarClosed, (ctx.strategy,))):
        for handler in bus.handlers_for(kind):
            if handler in allowed:
                continue
            if not any(_owner(handler) is owner for owner in owners):
                name = getattr(handler, "__qualname__", repr(handler))
                problems.append(f"{kind.__name__} -> {name}")
    return problems


def quiet_band(ctx: AppContext, symbol: str) -> Band | None:
    """The risk service's quiet band of ``symbol`` (None: every price may act; feed all)."""
    method = getattr(ctx.risk, "quiet_band", None)
    if method is None:  # a risk service without the band: nothing can be skipped safely
        return None
    band: Band | None = method(symbol)
    return band
