"""Order bodies as Robinhood takes them: what each kind of click sends."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.brokers.robinhood.payloads import Prices, order_payload, round_price
from app.core.errors import OrderRejected
from app.core.models import OrderRequest, OrderType, Side, TimeInForce

PRICES = Prices(Decimal("63.1049"), Decimal("63.2051"), datetime(2026, 11, 24, 15, tzinfo=UTC))
WHERE = {"account_url": "A", "instrument_url": "I"}


def body(request: OrderRequest, prices: Prices | None = PRICES) -> dict[str, object]:
    return order_payload("ref-1", request, prices=prices, **WHERE)


def test_market_sell_is_a_true_market_order_good_for_the_day() -> None:
    sent = body(OrderRequest("TQQQ", Side.SELL, Decimal(2)))
    assert sent["type"] == "market" and "price" not in sent
    assert sent["time_in_force"] == "gfd" and sent["ref_id"] == "ref-1"
    assert sent["bid_price"] == "63.10" and sent["ask_price"] == "63.21"


def test_market_buy_is_a_limit_at_the_ask_with_the_five_percent_collar() -> None:
    sent = body(OrderRequest("TQQQ", Side.BUY, Decimal(2)))
    assert (sent["type"], sent["price"], sent["preset_percent_limit"]) == ("limit", "63.21", "0.05")


def test_gtc_only_for_whole_share_limit_orders() -> None:
    limit = OrderRequest("TQQQ", Side.BUY, Decimal(2), order_type=OrderType.LIMIT,
                         limit_price=Decimal("60"), time_in_force=TimeInForce.GTC)  # fmt: skip
    assert body(limit, None)["time_in_force"] == "gtc"
    market = OrderRequest("TQQQ", Side.BUY, Decimal(2), time_in_force=TimeInForce.GTC)
    assert body(market)["time_in_force"] == "gfd"


def test_extended_hours_only_for_whole_share_limit_orders() -> None:
    limit = OrderRequest("TQQQ", Side.BUY, Decimal(2), order_type=OrderType.LIMIT,
                         limit_price=Decimal("60"), extended_hours=True)  # fmt: skip
    sent = body(limit, None)
    assert sent["market_hours"] == "extended_hours" and sent["extended_hours"] is True
    with pytest.raises(OrderRejected, match="whole shares"):
        body(OrderRequest("TQQQ", Side.BUY, Decimal("0.5"), order_type=OrderType.LIMIT,
                          limit_price=Decimal("60"), extended_hours=True))  # fmt: skip
    with pytest.raises(OrderRejected, match="limit orders"):
        body(OrderRequest("TQQQ", Side.BUY, Decimal(1), extended_hours=True))


def test_dollars_become_shares_at_the_ask_never_more_than_asked() -> None:
    sent = body(OrderRequest("TQQQ", Side.BUY, notional=Decimal(5)))
    shares = Decimal(str(sent["quantity"]))
    assert shares == Decimal("0.079107")
    assert shares * PRICES.ask <= 5 < (shares + Decimal("0.000001")) * PRICES.ask
    with pytest.raises(OrderRejected, match=r"\$1.00"):
        body(OrderRequest("TQQQ", Side.BUY, notional=Decimal("0.99")))


def test_prices_round_like_robin_stocks() -> None:
    assert round_price(Decimal("63.2051")) == Decimal("63.21")
    assert round_price(Decimal("0.123456")) == Decimal("0.1235")
    assert round_price(Decimal("0.0012345")) == Decimal("0.001234")
