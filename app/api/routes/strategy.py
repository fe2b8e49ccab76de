"""The original Strategy Engine endpoints: signals and raw RSI / MACD values, the list.

``POST /strategy/rsi|macd/signal`` takes ``{"symbol": ...}`` (default: the
trading symbol) and answers the strategy's verdict on the latest closed bar;
``GET /strategy/rsi|macd/calculate?symbol=`` the raw indicator values.
"""

from __future__ import annotations

from aiohttp import web

from app.api.bodies import json_object, text
from app.api.encode import plain
from app.api.ports import Backends

HISTORY_BARS = 500  # bars loaded before computing raw values (the engine's own history depth)


def routes(b: Backends) -> list[web.RouteDef]:
    def signal_for(name: str) -> web.RouteDef:
        async def handler(request: web.Request) -> web.Response:
            body = await json_object(request)
            symbol = text(body, "symbol") or b.default_symbol
            signal = await b.strategies.signal_now(symbol, name)
            return web.json_response(
                {
                    "symbol": signal.symbol,
                    "strategy": signal.strategy,
                    "signal": signal.action.value,
                    "confidence": plain(signal.confidence),
                    "price": str(signal.price),
                    "values": plain(signal.values),
                    "bar_time": plain(signal.bar_time),
                    "interval": signal.interval.value,
                }
            )

        return web.post(f"/strategy/{name}/signal", handler)

    async def symbol_with_history(request: web.Request) -> str:
        symbol = b.market.check_symbol(request.query.get("symbol") or b.default_symbol)
        await b.market.historical_bars(symbol, b.bar_interval, HISTORY_BARS)
        return symbol

    async def rsi(request: web.Request) -> web.Response:
        symbol = await symbol_with_history(request)
        return web.json_response({"symbol": symbol, **plain(b.strategies.rsi_values(symbol))})

    async def macd(request: web.Request) -> web.Response:
        symbol = await symbol_with_history(request)
        return web.json_response({"symbol": symbol, **plain(b.strategies.macd_values(symbol))})

    async def strategies(request: web.Request) -> web.Response:
        return web.json_response({"strategies": plain(b.strategies.list_strategies())})

    return [
        signal_for("rsi"),
        signal_for("macd"),
        web.get("/strategy/rsi/calculate", rsi),
        web.get("/strategy/macd/calculate", macd),
        web.get("/strategies", strategies),
    ]
