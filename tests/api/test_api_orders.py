"""Orders over the API: the same path as the window (risk, compliance, journal, broker)."""

from __future__ import annotations

from decimal import Decimal

from api_harness import Api, filled

from app.core.models import OrderStatus


async def test_a_dollar_buy_fills_shows_in_positions_and_is_journaled_once(api: Api) -> None:
    status, body = await api.call("POST", "/orders/buy", {"symbol": "TQQQ", "dollars": "5"})
    assert status == 200, body
    assert body["success"] is True
    order_id = body["order_id"]
    assert body["order"]["dollars"] == "5" and body["order"]["symbol"] == "TQQQ"
    assert body["order"]["side"] == "buy" and body["order"]["order_type"] == "market"
    done = await filled(api, order_id)
    quantity = Decimal(done["order"]["filled_quantity"])
    assert Decimal("0.09") < quantity < Decimal("0.11")  # $5 of a ~$50 share: fractional
    status, positions = await api.call("GET", "/portfolio/positions")
    assert [(p["symbol"], Decimal(p["quantity"])) for p in positions["positions"]] == [
        ("TQQQ", quantity)
    ]
    journal = [o for o in api.ctx.execution.orders(1000) if o.client_order_id == order_id]
    assert len(journal) == 1 and journal[0].status is OrderStatus.FILLED
    assert [f.client_order_id for f in api.ctx.execution.fills(1000)] == [order_id]


async def test_fractional_shares_sell_and_the_answer_keeps_original_fields(api: Api) -> None:
    _, bought = await api.call("POST", "/orders/buy", {"symbol": "tqqq", "quantity": 1.5})
    await filled(api, bought["order_id"])
    status, sold = await api.call(
        "POST", "/orders/sell", {"symbol": "TQQQ", "quantity": "0.5", "strategy": "rsi"}
    )
    assert status == 200, sold
    assert set(sold) == {"success", "order_id", "message", "order"}
    order = sold["order"]
    assert {"symbol", "side", "order_type", "quantity", "limit_price", "stop_price",
            "strategy"} <= set(order)  # fmt: skip
    assert (order["side"], order["quantity"], order["strategy"]) == ("sell", "0.5", "rsi")
    await filled(api, sold["order_id"])
    _, position = await api.call("GET", "/portfolio/positions/TQQQ")
    assert Decimal(position["quantity"]) == Decimal("1.0")
    _, history = await api.call("GET", "/portfolio/transactions?limit=10")
    assert [t["side"] for t in history["transactions"]] == ["sell", "buy"]  # newest first


async def test_denied_by_risk_is_409_with_the_reason_and_journaled(api: Api) -> None:
    status, body = await api.call("POST", "/orders/buy", {"symbol": "TQQQ", "dollars": "900"})
    assert status == 409, body
    assert body["success"] is False and body["error"] == "denied"
    assert "MAX_INVESTMENT" in body["reason"]
    assert body["order"]["status"] == "denied"
    assert api.ctx.execution.get_order(body["order_id"]).status is OrderStatus.DENIED
    status, body = await api.call("POST", "/orders/sell", {"symbol": "TQQQ", "quantity": "1"})
    assert status == 409 and body["error"] == "denied", body


async def test_limit_order_is_cancelled_by_delete(api: Api) -> None:
    status, body = await api.call(
        "POST", "/orders/buy",
        {"symbol": "TQQQ", "quantity": "1", "order_type": "limit", "limit_price": "10.00"},
    )  # fmt: skip
    assert status == 200, body
    order_id = body["order_id"]
    assert body["order"]["limit_price"] == "10.00"
    status, cancelled = await api.call("DELETE", f"/orders/{order_id}")
    assert status == 200, cancelled
    _, now = await api.call("GET", f"/orders/{order_id}")
    assert now["status"] in ("cancelled", "cancel_pending")
    _, listing = await api.call("GET", "/orders?status=open")
    assert (
        order_id not in [o["order_id"] for o in listing["orders"]] or now["status"] != "cancelled"
    )


async def test_cancelling_a_filled_or_unknown_order(api: Api) -> None:
    _, body = await api.call("POST", "/orders/buy", {"symbol": "TQQQ", "dollars": "2"})
    await filled(api, body["order_id"])
    status, refused = await api.call("DELETE", f"/orders/{body['order_id']}")
    assert status == 409 and refused["error"] == "not_cancellable"
    assert "filled" in refused["reason"]
    status, missing = await api.call("DELETE", "/orders/no-such-order")
    assert status == 404 and missing["error"] == "not_found"
    status, missing = await api.call("GET", "/orders/no-such-order")
    assert status == 404


BAD_BODIES = [
    ({"symbol": "TQQQ"}, "quantity"),
    ({"symbol": "TQQQ", "quantity": "1", "dollars": "5"}, "either"),
    ({"symbol": "TQQQ", "quantity": "-1"}, "positive"),
    ({"symbol": "TQQQ", "quantity": "abc"}, "number"),
    ({"symbol": "TQQQ", "quantity": "1", "stop_price": "40"}, "stop orders"),
    ({"symbol": "TQQQ", "quantity": "1", "order_type": "limit"}, "limit price"),
    ({"symbol": "TQQQ", "quantity": "1", "order_type": "trailing"}, "market or limit"),
    ({"symbol": "??", "quantity": "1"}, "not a valid symbol"),
    ({"symbol": "TQQQ", "quantity": "1", "side": "sell"}, "contradicts"),
    ({"symbol": "TQQQ", "quantity": "1", "colour": "red"}, "unknown field"),
]


async def test_bad_order_bodies_are_400_with_the_reason_and_place_nothing(api: Api) -> None:
    before = len(api.ctx.execution.orders(1000))
    for body, words in BAD_BODIES:
        status, answer = await api.call("POST", "/orders/buy", body)
        assert status == 400, (body, answer)
        assert answer["error"] == "bad_request" and words in answer["reason"], (body, answer)
    async with api.http.post(
        api.url + "/orders/buy", data="{not json", headers={"Authorization": f"Bearer {api.token}"}
    ) as response:
        assert response.status == 400
        assert "not valid JSON" in (await response.json())["reason"]
    assert len(api.ctx.execution.orders(1000)) == before
