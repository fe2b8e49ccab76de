"""The bot on two symbols in a replay: each symbol traded on its own strategy's signals, one
position per symbol, and the day trades of both counted together.

The whole app (``build_app``: real SQLite file, paper broker, risk, compliance) replays
minute bars of AAA and BBB fed through a ManualFeed on a simulated clock. RSI(2) makes a
BUY on a drop after a flat stretch and a SELL on a rise; profit target and stop loss are
set out of reach so only those signals trade.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from app.composition import build_app
from app.config import Settings
from app.core.clock import SimulatedClock
from app.core.events import DayTradeRecorded, OrderDenied, OrderFilled, SignalGenerated
from app.core.models import Bar, Interval, OrderSource, Side, SignalAction
from app.marketdata.feeds.manual import ManualFeed

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 New York
HIGH, LOW = Decimal("20"), Decimal("19")

# What each symbol does, minute by minute: B = a drop (RSI(2) BUY), S = a rise (SELL),
# anything else = flat. Day trades: AAA (1), BBB (2), AAA (3); BBB's last SELL would be the
# fourth; AAA's last BUY could not be closed today.
PLAN = {
    "AAA": "....B..S........B..S.....B..",
    "BBB": "..........B..S..B.....S.....",
}

SETTINGS = Settings().replace(
    bot_enabled=True, paper_latency_ms=0, bot_symbols="AAA:rsi period=2, BBB:rsi period=2",
    profit_target_pct=Decimal("1000"), stop_loss_pct=Decimal("-99"),
)  # fmt: skip


def closes(plan: str) -> list[Decimal]:
    price, out = HIGH, []
    for step in plan:
        price = LOW if step == "B" else HIGH if step == "S" else price
        out.append(price)
    return out


async def replay(ctx, plan: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    series = {symbol: closes(steps) for symbol, steps in plan.items()}
    for i in range(len(next(iter(plan.values())))):
        ctx.clock.set(START + timedelta(minutes=i + 1))
        for symbol, prices in series.items():
            p = prices[i]
            bar = Bar(symbol, Interval.M1, START + timedelta(minutes=i), p, p, p, p, 1000)
            await ctx.market_data.on_bar(bar)
        for _ in range(5):
            await asyncio.sleep(0)
        await ctx.bus.flush()


async def test_the_bot_trades_two_symbols_and_the_fourth_day_trade_is_refused(
    tmp_path: Path,
) -> None:
    ctx = build_app(SETTINGS, data_dir=tmp_path, clock=SimulatedClock(START), feed=ManualFeed(),
                    bar_store=False)  # fmt: skip
    events: list[object] = []
    for kind in (SignalGenerated, OrderFilled, OrderDenied, DayTradeRecorded):
        ctx.bus.subscribe(kind, events.append)
    await ctx.start()
    try:
        assert ctx.strategy.enabled_pairs() == [("AAA", "rsi"), ("BBB", "rsi")]
        await replay(ctx, PLAN)

        fills = [(e.fill.symbol, e.fill.side) for e in events if isinstance(e, OrderFilled)]
        assert fills == [
            ("AAA", Side.BUY), ("AAA", Side.SELL),  # day trade 1
            ("BBB", Side.BUY), ("BBB", Side.SELL),  # day trade 2
            ("AAA", Side.BUY), ("BBB", Side.BUY),  # both open at once: one position each
            ("AAA", Side.SELL),  # day trade 3
        ]  # fmt: skip
        counted = [(e.symbol, e.used) for e in events if isinstance(e, DayTradeRecorded)]
        assert counted == [("AAA", 1), ("BBB", 2), ("AAA", 3)]  # one count for both symbols

        denied = [e for e in events if isinstance(e, OrderDenied)]
        assert [(d.request.symbol, d.request.side, d.source) for d in denied] == [
            ("BBB", Side.SELL, "compliance"),  # the fourth day trade
            ("AAA", Side.BUY, "compliance"),  # a position it could not close today
        ]
        assert denied[0].request.source is OrderSource.BOT
        assert denied[0].reason == (
            "would be day trade 4 of 3 in the last 5 trading sessions (PDT rule)"
        )
        assert "no day trades left" in denied[1].reason
        status = ctx.compliance.status()
        assert status.used == 3
        position = ctx.portfolio.get_position("BBB")
        assert position is not None and position.quantity > 0  # held overnight, not sold
        assert ctx.portfolio.get_position("AAA") is None
        signals = [e.signal for e in events if isinstance(e, SignalGenerated)]
        assert {s.symbol for s in signals} == {"AAA", "BBB"}
        assert all(s.action in (SignalAction.BUY, SignalAction.SELL) for s in signals)
    finally:
        await ctx.stop()
