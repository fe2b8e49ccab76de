"""Market fill prices move against the trader by the slippage, whatever way it is written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from app.brokers.paper_pricing import market_fill_price
from app.core.models import Quote, Side

QUOTE = Quote(
    "TQQQ", Decimal("50.00"), Decimal("50.02"), Decimal("50.01"), Decimal(100), Decimal(100),
    datetime(2024, 3, 4, 15, tzinfo=UTC),
)  # fmt: skip


def test_fill_price_is_the_touch_plus_slippage_on_the_tick() -> None:
    for bps in (Decimal("5"), Decimal("5.0"), Decimal("5")):
        assert market_fill_price(Side.BUY, QUOTE, bps) == Decimal("50.05")  # 50.02 * 1.0005
        assert market_fill_price(Side.SELL, QUOTE, bps) == Decimal("49.98")  # 50.00 * 0.9995
    assert market_fill_price(Side.BUY, QUOTE, Decimal("0")) == Decimal("50.02")
    assert market_fill_price(Side.SELL, QUOTE, Decimal("100")) == Decimal("49.50")
