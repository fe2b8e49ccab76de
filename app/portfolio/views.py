"""Read models the UI and other services get from the portfolio: positions, transactions, P&L.

Views are computed at call time from the positions and the latest quote, so
they are always fresh. Prices mark positions at the bid (what a sale would get).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from app.core.models import Position, Quote, Side
from app.core.money import ZERO, round_money

PCT_STEP = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PositionView:
    """One holding as the positions table shows it; price fields are None without a quote."""

    symbol: str
    quantity: Decimal
    average_cost: Decimal
    last_price: Decimal | None
    market_value: Decimal | None
    unrealized_pnl: Decimal | None
    unrealized_pct: Decimal | None
    realized_today: Decimal
    stale: bool

    @property
    def cost_basis(self) -> Decimal:
        return round_money(self.quantity * self.average_cost)


@dataclass(frozen=True, slots=True)
class TransactionView:
    """One line of the account history (one fill)."""

    execution_id: str
    client_order_id: str
    time: datetime
    trade_date: date
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    amount: Decimal  # cost of a buy or proceeds of a sell
    realized_pnl: Decimal | None
    realized_pnl_pct: Decimal | None


@dataclass(frozen=True, slots=True)
class PnL:
    """Profit and loss totals; unpriced positions count at cost (no unrealized P&L)."""

    realized: Decimal
    realized_today: Decimal
    unrealized: Decimal
    total_cost: Decimal
    total_value: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class PortfolioSummary:
    positions: list[PositionView]
    pnl: PnL
    open_positions: int
    transactions: int
    trades_today: int
    cash: Decimal | None = None
    equity: Decimal | None = None
    buying_power: Decimal | None = None


def position_view(position: Position, quote: Quote | None, realized_today: Decimal) -> PositionView:
    """Mark ``position`` at the quote's bid (None fields when there is no quote)."""
    if quote is None:
        return PositionView(
            symbol=position.symbol,
            quantity=position.quantity,
            average_cost=position.average_cost,
            last_price=None,
            market_value=None,
            unrealized_pnl=None,
            unrealized_pct=None,
            realized_today=realized_today,
            stale=True,
        )
    price = quote.bid
    return PositionView(
        symbol=position.symbol,
        quantity=position.quantity,
        average_cost=position.average_cost,
        last_price=price,
        market_value=round_money(position.market_value(price)),
        unrealized_pnl=round_money(position.unrealized_pnl(price)),
        unrealized_pct=position.unrealized_pct(price).quantize(PCT_STEP),
        realized_today=realized_today,
        stale=quote.stale,
    )


def totals(views: list[PositionView], realized: Decimal, realized_today: Decimal) -> PnL:
    """Totals rounded once, from exact per-position amounts (a sum of rounded rows can be
    a cent or two off the rounded sum a statement shows)."""
    cost = sum((v.quantity * v.average_cost for v in views), ZERO)
    value = sum(
        (v.quantity * (v.average_cost if v.last_price is None else v.last_price) for v in views),
        ZERO,
    )
    unrealized = round_money(value - cost)
    return PnL(
        realized=realized,
        realized_today=realized_today,
        unrealized=unrealized,
        total_cost=round_money(cost),
        total_value=round_money(value),
        total=realized + unrealized,
    )
