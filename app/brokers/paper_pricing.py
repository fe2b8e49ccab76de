"""How the paper broker prices and sizes a fill from a quote (pure functions, no state).

Market orders fill at the ask (buys) or the bid (sells) made worse for the
trader by the slippage in basis points and rounded to the tick; limit orders
fill when the quote crosses their limit, never at a price worse than the limit.
With partial fills on, an order larger than the quoted size fills only that size.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from app.core.models import Quote, Side
from app.core.money import ZERO, floor_shares, round_price

_BPS = Decimal("10000")


def slippage_factors(slippage_bps: Decimal) -> tuple[Decimal, Decimal]:
    """(buy, sell) multipliers of the touch for ``slippage_bps``."""
    factor = slippage_bps / _BPS
    return 1 + factor, 1 - factor


def touch_price(side: Side, quote: Quote) -> Decimal:
    """The price a trader meets: the ask for a buy, the bid for a sell."""
    return quote.ask if side is Side.BUY else quote.bid


def touch_size(side: Side, quote: Quote) -> Decimal:
    """Shares available at the touch: ask size for a buy, bid size for a sell."""
    return quote.ask_size if side is Side.BUY else quote.bid_size


def market_fill_price(side: Side, quote: Quote, slippage_bps: Decimal) -> Decimal:
    """Ask (buy) or bid (sell) moved ``slippage_bps`` against the trader, on the tick."""
    up, down = slippage_factors(slippage_bps)
    if side is Side.BUY:
        return round_price(quote.ask * up)
    return round_price(quote.bid * down)


def limit_fill_price(
    side: Side, quote: Quote, limit: Decimal, slippage_bps: Decimal
) -> Decimal | None:
    """The fill price of a limit order on ``quote``, or None when the quote does not cross.

    A buy crosses when ask <= limit and fills at min(limit, ask + slippage); a sell
    crosses when bid >= limit and fills at max(limit, bid - slippage).
    """
    price = market_fill_price(side, quote, slippage_bps)
    if side is Side.BUY:
        return min(limit, price) if quote.ask <= limit else None
    return max(limit, price) if quote.bid >= limit else None


def fill_quantity(
    side: Side, remaining: Decimal, quote: Quote, partial_fills: bool, whole_shares: bool
) -> Decimal:
    """How much of ``remaining`` fills on ``quote`` (all of it unless partial fills are on)."""
    if not partial_fills:
        return remaining
    available = touch_size(side, quote)
    if available >= remaining:
        return remaining
    if whole_shares:
        return max(ZERO, available.to_integral_value(rounding=ROUND_DOWN))
    return max(ZERO, floor_shares(available))


def shares_for_dollars(notional: Decimal, price: Decimal) -> Decimal:
    """Shares a dollar order buys or sells at ``price`` (rounded down to 1e-6 share)."""
    return floor_shares(notional / price)


def estimate_price(
    side: Side, limit: Decimal | None, quote: Quote | None, slippage_bps: Decimal
) -> Decimal:
    """Expected price per share: the limit, else the market fill price (zero without a quote)."""
    if limit is not None:
        return limit
    if quote is None:
        return ZERO
    return market_fill_price(side, quote, slippage_bps)
