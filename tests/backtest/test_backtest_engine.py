"""run_backtest: what it reports, when it refuses to skip, and what it refuses to run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.backtest import run_backtest
from app.calendar import NEW_YORK
from app.config import Settings
from app.core.bus import EventBus
from app.core.events import PriceUpdated
from app.core.models import Bar, Interval, TradingState
from app.core.money import round_money

START = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # Tuesday 09:30 New York


def bars_from(closes: list[str], symbol: str = "TQQQ") -> list[Bar]:
    bars = []
    previous = Decimal(closes[0])
    for i, text in enumerate(closes):
        close = Decimal(text)
        high, low = max(previous, close), min(previous, close)
        start = START + timedelta(minutes=i)
        bars.append(Bar(symbol, Interval.M1, start, previous, high, low, close, 1000))
        previous = close
    return bars


def buy_then_drift() -> list[Bar]:
    """A slide that makes RSI(2) buy, then 200 quiet bars, then a last close of 49.80."""
    closes = ["50.00", "49.00", "48.00", "47.00"]
    closes += ["47.30" if i % 2 else "47.20" for i in range(200)]
    closes.append("49.80")
    return bars_from(closes)


def settings() -> Settings:
    return Settings().replace(
        rsi_period=2, rsi_overbought=99.0, max_investment=Decimal("500"),
        max_position_value=Decimal("1000"), profit_target_pct=Decimal("50"),
        stop_loss_pct=Decimal("-50"), paper_latency_ms=0, log_level="ERROR",
    )  # fmt: skip


async def test_quiet_bars_are_skipped_and_the_last_close_prices_the_position() -> None:
    bars = buy_then_drift()
    result = await run_backtest(bars, settings())

    assert [o.side.value for o in result.orders] == ["buy"]
    (position,) = result.positions
    assert result.bars_skipped > 150  # the quiet stretch never reached the services
    assert result.bars_fed + result.bars_skipped == len(bars)
    expected = round_money(position.quantity * (Decimal("49.80") - position.average_cost))
    assert result.unrealized_pnl == expected > 0
    full = await run_backtest(bars, settings(), skip=False)
    assert (full.unrealized_pnl, full.fills[0].price) == (expected, result.fills[0].price)
    assert any(line.startswith("bars: ") for line in result.summary)


async def test_an_observer_of_prices_turns_skipping_off_and_says_why() -> None:
    prices: list[Decimal] = []

    def observe(bus: EventBus) -> None:
        bus.subscribe(PriceUpdated, lambda e: prices.append(e.quote.last))

    bars = buy_then_drift()
    result = await run_backtest(bars, settings(), observe=observe)

    assert result.bars_skipped == 0 and result.bars_fed == len(bars)
    assert "PriceUpdated" in result.skipping_off
    assert prices == [b.close for b in bars]  # the observer saw every price
    assert any("skipping off" in line for line in result.summary)


async def test_bars_of_two_symbols_or_out_of_order_are_refused() -> None:
    bars = buy_then_drift()
    with pytest.raises(ValueError, match="one symbol"):
        await run_backtest([*bars[:3], *bars_from(["10", "11"], "SQQQ")], settings())
    with pytest.raises(ValueError, match="time order"):
        await run_backtest([bars[1], bars[0]], settings())
    with pytest.raises(ValueError, match="no bars"):
        await run_backtest([], settings())


def day_bars(day: str, at: str, closes: list[str], previous: str) -> list[Bar]:
    """One-minute bars from ``at`` New York time on ``day``."""
    start = datetime.fromisoformat(f"{day}T{at}:00").replace(tzinfo=NEW_YORK).astimezone(UTC)
    bars, prev = [], Decimal(previous)
    for i, text in enumerate(closes):
        close = Decimal(text)
        when = start + timedelta(minutes=i)
        bars.append(Bar("TQQQ", Interval.M1, when, prev, max(prev, close), min(prev, close),
                        close, 1000))  # fmt: skip
        prev = close
    return bars


async def test_an_overnight_position_is_marked_from_the_first_price_of_the_day() -> None:
    """Today's loss on a position bought yesterday counts from today's first price (49.00):
    the close of 46.00 loses over $30 today and stops new entries, exactly as in a full run."""
    day1 = ["50.00", "49.00", "48.00", "47.00", *(["47.30", "47.20"] * 10)]
    day2 = ["49.00", "48.90", "48.80", "48.50", "48.00", "47.50", "46.90", "46.50", "46.00",
            "45.50", "45.40", "45.30"]  # fmt: skip
    bars = day_bars("2026-11-24", "15:30", day1, "50.00")
    bars += day_bars("2026-11-25", "09:30", day2, day1[-1])
    rules = settings().replace(max_daily_loss=Decimal("30"))

    fast = await run_backtest(bars, rules)
    full = await run_backtest(bars, rules, skip=False)

    limits = [row for row in full.timeline if row.kind == "RiskLimitReached"]
    assert [row.time.astimezone(NEW_YORK).strftime("%H:%M") for row in limits] == ["09:39"]
    assert fast.timeline == full.timeline
    assert fast.trading_state is full.trading_state is TradingState.REDUCING
    assert fast.bars_skipped > 0
