"""Collect a finished backtest's outcome from the (still running) app, with printable lines.

The lines reuse the headless runner's summary (:func:`app.headless.summary_lines`)
under a backtest header, plus how many bars went through the whole pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.backtest.result import BacktestResult, Timeline
from app.composition import AppContext
from app.core.models import Bar
from app.headless import FlowLog, summary_lines

ALL = 10**9  # "every row" for the journal's newest-first listings


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
    pdt = ctx.compliance.status()
    first, last = bars[0], bars[-1]
    simulated = (ctx.clock.now() - first.start).total_seconds()
    lines = summary_lines(ctx, flow, elapsed, simulated)
    lines[0] = (
        f"Sherwood backtest: {settings.strategy.value} on {settings.symbol}, "
        f"{len(bars)} {first.interval.value} bars from {first.start:%Y-%m-%d %H:%M} "
        f"to {last.start:%Y-%m-%d %H:%M} UTC, {elapsed:.2f} s"
    )
    fed_line = f"bars: {fed} through the whole pipeline, {skipped} seen by the strategy only"
    if skipping_off:
        fed_line += f" (skipping off: {skipping_off})"
    lines.insert(1, fed_line)
    return BacktestResult(
        symbol=settings.symbol,
        strategy=settings.strategy.value,
        bars=len(bars),
        bars_fed=fed,
        bars_skipped=skipped,
        elapsed=elapsed,
        orders=tuple(reversed(ctx.execution.orders(ALL))),
        fills=tuple(reversed(ctx.execution.fills(ALL))),
        denials=dict(timeline.denials()),
        realized_pnl=pnl.realized,
        unrealized_pnl=pnl.unrealized,
        day_trades=tuple(ctx.compliance.day_trades(window_only=False)),
        day_trades_used=pdt.used,
        positions=tuple(ctx.portfolio.open_positions()),
        trading_state=ctx.risk.state,
        trading_state_reason=ctx.risk.state_reason,
        timeline=tuple(timeline.rows()),
        skipping_off=skipping_off,
        summary=tuple(lines),
    )
