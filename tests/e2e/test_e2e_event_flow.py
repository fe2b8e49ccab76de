"""The full event flow on a simulated clock and a real database file:
bars -> RSI BUY signal -> bot decision -> order -> paper fill -> position, transaction, audit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.composition import build_app
from app.config import Settings
from app.core.clock import SimulatedClock
from app.core.events import OrderFilled, OrderSubmitted, SignalGenerated
from app.core.models import Bar, Interval, OrderSource, SignalAction
from app.marketdata.feeds.manual import ManualFeed
from app.storage.tables import AuditRow, TransactionRow

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 New York


def bar(i: int, close: Decimal) -> Bar:
    return Bar("TQQQ", Interval.M1, START + timedelta(minutes=i), close + Decimal("0.05"),
               close + Decimal("0.10"), close - Decimal("0.10"), close, 1000)  # fmt: skip


async def feed_bars(ctx, closes: list[Decimal]) -> None:  # type: ignore[no-untyped-def]
    for i, close in enumerate(closes):
        ctx.clock.set(START + timedelta(minutes=i + 1))
        await ctx.market_data.on_bar(bar(i, close))
        for _ in range(5):
            await asyncio.sleep(0)
    await ctx.bus.flush()


async def test_rsi_buy_then_stop_loss_and_the_audit_trail_tells_why(tmp_path) -> None:
    settings = Settings().replace(paper_latency_ms=0, bot_enabled=True)
    clock = SimulatedClock(START)
    ctx = build_app(settings, data_dir=tmp_path, clock=clock, feed=ManualFeed(), bar_store=False)
    seen: list[object] = []
    ctx.bus.subscribe(SignalGenerated, seen.append)
    ctx.bus.subscribe(OrderSubmitted, seen.append)
    ctx.bus.subscribe(OrderFilled, seen.append)
    await ctx.start()
    try:
        # a choppy market (RSI about 50), then a slide: RSI(14) crosses below 30 -> BUY
        choppy = [Decimal("20") + Decimal("0.1") * (i % 2) for i in range(16)]
        slide = [Decimal("19.8") - Decimal("0.3") * i for i in range(8)]
        closes = choppy + slide
        await feed_bars(ctx, closes)

        signals = [e for e in seen if isinstance(e, SignalGenerated)]
        assert signals and signals[0].signal.action is SignalAction.BUY
        submitted = [e.order for e in seen if isinstance(e, OrderSubmitted)]
        # the entry, then (the slide goes on) the stop-loss exit; never a second entry
        assert [o.side.value for o in submitted] == ["buy", "sell"]
        entry, exit_order = submitted
        assert entry.request.source is OrderSource.BOT
        assert entry.request.notional == settings.max_investment
        assert exit_order.request.reason == "stop loss"
        assert exit_order.quantity == ctx.execution.get_order(entry.client_order_id).filled_quantity
        assert ctx.portfolio.get_position("TQQQ") is None
        assert TransactionRow.select().count() == 2
        order = entry

        ctx.audit.flush()  # the trail is written in batches; flush before reading the table
        trail = [(r.kind, r.outcome) for r in AuditRow.select().order_by(AuditRow.id)
                 if r.kind in ("signal", "decision", "order", "fill")]  # fmt: skip
        kinds = [k for k, _ in trail]
        first = kinds.index("signal")
        assert kinds[first : first + 3] == ["signal", "decision", "order"]
        assert ("decision", "ordered") in trail
        assert kinds.index("fill") > kinds.index("order")
        recent = ctx.audit.recent(limit=50, kind="fill")
        assert [r.client_order_id for r in recent] == [
            exit_order.client_order_id,
            order.client_order_id,
        ]  # newest first
    finally:
        await ctx.stop()
