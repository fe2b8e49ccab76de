"""Which bars a backtest must feed through the full pipeline, and why skipping the rest is safe.

A bar is *fed* (clock to the bar's end, ``market_data.on_bar(bar)``, a few
event-loop turns) when any service could act on it. Every other bar is
*skipped*: it reaches no service. The per-price and per-bar behaviour of the
app, and the rule that covers each (everything subscribed to ``PriceUpdated``
or ``BarClosed``, plus everything driven by the clock):

* StrategyEngine (``BarClosed``): a bar on which the strategy signals is fed.
  Which bars those are is known before the run: the strategy stepped every
  bar once up front, and the engine plays its signals back by bar
  (:mod:`app.backtest.decisions`); a strategy is a function of its bars
  alone, so the engine needs no other bar.
* RiskService (``PriceUpdated``): acts only on a bid that reaches one of its
  public trigger prices (:meth:`RiskService.trigger_prices`: profit target,
  stop loss, daily-loss stop), or on the first price of a trade date (fed).
  The triggers change only when a position, the day's P&L, the state or the
  settings change, which happens only on fed bars, so they are read once per
  quiet stretch.
* PaperBroker (``PriceUpdated``): with no open order it only stores the
  quote and marks the equity; the mark is stored as the day's close when the
  trade date changes, so the last bar of every trade date is fed (and the
  first). Its stored quote is read again only at a submit, a fill or an
  account refresh, which all happen on fed bars after that bar's own price.
* ExecutionService (``PriceUpdated``): re-sends orders journaled before a
  restart; those are open orders, and any open order feeds every bar.
* AutoTrader (``PriceUpdated``): acts on a price only while an exit it placed
  was refused and waits to be tried again (:attr:`AutoTrader.waiting_exits`);
  while one waits, every bar is fed, as with an open order. Such an exit
  appears only on a fed bar (an exit is decided on one).
* Market data: the quote and closed-bar history of a skipped bar are not kept
  (nothing a backtest reports reads them; the last bar is fed so the final
  unrealized P&L uses the last close). No coarser bar is built from the bars.
* The account refresh loop (composition, on the clock): every bar at or past
  its next deadline is fed, so it wakes at the same bar as in a full replay.
  The periodic reconciliation is not scheduled in a backtest (its broker is
  the run's own paper broker on a scratch database: nothing happens outside
  it); the one at start runs.
* Portfolio, compliance and the audit trail act only on events that the
  above publish (fills, signals, orders), never on a price or a bar; so does
  the bot, besides its waiting exits.

Anything else subscribed to ``PriceUpdated`` or ``BarClosed`` (a caller's
observer, a service added later), or a strategy engine running more than the
one strategy, is unknown to this proof: then every bar is fed (see
:func:`why_not_skip`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from app.calendar import trade_date
from app.composition import AppContext
from app.core.bus import EventBus
from app.core.events import BarClosed, PriceUpdated
from app.core.models import Bar, Interval
from app.marketdata.bars import bounds_ts


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

    A trade date changes only on a whole UTC hour (see :func:`app.calendar.trade_date`), so
    it is looked up once per hour of bars.
    """
    edges = {0, len(ends) - 1}
    day: date | None = None
    hour = None
    for i, ts in enumerate(ends):
        if ts // 3600 == hour:
            continue
        hour = ts // 3600
        new = trade_date(datetime.fromtimestamp(ts, UTC))
        if day is not None and new != day:
            edges.update((i - 1, i))
        day = new
    return edges


def _owner(handler: Any) -> Any:
    return getattr(handler, "__self__", None)


def why_not_skip(ctx: AppContext, bus: EventBus) -> str:
    """Why skipping would be unsafe for this app ("" when the proof above covers it)."""
    pairs = ctx.strategy.enabled_pairs()
    if pairs != [(ctx.settings.symbol, ctx.settings.strategy.value)]:
        return f"the strategy engine runs {pairs}"
    known_price = (ctx.broker, ctx.risk, ctx.execution, ctx.bot)
    problems: list[str] = []
    for kind, owners in ((PriceUpdated, known_price), (BarClosed, (ctx.strategy,))):
        for handler in bus.handlers_for(kind):
            if not any(_owner(handler) is owner for owner in owners):
                name = getattr(handler, "__qualname__", repr(handler))
                problems.append(f"{kind.__name__} -> {name}")
    return f"unknown per-price subscribers: {', '.join(problems)}" if problems else ""
