"""One definition of Robinhood's order rules: the ticket, risk and the paper broker agree."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.brokers.paper_rules import check_session, order_quantity
from app.calendar import Session
from app.core.errors import OrderRejected
from app.core.models import OrderRequest, OrderType, Quote, Side
from app.core.order_rules import MIN_NOTIONAL, quote_is_fresh, session_refusal
from app.ui.ticket_validation import DOLLARS, SHARES, TicketInput, validate_ticket

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def request(order_type: OrderType, extended: bool, fractional: bool) -> OrderRequest:
    return OrderRequest(
        "TQQQ", Side.BUY, quantity=Decimal("0.5") if fractional else Decimal("2"),
        order_type=order_type,
        limit_price=Decimal("49") if order_type is OrderType.LIMIT else None,
        extended_hours=extended,
    )  # fmt: skip


CASES = list(itertools.product(Session, OrderType, (False, True), (False, True)))


@pytest.mark.parametrize(("session", "order_type", "extended", "fractional"), CASES)
def test_the_paper_broker_refuses_exactly_what_the_session_rule_refuses(
    session: Session, order_type: OrderType, extended: bool, fractional: bool
) -> None:
    refusal = session_refusal(session, order_type, extended, fractional)
    outside_regular = session is not Session.REGULAR
    assert bool(refusal) == (
        session is Session.CLOSED
        or (outside_regular and not (extended and order_type is OrderType.LIMIT and not fractional))
    )
    order = request(order_type, extended, fractional)
    if refusal:
        with pytest.raises(OrderRejected, match=refusal[:20]):
            check_session(order, session)
    else:
        check_session(order, session)


def test_the_ticket_flags_fractional_limit_orders_outside_regular_hours_as_the_rule_does() -> None:
    for fractional, regular in itertools.product((False, True), (False, True)):
        ticket = TicketInput("TQQQ", "buy", "0.5" if fractional else "2", SHARES, True, "49",
                             regular, Decimal("49"))  # fmt: skip
        problems, _ = validate_ticket(ticket)
        session = Session.REGULAR if regular else Session.PRE
        refused = bool(session_refusal(session, OrderType.LIMIT, True, fractional))
        assert ("amount" in problems) == refused


def test_the_dollar_minimum_is_the_same_for_the_ticket_and_the_broker() -> None:
    under = str(MIN_NOTIONAL - Decimal("0.01"))
    problems, _ = validate_ticket(
        TicketInput("TQQQ", "buy", under, DOLLARS, False, "", True, Decimal("49"))
    )
    assert problems["amount"] == f"dollar orders must be at least ${MIN_NOTIONAL}"
    quote = Quote("TQQQ", Decimal("49"), Decimal("49.01"), Decimal("49"), Decimal(1), Decimal(1),
                  NOW)  # fmt: skip
    with pytest.raises(OrderRejected, match=r"at least \$1\.00"):
        order_quantity(OrderRequest("TQQQ", Side.BUY, notional=Decimal(under)), quote)
    assert order_quantity(OrderRequest("TQQQ", Side.BUY, notional=MIN_NOTIONAL), quote) > 0


def test_a_quote_is_fresh_up_to_the_limit_and_stale_after() -> None:
    def quote(age: float, stale: bool = False) -> Quote:
        return Quote("TQQQ", Decimal("49"), Decimal("49.01"), Decimal("49"), Decimal(1),
                     Decimal(1), NOW - timedelta(seconds=age), stale=stale)  # fmt: skip

    assert quote_is_fresh(quote(30), NOW, 30) and not quote_is_fresh(quote(30.001), NOW, 30)
    assert not quote_is_fresh(quote(0, stale=True), NOW, 30) and not quote_is_fresh(None, NOW, 30)
