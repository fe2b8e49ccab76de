"""run_backtest: what it reports, when it refuses to skip, what it refuses to run, and where
and when its orders fill (the next bar's open or the bar's close, only in an open session)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.backtest import run_backtest
from app.backtest.cli import load_backtest_bars
from app.backtest.engine import EXCHANGE_LATENCY
from app.calendar import NEW_YORK, Session, session_at
from app.config import BacktestFill, DayTradePolicy, Settings
from app.core.bus import EventBus
from app.core.events import PriceUpdated
from app.core.models import Bar, Interval, OrderStatus, Side, TradingState
from app.core.money import round_money, round_price

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
    (buy,) = result.orders  # decided on a bar: the next bar's open is a price too
    decided = next(
        i for i, b in enumerate(bars) if b.start + timedelta(minutes=1) == buy.created_at
    )
    closes = [b.close for b in bars]
    assert prices == [*closes[: decided + 1], bars[decided + 1].open, *closes[decided + 1 :]]
    assert any("skipping off" in line for line in result.summary)
    # every bar fed to the played-back strategy: the same run as the real strategy's
    full = await run_backtest(bars, settings(), skip=False)
    assert [(o.side, o.quantity, o.created_at, o.status) for o in result.orders] == [
        (o.side, o.quantity, o.created_at, o.status) for o in full.orders
    ]
    assert result.timeline == full.timeline


async def test_bars_of_two_symbols_or_out_of_order_are_refused() -> None:
    bars = buy_then_drift()
    with pytest.raises(ValueError, match="one symbol"):
        await run_backtest([*bars[:3], *bars_from(["10", "11"], "SQQQ")], settings())
    with pytest.raises(ValueError, match="time order"):
        await run_backtest([bars[1], bars[0]], settings())
    with pytest.raises(ValueError, match="no bars"):
        await run_backtest([], settings())


def day_bars(day: str, at: str, closes: list[str], previous: str, *, minutes: int = 1) -> list[Bar]:
    """Bars of ``minutes`` (1 or 5) from ``at`` New York time on ``day``."""
    start = datetime.fromisoformat(f"{day}T{at}:00").replace(tzinfo=NEW_YORK).astimezone(UTC)
    interval = Interval.M1 if minutes == 1 else Interval.M5
    bars, prev = [], Decimal(previous)
    for i, text in enumerate(closes):
        close = Decimal(text)
        when = start + timedelta(minutes=minutes * i)
        bars.append(Bar("TQQQ", interval, when, prev, max(prev, close), min(prev, close),
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


SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample" / "tqqq_5m.csv"


def gappy(seed: int = 5) -> list[Bar]:
    """5-minute bars over eight sessions whose opens jump away from the previous close."""
    rng = random.Random(seed)
    price, bars = 60.0, []
    for day in ("02", "03", "04", "05", "06", "09", "10", "11"):
        start = datetime.fromisoformat(f"2026-11-{day}T09:30:00").replace(tzinfo=NEW_YORK)
        for k in range(78):
            open_ = price * (1 + rng.gauss(0, 0.002))
            price = open_ * (1 + rng.gauss(0, 0.004))
            o, c = (Decimal(f"{x:.2f}") for x in (open_, price))
            when = (start + timedelta(minutes=5 * k)).astimezone(UTC)
            bars.append(Bar("TQQQ", Interval.M5, when, o, max(o, c), min(o, c), c, 1000))
    return bars


def sample_or_gappy(series: str) -> list[Bar]:
    return load_backtest_bars(SAMPLE, "TQQQ") if series == "sample" else gappy()


@pytest.mark.parametrize(("series", "slippage"), [("sample", "0"), ("gappy", "0"), ("gappy", "25")])
async def test_fills_at_the_next_bars_open_and_only_in_the_regular_session(
    series: str, slippage: str
) -> None:
    bars = sample_or_gappy(series)
    rules = Settings().replace(
        paper_slippage_bps=Decimal(slippage), day_trade_policy=DayTradePolicy.OFF,
        log_level="ERROR",
    )  # fmt: skip
    result = await run_backtest(bars, rules)

    by_start = {bar.start: bar for bar in bars}
    decided = {o.client_order_id: o.created_at for o in result.orders}
    bps = Decimal(slippage) / 10000
    assert len(result.fills) >= 6
    for fill in result.fills:
        bar = by_start[fill.time - EXCHANGE_LATENCY]  # 1 ms after the start of a bar: its open
        assert bar.start == decided[fill.client_order_id]  # the bar after the deciding one
        if fill.side is Side.BUY:
            assert fill.price == round_price((bar.open + rules.backtest_spread) * (1 + bps))
        else:
            assert fill.price == round_price(bar.open * (1 - bps))
        assert session_at(fill.time) is Session.REGULAR
    for order in result.orders:  # a market order placed outside the regular session is refused
        if session_at(order.created_at) is not Session.REGULAR:
            assert order.status is OrderStatus.REJECTED


async def test_fills_at_the_close_when_asked() -> None:
    bars = gappy()
    rules = Settings().replace(
        backtest_fill=BacktestFill.CLOSE, day_trade_policy=DayTradePolicy.OFF, log_level="ERROR"
    )
    result = await run_backtest(bars, rules)

    by_end = {bar.start + timedelta(minutes=5): bar for bar in bars}
    assert len(result.fills) >= 6
    for fill in result.fills:
        bar = by_end[fill.time]  # at the deciding bar's end, at its close
        spread = rules.backtest_spread if fill.side is Side.BUY else Decimal(0)
        assert fill.price == bar.close + spread


async def test_a_signal_on_the_last_bar_of_the_day_is_refused_not_filled_next_morning() -> None:
    """RSI(2) crosses under 30 on the 15:55 bar: the order meets the after-hours session at
    16:00 and is refused; nothing fills at the next morning's open."""
    closes = ["50.00", "50.10"] * 6 + ["47.00"]  # choppy, then a fall on the 15:55 bar
    bars = day_bars("2026-11-24", "14:55", closes, "50.00", minutes=5)
    bars += day_bars("2026-11-25", "09:30", ["47.10", "47.20", "47.30"], "47.00", minutes=5)
    result = await run_backtest(bars, settings())

    (order,) = result.orders
    assert order.created_at.astimezone(NEW_YORK).strftime("%H:%M") == "16:00"
    assert order.status is OrderStatus.REJECTED
    assert order.reason.startswith("post-market session: outside regular hours")
    assert result.fills == ()
