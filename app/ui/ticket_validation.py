"""Order-ticket input checks: pure, Qt-free, returning ``{field: message}``.

The ticket shows each message next to its field and sends nothing while any
remain. The checks only guard what the user typed (empty, zero, negative, not
a number, below Robinhood's $1 minimum, above MAX_INVESTMENT, fractional limit
orders outside regular hours); the risk and compliance services still decide.
The $1 minimum and the session rule are :mod:`app.core.order_rules`', the same
functions risk and the paper broker apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.core.models import OrderType, normalize_symbol
from app.core.order_rules import MIN_NOTIONAL, takes_extended_hours

SHARES = "shares"
DOLLARS = "dollars"


@dataclass(frozen=True, slots=True)
class TicketInput:
    """What the ticket holds when the user presses BUY or SELL."""

    symbol: str
    side: str  # "buy" | "sell"
    amount: str
    unit: str  # SHARES | DOLLARS
    limit: bool
    limit_price: str
    regular_hours: bool
    reference_price: Decimal | None  # ask for a buy, bid for a sell
    max_investment: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ParsedTicket:
    symbol: str
    quantity: Decimal | None
    notional: Decimal | None
    limit_price: Decimal | None
    estimated_cost: Decimal | None


def parse_positive(text: str, what: str) -> tuple[Decimal | None, str]:
    """Parse a positive decimal; returns (value, "") or (None, message)."""
    stripped = text.strip().replace(",", "").lstrip("$")
    if not stripped:
        return None, f"enter {what}"
    try:
        value = Decimal(stripped)
    except InvalidOperation:
        return None, f"{text.strip()!r} is not a number"
    if not value.is_finite():
        return None, f"{text.strip()!r} is not a number"
    if value == 0:
        return None, f"{what} must be more than zero"
    if value < 0:
        return None, f"{what} must not be negative"
    return value, ""


def validate_ticket(ticket: TicketInput) -> tuple[dict[str, str], ParsedTicket | None]:
    """Check the ticket; returns the problems by field and, when there are none, the order."""
    problems: dict[str, str] = {}
    symbol = ""
    try:
        symbol = normalize_symbol(ticket.symbol)
    except ValueError as exc:
        problems["symbol"] = str(exc) if ticket.symbol.strip() else "enter a symbol"

    what = "a quantity" if ticket.unit == SHARES else "a dollar amount"
    amount, message = parse_positive(ticket.amount, what)
    if message:
        problems["amount"] = message.replace("a quantity must", "the quantity must").replace(
            "a dollar amount must", "the dollar amount must"
        )

    limit_price: Decimal | None = None
    if ticket.limit:
        limit_price, message = parse_positive(ticket.limit_price, "a limit price")
        if message:
            problems["limit_price"] = message.replace("a limit price must", "the limit price must")

    quantity = notional = None
    estimated: Decimal | None = None
    if amount is not None:
        if ticket.unit == DOLLARS:
            notional = amount
            estimated = amount
            if amount < MIN_NOTIONAL:
                problems["amount"] = f"dollar orders must be at least ${MIN_NOTIONAL}"
        else:
            quantity = amount
            price = limit_price if ticket.limit else ticket.reference_price
            if price is not None:
                estimated = (amount * price).quantize(Decimal("0.01"))
        fractional = notional is not None or (
            quantity is not None and quantity != quantity.to_integral_value()
        )
        extended_ok = takes_extended_hours(OrderType.LIMIT, fractional)
        if ticket.limit and not extended_ok and not ticket.regular_hours:
            problems.setdefault(
                "amount", "fractional limit orders are only taken during regular hours"
            )
        if (
            ticket.side == "buy"
            and ticket.max_investment is not None
            and estimated is not None
            and estimated > ticket.max_investment
            and "amount" not in problems
        ):
            problems["amount"] = (
                f"${estimated:,.2f} is above the MAX_INVESTMENT limit of "
                f"${ticket.max_investment:,.2f}"
            )
    if problems:
        return problems, None
    return problems, ParsedTicket(symbol, quantity, notional, limit_price, estimated)
