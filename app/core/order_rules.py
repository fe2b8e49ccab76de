"""Robinhood's order rules that several places apply: one definition each.

The $1 minimum of a dollar order, when a quote is too old to trade on, and
which orders a session takes (outside the regular session only limit orders of
whole shares marked for extended hours; a closed market takes nothing). Risk,
the paper broker and the order ticket call these functions, so the ticket can
never promise what the broker then refuses.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from app.calendar import Session
from app.core.models import OrderType, Quote

MIN_NOTIONAL = Decimal("1.00")  # Robinhood's minimum dollar order

CLOSED_MESSAGE = (
    "market closed: orders are accepted in the regular session (9:30-16:00 ET), and "
    "extended-hours limit orders of whole shares also in pre-market (7:00-9:30 ET) "
    "and after hours (16:00-20:00 ET)"
)


def quote_is_stale(quote_time: datetime, now: datetime, stale_seconds: float) -> bool:
    """True for a quote older than QUOTE_STALE_SECONDS: nothing trades on it."""
    return (now - quote_time).total_seconds() > stale_seconds


def quote_is_fresh(quote: Quote | None, now: datetime, stale_seconds: float) -> bool:
    """True for a quote that is present, not flagged stale, and not older than the limit."""
    if quote is None or quote.stale:
        return False
    return not quote_is_stale(quote.time, now, stale_seconds)


def takes_extended_hours(order_type: OrderType, fractional: bool) -> bool:
    """Whether an order of this kind may trade outside the regular session (if marked so)."""
    return order_type is OrderType.LIMIT and not fractional


def session_refusal(
    session: Session, order_type: OrderType, extended_hours: bool, fractional: bool
) -> str:
    """Why ``session`` refuses such an order ("" when it takes it)."""
    if session is Session.REGULAR:
        return ""
    if session is Session.CLOSED:
        return CLOSED_MESSAGE
    if extended_hours and takes_extended_hours(order_type, fractional):
        return ""
    return (
        f"{session.value}-market session: outside regular hours (9:30-16:00 ET) only "
        "extended-hours limit orders of whole shares are accepted"
    )


def session_allows(extended_hours: bool, session: Session) -> bool:
    """Whether an accepted order (regular or extended-hours) may fill in ``session``."""
    if session is Session.REGULAR:
        return True
    return session is not Session.CLOSED and extended_hours
