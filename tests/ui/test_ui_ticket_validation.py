"""The order ticket's input checks (pure, no Qt)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.ui.ticket_validation import DOLLARS, SHARES, TicketInput, validate_ticket


def ticket(**changes: object) -> TicketInput:
    base: dict[str, object] = dict(
        symbol="TQQQ",
        side="buy",
        amount="2",
        unit=SHARES,
        limit=False,
        limit_price="",
        regular_hours=True,
        reference_price=Decimal("50.00"),
        max_investment=Decimal("500"),
    )
    base.update(changes)
    return TicketInput(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "enter a quantity"),
        ("0", "the quantity must be more than zero"),
        ("-1", "the quantity must not be negative"),
        ("abc", "'abc' is not a number"),
        ("nan", "'nan' is not a number"),
    ],
)
def test_bad_share_amounts_are_named(amount: str, message: str) -> None:
    problems, parsed = validate_ticket(ticket(amount=amount))
    assert problems == {"amount": message}
    assert parsed is None


def test_dollars_below_one_dollar() -> None:
    problems, _ = validate_ticket(ticket(amount="0.50", unit=DOLLARS))
    assert problems["amount"] == "dollar orders must be at least $1.00"


def test_above_max_investment_for_buys_only() -> None:
    problems, _ = validate_ticket(ticket(amount="11"))  # 11 x $50 = $550 > $500
    assert problems["amount"] == "$550.00 is above the MAX_INVESTMENT limit of $500.00"
    problems, parsed = validate_ticket(ticket(amount="11", side="sell"))
    assert problems == {} and parsed is not None


def test_fractional_limit_outside_regular_hours() -> None:
    problems, _ = validate_ticket(
        ticket(amount="0.5", limit=True, limit_price="49", regular_hours=False)
    )
    assert problems["amount"] == "fractional limit orders are only taken during regular hours"
    problems, _ = validate_ticket(
        ticket(amount="1", limit=True, limit_price="49", regular_hours=False)
    )
    assert problems == {}


def test_limit_price_and_symbol_checks() -> None:
    problems, _ = validate_ticket(ticket(limit=True, limit_price="x", symbol=" "))
    assert problems == {"limit_price": "'x' is not a number", "symbol": "enter a symbol"}


def test_valid_ticket_parses_with_estimate() -> None:
    problems, parsed = validate_ticket(ticket(amount="3", symbol="tqqq"))
    assert problems == {}
    assert parsed is not None
    assert (parsed.symbol, parsed.quantity, parsed.estimated_cost) == (
        "TQQQ",
        Decimal(3),
        Decimal("150.00"),
    )
