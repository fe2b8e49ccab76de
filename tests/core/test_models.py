"""Domain model: order requests validate, the order state machine refuses illegal moves."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.core.errors import IllegalTransition, InvalidOrder
from app.core.models import (
    Bar,
    Fill,
    Interval,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
    normalize_symbol,
)

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def _order(quantity: str = "2") -> Order:
    return Order("c1", OrderRequest("tqqq", Side.BUY, quantity=Decimal(quantity)), NOW)


def test_request_by_shares_or_dollars_but_not_both() -> None:
    assert OrderRequest("TQQQ", Side.BUY, notional=Decimal("20")).is_fractional
    assert not OrderRequest("TQQQ", Side.BUY, quantity=Decimal("3")).is_fractional
    with pytest.raises(InvalidOrder, match="either a quantity"):
        OrderRequest("TQQQ", Side.BUY)
    with pytest.raises(InvalidOrder, match="either a quantity"):
        OrderRequest("TQQQ", Side.BUY, quantity=Decimal(1), notional=Decimal(5))


@pytest.mark.parametrize("quantity", ["0", "-1", "NaN"])
def test_quantity_must_be_positive(quantity: str) -> None:
    with pytest.raises(InvalidOrder):
        OrderRequest("TQQQ", Side.BUY, quantity=Decimal(quantity))


def test_limit_orders_need_a_positive_limit_price() -> None:
    with pytest.raises(InvalidOrder, match="needs a limit price"):
        OrderRequest("TQQQ", Side.BUY, quantity=Decimal(1), order_type=OrderType.LIMIT)
    with pytest.raises(InvalidOrder, match="takes no limit price"):
        OrderRequest("TQQQ", Side.BUY, quantity=Decimal(1), limit_price=Decimal(5))


@pytest.mark.parametrize("bad", ["", "1ABC", "TOO$", "ABCDEFGHIJKL"])
def test_malformed_symbols_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a valid symbol"):
        normalize_symbol(bad)
    assert normalize_symbol(" brk.b ") == "BRK.B"


def test_happy_path_through_the_state_machine() -> None:
    order = _order()
    order.transition(OrderStatus.SUBMITTED, NOW)
    order.transition(OrderStatus.ACCEPTED, NOW)
    fill = Fill("e1", "c1", "TQQQ", Side.BUY, Decimal("0.5"), Decimal("50"), NOW)
    assert order.apply_fill(fill)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert not order.apply_fill(fill), "the same execution twice changes nothing"
    assert order.filled_quantity == Decimal("0.5")
    order.apply_fill(Fill("e2", "c1", "TQQQ", Side.BUY, Decimal("1.5"), Decimal("52"), NOW))
    assert order.status is OrderStatus.FILLED
    assert order.average_fill_price == Decimal("51.5")


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], OrderStatus.FILLED),
        ([OrderStatus.DENIED], OrderStatus.SUBMITTED),
        ([OrderStatus.SUBMITTED, OrderStatus.CANCELLED], OrderStatus.ACCEPTED),
        ([OrderStatus.SUBMITTED, OrderStatus.FILLED], OrderStatus.CANCEL_PENDING),
        ([OrderStatus.SUBMITTED, OrderStatus.PARTIALLY_FILLED], OrderStatus.REJECTED),
    ],
)
def test_illegal_transitions_raise(path: list[OrderStatus], illegal: OrderStatus) -> None:
    order = _order()
    for status in path:
        order.transition(status, NOW)
    with pytest.raises(IllegalTransition, match=f"-> {illegal.value}"):
        order.transition(illegal, NOW)


def test_overfill_is_refused() -> None:
    order = _order("1")
    order.transition(OrderStatus.SUBMITTED, NOW)
    with pytest.raises(ValueError, match="overfills"):
        order.apply_fill(Fill("e1", "c1", "TQQQ", Side.BUY, Decimal("2"), Decimal("1"), NOW))


def test_an_execution_reported_after_the_cancel_counts_and_the_order_stays_cancelled() -> None:
    order = _order("3")
    for status in (OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.CANCELLED):
        order.transition(status, NOW)
    assert order.apply_fill(Fill("e1", "c1", "TQQQ", Side.BUY, Decimal("1"), Decimal("50"), NOW))
    assert order.status is OrderStatus.CANCELLED
    assert (order.filled_quantity, order.average_fill_price) == (Decimal("1"), Decimal("50"))


def test_a_fill_the_order_cannot_take_changes_nothing() -> None:
    order = _order("2")
    for status in (OrderStatus.SUBMITTED, OrderStatus.REJECTED):
        order.transition(status, NOW)
    with pytest.raises(IllegalTransition):
        order.apply_fill(Fill("e1", "c1", "TQQQ", Side.BUY, Decimal("1"), Decimal("50"), NOW))
    assert (order.filled_quantity, order.average_fill_price, order.fill_ids) == (0, None, [])


def test_bar_consistency_is_checked() -> None:
    with pytest.raises(ValueError, match="inconsistent bar"):
        Bar("X", Interval.M1, NOW, Decimal(10), Decimal(9), Decimal(8), Decimal("9.5"), 1)


def test_position_pnl_with_fractional_shares() -> None:
    position = Position("TQQQ", Decimal("0.4"), Decimal("50"))
    assert position.unrealized_pnl(Decimal("55")) == Decimal("2.0")
    assert position.unrealized_pct(Decimal("55")) == Decimal("10")
    assert Position("X", Decimal(1), Decimal(0)).unrealized_pct(Decimal(5)) == 0
