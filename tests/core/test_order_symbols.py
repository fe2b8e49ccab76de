"""Order requests check their symbol every time, also once the same text was seen before."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.core.errors import InvalidOrder
from app.core.models import OrderRequest, Side


def test_repeated_requests_normalize_and_refuse_the_same_way() -> None:
    for _ in range(3):
        request = OrderRequest(symbol=" tqqq ", side=Side.BUY, notional=Decimal("20"))
        assert request.symbol == "TQQQ"
        with pytest.raises(InvalidOrder):
            OrderRequest(symbol="1BAD", side=Side.BUY, notional=Decimal("20"))
