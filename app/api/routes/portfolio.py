"""The original Portfolio endpoints: positions, one position, transactions, P&L, summary.

``POST /portfolio/update`` wrote positions directly in the original; in
Sherwood positions follow from fills, so it answers 405 and says so.
"""

from __future__ import annotations

from aiohttp import web

from app.api.bodies import count
from app.api.encode import plain
from app.api.errors import ApiError, bad_request, not_found
from app.api.ports import Backends
from app.core.models import normalize_symbol

UPDATE_REFUSED = (
    "positions are not updated by hand: they follow from the fills of Sherwood's own orders "
    "(place orders with POST /orders/buy|sell)"
)


def routes(b: Backends) -> list[web.RouteDef]:
    async def positions(request: web.Request) -> web.Response:
        return web.json_response({"positions": plain(b.portfolio.positions())})

    async def position(request: web.Request) -> web.Response:
        try:
            symbol = normalize_symbol(request.match_info["symbol"])
        except ValueError as exc:
            raise not_found(str(exc)) from None
        view = b.portfolio.position_view(symbol)
        if view is None or view.quantity <= 0:
            raise not_found(f"no open position in {symbol}")
        return web.json_response(plain(view))

    async def transactions(request: web.Request) -> web.Response:
        symbol = request.query.get("symbol")
        try:
            cleaned = normalize_symbol(symbol) if symbol else None
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        rows = b.portfolio.transactions(count(request.query, "limit", 50, most=10_000), cleaned)
        return web.json_response({"transactions": plain(rows)})

    async def pnl(request: web.Request) -> web.Response:
        return web.json_response(plain(b.portfolio.pnl()))

    async def summary(request: web.Request) -> web.Response:
        return web.json_response(plain(b.portfolio.summary(b.account())))

    async def update(request: web.Request) -> web.Response:
        raise ApiError(405, "method_not_allowed", UPDATE_REFUSED)

    return [
        web.get("/portfolio/positions", positions),
        web.get("/portfolio/positions/{symbol}", position),
        web.get("/portfolio/transactions", transactions),
        web.get("/portfolio/pnl", pnl),
        web.get("/portfolio/summary", summary),
        web.post("/portfolio/update", update),
    ]
