"""The skipping backtest does exactly what feeding every bar through the whole app does.

Seeded random walks of 5-minute bars over nine weekdays (Thanksgiving 2026-11-26
among them: the market is closed, so its orders are refused) with jumps, so
profit targets and stop losses fire, a small daily-loss limit is hit (REDUCING,
then reset on the next trade date), and a $5,000 margin account under classic
PDT rules gets compliance denials; an exit refused after the close is tried
again in the next regular session (the bot acts on a price then). RSI and
MACD, fills at the next open and at the close, partial fills on and off. Every
run is compared with the same run feeding every bar: orders, fills, denials,
positions, P&L, day trades, risk state and the whole event timeline (signals,
decisions, order states, account balances).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any

import pytest

from app.backtest import BacktestResult, run_backtest
from app.calendar import NEW_YORK
from app.config import BacktestFill, DayTradePolicy, Settings, StrategyName
from app.core.models import AccountType, Bar, Interval

CENT = Decimal("0.01")
DAYS = [date(2026, 11, 19) + timedelta(days=d) for d in range(14)]
WEEKDAYS = [d for d in DAYS if d.weekday() < 5]  # incl. Thanksgiving, Thu 2026-11-26


def walk(seed: int, days: Sequence[date] = WEEKDAYS) -> list[Bar]:
    """5-minute bars 09:30-15:55 New York with ~0.35 % noise and 3 % jumps now and then."""
    rng = random.Random(seed)
    price = 40.0 + rng.random() * 20
    bars: list[Bar] = []
    for day in days:
        start = datetime.combine(day, time_of_day(9, 30), tzinfo=NEW_YORK).astimezone(UTC)
        for k in range(78):
            open_ = price
            move = rng.gauss(0, 0.0035)
            if rng.random() < 0.03:
                move += rng.choice((-0.03, 0.03))
            price = max(5.0, price * (1 + move))
            o, c = (Decimal(repr(x)).quantize(CENT) for x in (open_, price))
            hi, lo = max(o, c) + CENT, min(o, c) - CENT
            when = start + timedelta(minutes=5 * k)
            bars.append(Bar("TQQQ", Interval.M5, when, o, hi, lo, c, rng.randint(100, 9000)))
    return bars


def rules(
    strategy: StrategyName, fill: BacktestFill, partial: bool, latency_ms: int = 50
) -> Settings:
    return Settings().replace(
        strategy=strategy,
        rsi_period=5,
        macd_fast=5,
        macd_slow=13,
        macd_signal=4,
        account_type=AccountType.MARGIN,
        day_trade_policy=DayTradePolicy.CLASSIC,
        paper_starting_cash=Decimal("5000"),
        max_investment=Decimal("1000"),
        max_position_value=Decimal("2000"),
        profit_target_pct=Decimal("1.2"),
        stop_loss_pct=Decimal("-0.8"),
        max_daily_loss=Decimal("12"),
        paper_latency_ms=latency_ms,
        paper_partial_fills=partial,
        backtest_fill=fill,
        log_level="ERROR",
    )


def observable(r: BacktestResult) -> dict[str, Any]:
    """Everything a user can see of a run, without random ids."""
    return {
        "orders": [
            (o.side, o.quantity, o.status, o.reason, o.request.source, o.request.reason,
             o.request.notional, o.created_at, o.updated_at, o.filled_quantity,
             o.average_fill_price)
            for o in r.orders
        ],
        "fills": [(f.side, f.quantity, f.price, f.time) for f in r.fills],
        "denials": r.denials,
        "positions": [(p.symbol, p.quantity, p.average_cost, p.opened_at) for p in r.positions],
        "realized": r.realized_pnl,
        "unrealized": r.unrealized_pnl,
        "day_trades": [
            (d.symbol, d.trade_date, d.quantity, d.buy_price, d.sell_price, d.pnl, d.sequence)
            for d in r.day_trades
        ],
        "used": r.day_trades_used,
        "state": (r.trading_state, r.trading_state_reason),
        "timeline": r.timeline,
    }  # fmt: skip


CASES = [
    (seed, strategy, fill, partial)
    for seed in (1, 2, 3, 4, 9)  # 9: a stop loss at 16:00 is refused, tried again next morning
    for strategy in (StrategyName.RSI, StrategyName.MACD)
    for fill, partial in ((BacktestFill.NEXT_OPEN, False), (BacktestFill.CLOSE, True))
] + [(1, StrategyName.RSI_SR, BacktestFill.NEXT_OPEN, False)]
_seen: list[BacktestResult] = []


@pytest.mark.parametrize(("seed", "strategy", "fill", "partial"), CASES)
async def test_skipping_changes_nothing_a_user_sees(
    seed: int, strategy: StrategyName, fill: BacktestFill, partial: bool
) -> None:
    bars = walk(seed)
    settings = rules(strategy, fill, partial)
    fast = await run_backtest(bars, settings)
    full = await run_backtest(bars, settings, skip=False)

    assert full.bars_fed == len(bars) and full.bars_skipped == 0
    assert fast.skipping_off == ""
    assert fast.bars_fed + fast.bars_skipped == len(bars)
    assert fast.bars_skipped > 0
    assert observable(fast) == observable(full)
    _seen.append(fast)


def test_the_cases_exercise_every_rule() -> None:
    """The runs above hit what skipping could get wrong (guards against a toothless walk)."""
    assert len(_seen) == len(CASES), "run the whole module"
    reasons = Counter(o.request.reason for r in _seen for o in r.orders)
    assert reasons["profit target"] > 0
    assert reasons["stop loss"] > 0
    assert any(reason.endswith("(retried)") for reason in reasons)  # a refused exit, tried again
    denied_by = Counter(key.split(":")[0] for r in _seen for key in r.denials)
    assert denied_by["compliance"] > 0
    states = [row.detail.lower() for r in _seen for row in r.timeline
              if row.kind == "TradingStateChanged"]  # fmt: skip
    assert any("active -> reducing" in s for s in states)  # the daily loss limit was hit
    assert any("reducing -> active" in s for s in states)  # and reset on a new trade date
    assert any(r.day_trades for r in _seen)
    holiday = date(2026, 11, 26)  # Thanksgiving: the market is closed, nothing fills
    assert not any(f.time.astimezone(NEW_YORK).date() == holiday for r in _seen for f in r.fills)
    refused = [o for r in _seen for o in r.orders if o.created_at.astimezone(NEW_YORK).date()
               == holiday]  # fmt: skip
    assert refused and all(o.reason.startswith("market closed") for o in refused)
    assert sum(r.bars_skipped for r in _seen) > sum(r.bars_fed for r in _seen)


async def test_latency_never_moves_a_fill_to_another_bar() -> None:
    bars = walk(2)
    runs = [await run_backtest(bars, rules(StrategyName.RSI, BacktestFill.NEXT_OPEN, False,
                                           latency)) for latency in (0, 50, 60_000)]  # fmt: skip
    fills = [[(f.side, f.quantity, f.price, f.time) for f in r.fills] for r in runs]
    assert fills[0] and fills[0] == fills[1] == fills[2]
