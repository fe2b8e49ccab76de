"""Sherwood's backtest against the same bot rules rebuilt in backtrader: same fills, same P&L.

backtrader (``bench/baselines.py``) knows nothing of Sherwood's services: it
gets the bot's rules as documented (zone-entry RSI signals, dollar sizing at
the ask, profit target, stop loss, one exit per position, refusals outside
the regular session, fills at the next bar's open or at the deciding bar's
close). Both run on the sample file and on a generated series with gaps
between one bar's close and the next bar's open (so the fill rule shows), with
the day-trade rule off, and must make the same fills and realize the same P&L
to the cent.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

bt_baselines = pytest.importorskip(
    "bench.baselines", reason="backtrader is not installed (pip install -e '.[test]')"
)

from app.backtest.cli import load_backtest_bars  # noqa: E402
from app.backtest.engine import run_backtest  # noqa: E402
from app.calendar import NEW_YORK, next_trading_day  # noqa: E402
from app.config import DayTradePolicy, Settings, parse_value  # noqa: E402
from app.core.models import Bar, Interval  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample" / "tqqq_5m.csv"
CENT = Decimal("0.01")


def generated_bars(days: int = 15, seed: int = 11) -> list[Bar]:
    """5-minute bars over ``days`` regular sessions: a random walk whose opens jump away
    from the previous close, so a fill at the next open differs from one at the close."""
    rng = random.Random(seed)
    price = 60.0
    day = date(2026, 11, 2)
    bars: list[Bar] = []
    for _ in range(days):
        start = datetime.combine(day, time(9, 30), tzinfo=NEW_YORK).astimezone(UTC)
        for k in range(78):
            open_ = price * (1 + rng.gauss(0, 0.0015))
            price = open_ * (1 + rng.gauss(0, 0.004))
            high = max(open_, price) * (1 + abs(rng.gauss(0, 0.001)))
            low = min(open_, price) * (1 - abs(rng.gauss(0, 0.001)))
            o, h, lo, c = (Decimal(f"{x:.2f}") for x in (open_, high, low, price))
            bars.append(Bar("TQQQ", Interval.M5, start + timedelta(minutes=5 * k), o,
                            max(h, o, c), min(lo, o, c), c, rng.randint(1000, 9000)))  # fmt: skip
        day = next_trading_day(day)
    return bars


def sherwood_settings(fill: str) -> Settings:
    settings = Settings(day_trade_policy=DayTradePolicy.OFF)
    if not hasattr(settings, "backtest_fill"):
        pytest.skip("the backtest has no BACKTEST_FILL rule yet (issue 13, item 1)")
    return settings.replace(backtest_fill=parse_value("backtest_fill", fill))


def rules_for(settings: Settings, fill: str) -> object:
    spread = getattr(settings, "backtest_spread", Decimal("0.01"))
    return bt_baselines.BotRules(
        period=settings.rsi_period, oversold=settings.rsi_oversold,
        overbought=settings.rsi_overbought, max_investment=settings.max_investment,
        profit_target_pct=settings.profit_target_pct, stop_loss_pct=settings.stop_loss_pct,
        spread=spread, starting_cash=settings.paper_starting_cash, fill=fill,
    )  # fmt: skip


@pytest.mark.parametrize("fill", ["next_open", "close"])
@pytest.mark.parametrize("series", ["sample", "generated"])
def test_same_fills_and_realized_pnl_as_backtrader(series: str, fill: str) -> None:
    bars = load_backtest_bars(SAMPLE, "TQQQ") if series == "sample" else generated_bars()
    settings = sherwood_settings(fill)
    ours = asyncio.run(run_backtest(bars, settings))
    theirs = bt_baselines.backtrader_bot(bars, rules_for(settings, fill))

    def rows(fills: list) -> list[tuple]:  # the minute of each fill (Sherwood's are 1 ms in)
        return [(f.time.astimezone(UTC).replace(second=0, microsecond=0), str(f.side),
                 f.quantity, f.price) for f in fills]  # fmt: skip

    expected = rows(theirs.fills)
    assert len(expected) >= 6, "the series should make several round trips"
    assert rows(list(ours.fills)) == expected
    assert ours.realized_pnl.quantize(CENT) == theirs.realized.quantize(CENT)
    why = {o.client_order_id: o.request.reason for o in ours.orders}
    assert [why[f.client_order_id] for f in ours.fills] == [f.why for f in theirs.fills]
