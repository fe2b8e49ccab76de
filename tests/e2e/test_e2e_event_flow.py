"""The full event flow on a simulated clock and a real database file:
bars -> RSI BUY signal -> bot decision -> order -> paper fill -> position, transaction, audit;
and the same causal order of events on the live path (quotes) and in a backtest (bars)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from app.backtest import run_backtest
from app.composition import build_app
from app.config import Settings
from app.core.clock import SimulatedClock
from app.core.events import (
    BarClosed,
    Event,
    OrderFilled,
    OrderSubmitted,
    PriceUpdated,
    SignalGenerated,
)
from app.core.models import Bar, Interval, OrderSource, Quote, SignalAction
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


async def test_rsi_buy_then_stop_loss_and_the_audit_trail_tells_why(tmp_path: Path) -> None:
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
        entry_now = ctx.execution.get_order(entry.client_order_id)
        assert entry_now is not None and exit_order.quantity == entry_now.filled_quantity
        assert ctx.portfolio.get_position("TQQQ") is None
        assert TransactionRow.select().count(ctx.db) == 2
        order = entry

        ctx.audit.flush()  # the trail is written in batches; flush before reading the table
        rows = AuditRow.select().order_by(AuditRow.id).execute(ctx.db)
        trail = [(r.kind, r.outcome) for r in rows
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


# --- the same causal order of events on the live path and in a backtest -------------------

MARKET = ("PriceUpdated", "BarClosed", "BarUpdated", "QuoteStale", "HealthChanged",
          "AccountUpdated", "EquitySnapshotTaken", "HistoricalDataReady")  # fmt: skip


def exit_chain(events: list[Event]) -> list[str]:
    """The events from the price that triggered the stop loss to its TradeCompleted: that
    price first, then everything that is not market data, in delivery order."""
    names = [type(e).__name__ for e in events]
    trigger = names.index("StopLossTriggered")
    price = max(i for i in range(trigger) if names[i] == "PriceUpdated")
    done = names.index("TradeCompleted", trigger)
    return ["PriceUpdated"] + [n for n in names[price + 1 : done + 1] if n not in MARKET]


CLOSES = [Decimal("20") + Decimal("0.1") * (i % 2) for i in range(16)] + [
    Decimal("19.8") - Decimal("0.3") * i for i in range(8)
]  # choppy (RSI about 50), then a slide: an RSI BUY, then the stop loss


async def live_path_events(tmp_path: Path) -> list[Event]:
    """Quotes through market_data.on_quote, as the simulated feed sends them: one a minute,
    each closing the bar before it; the broker's 50 ms latency on the simulated clock."""
    settings = Settings().replace(bot_enabled=True, paper_latency_ms=50)
    clock = SimulatedClock(START)
    ctx = build_app(settings, data_dir=tmp_path, clock=clock, feed=ManualFeed(), bar_store=False)
    events: list[Event] = []
    ctx.bus.subscribe(Event, events.append)
    await ctx.start()
    try:
        for i, price in enumerate([*CLOSES, CLOSES[-1]]):
            clock.set(START + timedelta(minutes=i, seconds=30))
            quote = Quote("TQQQ", price, price + Decimal("0.01"), price, Decimal(100),
                          Decimal(100), clock.now(), 1000)  # fmt: skip
            await ctx.market_data.on_quote(quote)
            for _ in range(3):  # the broker's latency passes: its fill task runs
                await asyncio.sleep(0)
                clock.advance(0.05)
            await ctx.bus.flush()
    finally:
        await ctx.stop()
    return events


async def backtest_path_events() -> list[Event]:
    events: list[Event] = []
    bars = [bar(i, close) for i, close in enumerate([*CLOSES, CLOSES[-1]])]
    await run_backtest(bars, Settings(), observe=lambda bus: bus.subscribe(Event, events.append))
    return events


async def test_a_stop_loss_exit_has_the_same_event_order_live_and_in_a_backtest(
    tmp_path: Path,
) -> None:
    live = exit_chain(await live_path_events(tmp_path))
    backtest = exit_chain(await backtest_path_events())

    assert live == backtest
    assert live[:2] == ["PriceUpdated", "StopLossTriggered"]
    order = [n for n in live if n in ("OrderSubmitted", "OrderFilled", "PositionClosed",
                                      "TradeCompleted")]  # fmt: skip
    assert order == ["OrderSubmitted", "OrderFilled", "PositionClosed", "TradeCompleted"]


async def test_a_price_comes_before_the_bar_it_closes_on_both_paths(tmp_path: Path) -> None:
    """Live, the first quote past a bar's end closes it; in a replay, the bar's close does:
    either way that price is published first, then the bar."""
    for events in (await live_path_events(tmp_path / "live"), await backtest_path_events()):
        market = [e for e in events if isinstance(e, PriceUpdated | BarClosed)]
        closed = [i for i, e in enumerate(market) if isinstance(e, BarClosed)]
        assert len(closed) >= 20
        for i in closed:
            before, bar_closed = market[i - 1], market[i]
            assert isinstance(before, PriceUpdated) and isinstance(bar_closed, BarClosed)
            assert before.quote.time >= bar_closed.bar.start + timedelta(minutes=1)
