"""Account endpoints behind a bearer token: accounts, portfolios, positions, instruments,
recent day trades (orders and quotes: :mod:`fake_robinhood.trading`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fake_robinhood.server import Answer, Handler, Request, Router
from fake_robinhood.state import State, money_text, utc_text

API = "https://api.robinhood.com"
PAGE_SIZE = 2  # small, so that every list is paginated in the tests
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}


def paginate(request: Request, items: list[dict[str, Any]], base: Callable[[], str]) -> Answer:
    """Robinhood's ``{"next", "previous", "results"}`` pages; ``cursor`` is an offset here."""
    start = int(request.query.get("cursor") or 0)
    page = items[start : start + PAGE_SIZE]
    following = None
    if start + PAGE_SIZE < len(items):
        query = {k: v for k, v in request.query.items() if k != "cursor"}
        query["cursor"] = str(start + PAGE_SIZE)
        following = f"{base()}{request.path}?" + "&".join(f"{k}={v}" for k, v in query.items())
    return 200, {"next": following, "previous": None, "results": page}


def register(router: Router, state: State, base: Callable[[], str]) -> Callable[[Handler], Handler]:
    """Register the routes; returns the ``authorized`` wrapper for other modules' routes."""

    def authorized(handler: Handler) -> Handler:
        def check(request: Request) -> Answer:
            if state.live_grant(request.bearer) is None:
                if request.bearer:
                    return 401, {"detail": "Invalid token."}
                return 401, NOT_AUTHENTICATED
            return handler(request)

        return check

    acct = state.account

    def account_json() -> dict[str, Any]:
        now = utc_text(state.now())
        return {
            "url": f"{API}/accounts/{acct.number}/", "account_number": acct.number,
            "type": acct.type, "cash": money_text(acct.cash),
            "buying_power": money_text(acct.buying_power),
            "cash_available_for_withdrawal": money_text(acct.cash),
            "unsettled_funds": money_text(acct.unsettled_funds),
            "portfolio": f"{API}/portfolios/{acct.number}/",
            "positions": f"{API}/positions/?account_number={acct.number}",
            "deactivated": False, "created_at": "2021-03-01T15:04:05.123456Z", "updated_at": now,
        }  # fmt: skip

    def accounts(request: Request) -> Answer:
        return paginate(request, [account_json()], base)

    def account(request: Request) -> Answer:
        if request.params["number"] != acct.number:
            return 404, {"detail": "Not found."}
        return 200, account_json()

    def portfolio(request: Request) -> Answer:
        if request.params["number"] != acct.number:
            return 404, {"detail": "Not found."}
        market_value = sum((p.quantity * p.average_buy_price for p in state.positions), Decimal(0))
        return 200, {
            "url": f"{API}/portfolios/{acct.number}/", "account": f"{API}/accounts/{acct.number}/",
            "equity": money_text(acct.equity), "extended_hours_equity": money_text(acct.equity),
            "equity_previous_close": money_text(acct.equity_previous_close),
            "market_value": money_text(market_value), "start_date": "2021-03-01",
        }  # fmt: skip

    def positions(request: Request) -> Answer:
        if request.query.get("account_number", acct.number) != acct.number:
            return 200, {"next": None, "previous": None, "results": []}
        rows = []
        for p in state.positions:
            if request.query.get("nonzero") == "true" and p.quantity == 0:
                continue
            instrument = state.instrument_for(p.symbol)
            rows.append({
                "url": f"{API}/positions/{acct.number}/{instrument.id}/",
                "instrument": f"{API}/instruments/{instrument.id}/",
                "instrument_id": instrument.id, "account": f"{API}/accounts/{acct.number}/",
                "account_number": acct.number, "quantity": f"{p.quantity:.8f}",
                "average_buy_price": money_text(p.average_buy_price),
                "shares_held_for_sells": "0.00000000", "updated_at": utc_text(state.now()),
            })  # fmt: skip
        return paginate(request, rows, base)

    def instrument(request: Request) -> Answer:
        found = state.instruments.get(request.params["id"])
        if found is None:
            return 404, {"detail": "Not found."}
        return 200, {
            "id": found.id, "url": f"{API}/instruments/{found.id}/", "symbol": found.symbol,
            "simple_name": found.name, "name": found.name, "tradeable": True,
            "tradability": "tradable", "state": "active", "type": "etp",
            "quote": f"{API}/quotes/{found.symbol}/",
        }  # fmt: skip

    def instruments(request: Request) -> Answer:
        symbol = request.query.get("symbol")
        rows = [state.instrument_for(symbol)] if symbol else list(state.instruments.values())
        return 200, {"next": None, "previous": None, "results": [
            {"id": i.id, "url": f"{API}/instruments/{i.id}/", "symbol": i.symbol} for i in rows
        ]}  # fmt: skip

    def day_trades(request: Request) -> Answer:
        if request.params["number"] != acct.number:
            return 404, {"detail": "Not found."}
        return 200, {"equity_day_trades": list(acct.day_trades), "option_day_trades": []}

    routes = {
        ("GET", r"/accounts"): accounts,
        ("GET", r"/accounts/(?P<number>[^/]+)"): account,
        ("GET", r"/portfolios/(?P<number>[^/]+)"): portfolio,
        ("GET", r"/positions"): positions,
        ("GET", r"/instruments/(?P<id>[^/]+)"): instrument,
        ("GET", r"/instruments"): instruments,
        ("GET", r"/accounts/(?P<number>[^/]+)/recent_day_trades"): day_trades,
    }
    for (method, pattern), handler in routes.items():
        router.add(method, pattern, authorized(handler))
    return authorized
