"""Every original endpoint over real HTTP: answers, field names, money as text, errors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from api_harness import Api, filled

from app.api import openapi


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None, text
    return moment


async def test_health_names_every_service_and_the_mode(api: Api) -> None:
    status, body = await api.call("GET", "/health")
    assert status == 200
    assert body["status"] == "healthy" and body["mode"] == "paper"
    assert {"market_data", "execution", "risk", "compliance", "portfolio"} <= set(body["services"])
    assert body["trading_state"] == "ACTIVE"


async def test_market_data_endpoints(api: Api) -> None:
    status, quote = await api.call("GET", "/data/tqqq/quote")
    assert status == 200 and quote["symbol"] == "TQQQ"
    assert Decimal(quote["bid"]) < Decimal(quote["ask"]) and isinstance(quote["bid"], str)
    _aware(quote["time"])
    _, price = await api.call("GET", "/data/TQQQ/price")
    assert Decimal(price["price"]) > 0 and isinstance(price["price"], str)
    status, history = await api.call("GET", "/data/TQQQ/historical?interval=5minute&count=20")
    assert status == 200 and history["interval"] == "5m" and len(history["bars"]) == 20
    bar = history["bars"][-1]
    assert Decimal(bar["low"]) <= Decimal(bar["close"]) <= Decimal(bar["high"])
    times = [_aware(b["time"]) for b in history["bars"]]
    assert times == sorted(times)
    _, closes = await api.call("GET", "/data/TQQQ/closes?count=30&interval=1m")
    assert len(closes["closes"]) == 30 and all(isinstance(c, str) for c in closes["closes"])
    status, body = await api.call("GET", "/data/TQQQ/historical?interval=week")
    assert status == 400 and "interval" in body["reason"]
    status, body = await api.call("GET", "/data/TQQQ/closes?count=0")
    assert status == 400 and "count" in body["reason"]
    status, body = await api.call("GET", "/data/NOPE1/quote")
    assert status in (404, 503) and body["reason"]


async def test_strategy_endpoints(api: Api) -> None:
    status, strategies = await api.call("GET", "/strategies")
    assert status == 200
    assert {"rsi", "macd"} <= {s["name"] for s in strategies["strategies"]}
    for name in ("rsi", "macd"):
        status, signal = await api.call("POST", f"/strategy/{name}/signal", {"symbol": "TQQQ"})
        assert status == 200, signal
        assert signal["strategy"] == name and signal["signal"] in ("BUY", "SELL", "HOLD")
        assert 0 <= signal["confidence"] <= 1
    status, rsi = await api.call("GET", "/strategy/rsi/calculate?symbol=TQQQ")
    assert status == 200, rsi
    assert 0 <= rsi["current"] <= 100 and len(rsi["last_10"]) == 10
    status, macd = await api.call("GET", "/strategy/macd/calculate")
    assert status == 200 and {"macd", "signal", "histogram", "previous_macd"} <= set(macd)


async def test_risk_endpoints(api: Api) -> None:
    status, config = await api.call("GET", "/risk/config")
    assert status == 200 and config["MAX_INVESTMENT"] == "500"
    status, ok = await api.call(
        "POST", "/risk/validate-order", {"symbol": "TQQQ", "side": "buy", "quantity": "1"}
    )
    assert status == 200 and ok["valid"] is True, ok
    _, too_big = await api.call(
        "POST", "/risk/validate-order", {"symbol": "TQQQ", "side": "buy", "quantity": "100"}
    )
    assert too_big["valid"] is False and "MAX_INVESTMENT" in too_big["reason"]
    assert Decimal(too_big["max_quantity"]) < 100
    assert len(api.ctx.execution.orders(100)) == 0  # a check places nothing
    _, size = await api.call("POST", "/risk/calculate-position", {"price": "50", "budget": "20"})
    assert Decimal(size["quantity"]) == Decimal("0.4")
    _, size = await api.call("POST", "/risk/calculate-position", {"symbol": "TQQQ"})
    assert Decimal(size["value"]) <= 500 and Decimal(size["quantity"]) > 0
    status, _ = await api.call("POST", "/risk/calculate-position", {"price": "-3"})
    assert status == 400
    status, flat = await api.call("POST", "/risk/check-exit", {"symbol": "TQQQ"})
    assert status == 200 and flat["should_exit"] is False
    _, bought = await api.call("POST", "/orders/buy", {"symbol": "TQQQ", "quantity": "2"})
    entry = Decimal((await filled(api, bought["order_id"]))["order"]["average_fill_price"])
    _, target = await api.call(
        "POST", "/risk/check-exit", {"symbol": "TQQQ", "current_price": str(entry * 2)}
    )
    assert target["should_exit"] is True and target["reason"] == "profit_target"
    _, exposure = await api.call("GET", "/risk/exposure")
    assert Decimal(exposure["total"]) > 0 and set(exposure["per_position"]) == {"TQQQ"}


async def test_compliance_endpoints(api: Api) -> None:
    status, pdt = await api.call("GET", "/compliance/pdt-status")
    assert status == 200
    assert (pdt["used"], pdt["limit"], pdt["remaining"], pdt["window_days"]) == (0, 3, 3, 5)
    assert len(pdt["window"]) == 5 and pdt["can_day_trade"] is True
    status, check = await api.call(
        "POST", "/compliance/can-trade", {"symbol": "TQQQ", "side": "sell"}
    )
    assert status == 200 and check["can_trade"] is True
    _, bought = await api.call("POST", "/orders/buy", {"symbol": "TQQQ", "quantity": "1"})
    await filled(api, bought["order_id"])
    _, sold = await api.call("POST", "/orders/sell", {"symbol": "TQQQ", "quantity": "1"})
    await filled(api, sold["order_id"])
    _, trades = await api.call("GET", "/compliance/day-trades")
    assert trades["count"] == 1 and trades["day_trades"][0]["symbol"] == "TQQQ"
    assert trades["day_trades"][0]["trade_date"] == "2026-11-24"  # the New York date
    _, pdt = await api.call("GET", "/compliance/pdt-status")
    assert (pdt["used"], pdt["remaining"]) == (1, 2)
    status, refused = await api.call("POST", "/compliance/record-trade", {"symbol": "TQQQ"})
    assert status == 405 and "fills" in refused["reason"]


async def test_portfolio_endpoints(api: Api) -> None:
    status, empty = await api.call("GET", "/portfolio/positions/TQQQ")
    assert status == 404 and empty["error"] == "not_found"
    _, bought = await api.call("POST", "/orders/buy", {"symbol": "TQQQ", "quantity": "3"})
    await filled(api, bought["order_id"])
    _, position = await api.call("GET", "/portfolio/positions/TQQQ")
    assert Decimal(position["quantity"]) == 3 and isinstance(position["average_cost"], str)
    _, pnl = await api.call("GET", "/portfolio/pnl")
    assert {"realized", "unrealized", "total_cost", "total_value", "total"} <= set(pnl)
    assert Decimal(pnl["total_cost"]) > 0
    _, summary = await api.call("GET", "/portfolio/summary")
    assert summary["open_positions"] == 1 and isinstance(summary["cash"], str)
    _, history = await api.call("GET", "/portfolio/transactions?symbol=TQQQ")
    assert len(history["transactions"]) == 1
    _aware(history["transactions"][0]["time"])
    status, _ = await api.call("GET", "/portfolio/transactions?symbol=%3F%3F")
    assert status == 400
    status, refused = await api.call("POST", "/portfolio/update", {"symbol": "TQQQ"})
    assert status == 405 and "fills" in refused["reason"]


async def test_auth_endpoints_say_why_without_a_gateway(api: Api) -> None:
    for method, path in (("POST", "/auth/logout"), ("GET", "/auth/status")):
        status, body = await api.call(method, path)
        assert status == 503 and "login" in body["reason"], body


async def test_unknown_paths_and_verbs_are_json_errors(api: Api) -> None:
    status, body = await api.call("GET", "/nothing/here")
    assert status == 404 and body["error"] == "not_found"
    status, body = await api.call("PUT", "/orders/buy")
    assert status == 405 and body["error"] == "method_not_allowed"


async def test_openapi_lists_exactly_the_served_routes(api: Api) -> None:
    status, document = await api.call("GET", "/openapi.json")
    assert status == 200 and document["openapi"].startswith("3.")
    documented = {(path, verb.upper()) for path, ops in document["paths"].items() for verb in ops}
    server = api.ctx.api
    assert server is not None
    served = {
        (route.resource.canonical, route.method)
        for route in server.routes()
        if route.method != "HEAD"
    }
    assert documented == served
    assert documented == {(p, v.upper()) for p, ops in openapi.PATHS.items() for v in ops}
