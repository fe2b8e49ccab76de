"""Client order ids are random version-4 UUID strings; an order snapshot is a detached copy."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from app.core.models import Order, OrderRequest, OrderStatus, Side, new_client_order_id


def test_client_order_ids_are_distinct_canonical_uuid4_strings() -> None:
    ids = [new_client_order_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text  # canonical lower-case 8-4-4-4-12 form, as robin-stocks sends
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
    # every variant nibble (8, 9, a, b) appears: the random bits are not fixed
    assert {text[19] for text in ids} == set("89ab")


def test_snapshot_copies_every_field_and_detaches_the_fill_ids() -> None:
    created = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    order = Order("c1", OrderRequest("TQQQ", Side.BUY, quantity=Decimal("2")), created)
    order.transition(OrderStatus.SUBMITTED, created)
    order.broker_order_id = "b1"
    order.fill_ids.append("e1")
    copy = order.snapshot()
    for f in dataclasses.fields(Order):
        assert getattr(copy, f.name) == getattr(order, f.name), f.name
    assert copy == order and copy is not order
    order.fill_ids.append("e2")
    order.transition(OrderStatus.CANCELLED, created)
    assert copy.fill_ids == ["e1"] and copy.status is OrderStatus.SUBMITTED
