"""Collect a finished backtest's outcome from the (still running) app, and tell it as one story.

The printed lines follow a run from its rules to its end: what was replayed
and how, signals to orders to fills (and every denial by reason), the round
trips, P&L and risk figures of :mod:`app.backtest.metrics`, the day trades
(the most in any window, which is what the limit is about) and the state at
the end. Times are the bars' own, in New York time; nothing in it depends on
the wall clock or on "today".
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.backtest import metrics as figures
from app.backtest.plan import bar_ends
from app.backtest.result import BacktestResult, Timeline
from app.composition import AppContext
from app.config import DayTradePolicy, Settings
from app.core.models import Bar
from app.core.money import round_money
from app.headless import FlowLog

ALL = 10**9  # "every row" for the journal's newest-first listings
NEW_YORK = ZoneInfo("America/New_York")
FILL_RULES = {
    "next_open": "at the next bar's open",
    "close": "at the deciding bar's close",
}


def money(value: Decimal) -> str:
    rounded = round_money(value)
    return f"-${-rounded:,}" if rounded < 0 else f"${rounded:,}"


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f} %"


def fill_rule(settings: Settings) -> str:
    """How fills are priced (``BACKTEST_FILL``), as words; empty when the setting is absent."""
    rule = getattr(settings, "backtest_fill", None)
    if rule is None:
        return ""
    text = str(getattr(rule, "value", rule))
    return FILL_RULES.get(text, text)


def story(
    result: BacktestResult, settings: Settings, flow: FlowLog, bars: Sequence[Bar], open_orders: int
) -> list[str]:
    """The summary lines of a run (``result`` without its summary yet)."""
    m = result.metrics
    assert m is not None
    first, last = bars[0].start, bars[-1].start
    interval = result.interval
    statuses = Counter(flow.orders.values())
    by_status = ", ".join(f"{v} {k}" for k, v in sorted(statuses.items())) or "none"
    policy = settings.day_trade_policy
    limit = (
        f"limit {settings.max_day_trades}, policy {policy.value}"
        if policy is not DayTradePolicy.OFF
        else "policy off"
    )
    skipping = f" (skipping off: {result.skipping_off})" if result.skipping_off else ""
    lines = [
        f"Sherwood backtest: {result.strategy} on {result.symbol}, {result.bars} {interval} bars "
        f"from {first.astimezone(NEW_YORK):%Y-%m-%d %H:%M} to "
        f"{last.astimezone(NEW_YORK):%Y-%m-%d %H:%M} New York, {result.elapsed:.2f} s",
        f"bars: the strategy's signals on all {result.bars}; {result.bars_fed} through the whole "
        f"pipeline, {result.bars_skipped} skipped (no service could act on them){skipping}",
        f"rules: {money(settings.max_investment)} an entry, profit target "
        f"{settings.profit_target_pct} %, stop loss {settings.stop_loss_pct} %, "
        + (f"fills {fill_rule(settings)}, " if fill_rule(settings) else "")
        + f"starting cash {money(result.starting_cash)}",
        f"signals: {flow.signals}; orders: {len(flow.orders)} ({by_status}); fills: {m.fills}",
    ]
    for reason, count in sorted(m.denials.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  denied {count} x {reason}")
    lines += [
        f"round trips: {m.trades}, won {_pct(m.win_rate_pct)}, profit factor "
        + ("n/a" if m.profit_factor is None else f"{m.profit_factor:.2f}"),
        f"net P&L: {money(m.net_pnl)} ({m.return_pct:+.3f} %): realized "
        f"{money(result.realized_pnl)}, unrealized {money(result.unrealized_pnl)}",
        f"max drawdown: {money(m.max_drawdown)} ({m.max_drawdown_pct:.3f} %); Sharpe "
        f"{m.sharpe:.2f}; exposure {m.exposure_pct:.1f} % of bars",
        f"day trades: {m.day_trades}, at most {m.most_day_trades_in_window} in any "
        f"{settings.pdt_tracking_days}-session window ({limit})",
    ]
    held = [f"{p.quantity} {p.symbol}" for p in result.positions]
    lines.append(
        f"at the end: trading {result.trading_state.value}"
        + (f" ({result.trading_state_reason})" if result.trading_state_reason else "")
        + (f", holding {', '.join(held)}" if held else ", flat")
        + (f", {open_orders} order(s) open" if open_orders else "")
    )
    return lines


def collect(
    ctx: AppContext,
    flow: FlowLog,
    timeline: Timeline,
    bars: Sequence[Bar],
    fed: int,
    skipped: int,
    elapsed: float,
    skipping_off: str,
) -> BacktestResult:
    """The result of the run that just ended (call before ``ctx.stop()``)."""
    settings = ctx.settings
    pnl = ctx.portfolio.pnl()
    fills = tuple(reversed(ctx.execution.fills(ALL)))
    day_trades = tuple(ctx.compliance.day_trades(window_only=False))
    starting_cash = settings.paper_starting_cash
    equity = tuple(figures.equity_curve(bars, bar_ends(bars), fills, starting_cash))
    round_trips = tuple(timeline.round_trips())
    denials = dict(timeline.denials())
    result = BacktestResult(
        symbol=settings.symbol,
        strategy=settings.strategy.value,
        bars=len(bars),
        bars_fed=fed,
        bars_skipped=skipped,
        elapsed=elapsed,
        orders=tuple(reversed(ctx.execution.orders(ALL))),
        fills=fills,
        denials=denials,
        realized_pnl=pnl.realized,
        unrealized_pnl=pnl.unrealized,
        day_trades=day_trades,
        day_trades_used=ctx.compliance.status().used,
        positions=tuple(ctx.portfolio.open_positions()),
        trading_state=ctx.risk.state,
        trading_state_reason=ctx.risk.state_reason,
        timeline=tuple(timeline.rows()),
        skipping_off=skipping_off,
        starting_cash=starting_cash,
        equity=equity,
        round_trips=round_trips,
        metrics=figures.compute(
            equity=equity,
            interval=bars[0].interval,
            starting_cash=starting_cash,
            net_pnl=pnl.realized + pnl.unrealized,
            round_trips=round_trips,
            fills=len(fills),
            day_trade_dates=[d.trade_date for d in day_trades],
            window=settings.pdt_tracking_days,
            denials=denials,
        ),
        interval=bars[0].interval.value,
    )
    lines = story(result, settings, flow, bars, len(ctx.execution.open_orders()))
    return dataclasses.replace(result, summary=tuple(lines))
