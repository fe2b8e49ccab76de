"""Conversions from stored rows to domain objects that several stores share."""

from __future__ import annotations

from typing import Any

from app.core.models import Fill, Side
from app.core.money import ZERO


def fill_from_row(row: Any) -> Fill:
    """A :class:`Fill` from a ``FillRow`` or ``PaperFillRow`` (the latter has no fee)."""
    return Fill(
        execution_id=row.execution_id,
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        time=row.time,
        fee=getattr(row, "fee", None) or ZERO,
    )
