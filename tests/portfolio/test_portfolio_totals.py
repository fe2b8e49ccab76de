"""The P&L totals a user reads are the rounded sums of the positions, not sums of rounded rows."""

from __future__ import annotations

from decimal import Decimal

from app.portfolio.views import PositionView, totals


def view(symbol: str, quantity: str, cost: str, price: str | None) -> PositionView:
    return PositionView(
        symbol=symbol, quantity=Decimal(quantity), average_cost=Decimal(cost),
        last_price=None if price is None else Decimal(price), market_value=None,
        unrealized_pnl=None, unrealized_pct=None, realized_today=Decimal(0), stale=False,
    )  # fmt: skip


def test_unrealized_total_is_the_rounded_sum_of_exact_amounts() -> None:
    # each position is up half a cent: rows show $0.01 each, the account is up $0.015 -> $0.02
    views = [view(s, "1", "10.000", "10.005") for s in ("AAA", "BBB", "CCC")]
    pnl = totals(views, realized=Decimal("0"), realized_today=Decimal("0"))
    assert pnl.unrealized == Decimal("0.02")
    assert pnl.total_value == Decimal("30.02")
    assert pnl.total_cost == Decimal("30.00")


def test_an_unpriced_position_counts_at_cost() -> None:
    views = [view("AAA", "0.5", "20.123", None), view("BBB", "2", "5", "5.25")]
    pnl = totals(views, realized=Decimal("1.50"), realized_today=Decimal("0"))
    assert pnl.unrealized == Decimal("0.50")
    assert pnl.total == Decimal("2.00")
