"""The original Market Data endpoints: ``/data/{symbol}/historical|quote|price|closes``.

Intervals are Sherwood's (``1m``, ``5m``, ``15m``, ``1h``, ``1d``) or the
original names (``minute``, ``5minute``, ``15minute``, ``hour``, ``day``).
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from app.api.bodies import count
from app.api.encode import plain
from app.api.errors import bad_request
from app.api.ports import Backends
from app.core.models import Interval

ORIGINAL_INTERVALS = {
    "minute": Interval.M1, "5minute": Interval.M5, "15minute": Interval.M15,
    "hour": Interval.H1, "day": Interval.D1,
}  # fmt: skip
MAX_BARS = 5000


def interval_of(query: Mapping[str, str], default: Interval) -> Interval:
    raw = (query.get("interval") or "").strip().lower()
    if not raw:
        return default
    found = ORIGINAL_INTERVALS.get(raw)
    if found is not None:
        return found
    try:
        return Interval(raw)
    except ValueError:
        names = [i.value for i in Interval] + list(ORIGINAL_INTERVALS)
        raise bad_request(f"interval {raw!r} is not one of {', '.join(names)}") from None


def routes(b: Backends) -> list[web.RouteDef]:
    async def historical(request: web.Request) -> web.Response:
        symbol = b.market.check_symbol(request.match_info["symbol"])
        interval = interval_of(request.query, b.bar_interval)
        bars = await b.market.historical_bars(
            symbol, interval, count(request.query, "count", 100, most=MAX_BARS)
        )
        return web.json_response(
            {
                "symbol": symbol,
                "interval": interval.value,
                "bars": [
                    {
                        "time": plain(bar.start),
                        "open": str(bar.open),
                        "high": str(bar.high),
                        "low": str(bar.low),
                        "close": str(bar.close),
                        "volume": bar.volume,
                    }
                    for bar in bars
                ],
            }
        )

    async def quote(request: web.Request) -> web.Response:
        q = b.market.get_quote(request.match_info["symbol"])
        return web.json_response(plain(q))

    async def price(request: web.Request) -> web.Response:
        q = b.market.get_quote(request.match_info["symbol"])
        return web.json_response({"symbol": q.symbol, "price": str(q.last), "time": plain(q.time)})

    async def closes(request: web.Request) -> web.Response:
        symbol = b.market.check_symbol(request.match_info["symbol"])
        interval = interval_of(request.query, b.bar_interval)
        bars = await b.market.historical_bars(
            symbol, interval, count(request.query, "count", 100, most=MAX_BARS)
        )
        return web.json_response(
            {"symbol": symbol, "interval": interval.value, "closes": [str(x.close) for x in bars]}
        )

    return [
        web.get("/data/{symbol}/historical", historical),
        web.get("/data/{symbol}/quote", quote),
        web.get("/data/{symbol}/price", price),
        web.get("/data/{symbol}/closes", closes),
    ]
