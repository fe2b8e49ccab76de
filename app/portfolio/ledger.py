"""Average-cost bookkeeping (pure): what one fill does to a position.

A buy moves the average cost (fees count in the cost); a sell realizes
(price - average) x quantity minus fees and leaves the average unchanged;
selling more than held is an error. Quantities may be fractional.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.core.models import Fill, Position, Side
from app.core.money import ZERO, round_money

PCT_STEP = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """The outcome of one fill: the position after it and the transaction's amounts."""

    before: Position | None
    after: Position | None  # None when the fill closed the position
    amount: Decimal  # cost of a buy (with fees) or proceeds of a sell (after fees), in cents
    realized_pnl: Decimal | None  # sells only
    realized_pnl_pct: Decimal | None  # sells only, percent of the cost sold


def apply(position: Position | None, fill: Fill) -> LedgerEntry:
    """Book ``fill`` against ``position`` (average-cost method); raises ValueError on oversell."""
    if fill.quantity <= 0:
        raise ValueError(f"fill {fill.execution_id} has a non-positive quantity {fill.quantity}")
    if fill.side is Side.BUY:
        return _buy(position, fill)
    return _sell(position, fill)


def _buy(position: Position | None, fill: Fill) -> LedgerEntry:
    cost = fill.value + fill.fee
    if position is None:
        after = Position(
            symbol=fill.symbol,
            quantity=fill.quantity,
            average_cost=cost / fill.quantity,
            opened_at=fill.time,
        )
    else:
        quantity = position.quantity + fill.quantity
        after = Position(
            symbol=fill.symbol,
            quantity=quantity,
            average_cost=(position.cost_basis + cost) / quantity,
            realized_pnl=position.realized_pnl,
            opened_at=position.opened_at,
        )
    return LedgerEntry(position, after, round_money(cost), None, None)


def _sell(position: Position | None, fill: Fill) -> LedgerEntry:
    held = position.quantity if position is not None else ZERO
    if position is None or fill.quantity > held:
        raise ValueError(
            f"cannot sell {fill.quantity} {fill.symbol}: only {held} held "
            f"(fill {fill.execution_id})"
        )
    realized = round_money((fill.price - position.average_cost) * fill.quantity - fill.fee)
    sold_cost = position.average_cost * fill.quantity
    pct = (realized / sold_cost * 100).quantize(PCT_STEP) if sold_cost else ZERO
    total_realized = position.realized_pnl + realized
    remaining = held - fill.quantity
    after = None
    if remaining > 0:
        after = Position(
            symbol=fill.symbol,
            quantity=remaining,
            average_cost=position.average_cost,
            realized_pnl=total_realized,
            opened_at=position.opened_at,
        )
    proceeds = round_money(fill.value - fill.fee)
    return LedgerEntry(position, after, proceeds, realized, pct)
