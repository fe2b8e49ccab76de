"""Trading endpoints of the fake Robinhood: orders (place, list, one, cancel) with ``ref_id``
uniqueness, executions and partial fills, late rejection, quotes, historicals, market hours.

The market moves only when a test says so (:meth:`Trading.set_quote`). Open
orders are matched whenever an order endpoint or quote is requested, so a
broker's poll sees them progress: a new order is ``unconfirmed`` in the POST
answer, ``confirmed`` at the next request, then fills while marketable (all
at once, or in the parts a test scripted, one part per request). Fills move
the account's cash and the positions GATEWAY's account endpoints serve.

Faults come from the server (:meth:`Trading.answer_late`, ``fake.fail_next``,
``fake.drop_next``, ``fake.throttle_next``, ``fake.expire_tokens``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from fake_robinhood.account import API, paginate
from fake_robinhood.server import Answer, Fault, Handler, HttpServer, Request, Router
from fake_robinhood.state import Position, State, money_text, utc_text

NEW_YORK = ZoneInfo("America/New_York")
OPEN_STATES = ("queued", "unconfirmed", "confirmed", "partially_filled")
REF_ID_TAKEN = {"detail": "Order with this ref_id already exists."}


@dataclass
class FakeQuote:
    symbol: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    halted: bool = False
    updated_at: datetime | None = None  # None: always "now" (a quote that keeps updating)


@dataclass
class Script:
    """What happens to the next order placed (set by a test before the click)."""

    parts: list[Decimal] = field(default_factory=list)  # fill these quantities, one per request
    reject: str = ""  # accepted, then rejected with this reason
    rest: bool = False  # never fills by itself (a resting order)


@dataclass
class FakeOrder:
    id: str
    ref_id: str | None
    symbol: str
    instrument_id: str
    side: str
    type: str
    trigger: str
    price: Decimal | None
    quantity: Decimal
    time_in_force: str
    extended_hours: bool
    preset_percent_limit: str | None
    created_at: datetime
    updated_at: datetime
    script: Script = field(default_factory=Script)
    state: str = "unconfirmed"
    executions: list[dict[str, Any]] = field(default_factory=list)
    cancel_requested: bool = False
    reject_reason: str | None = None

    @property
    def filled(self) -> Decimal:
        return sum((Decimal(e["quantity"]) for e in self.executions), Decimal(0))

    @property
    def average_price(self) -> Decimal | None:
        filled = self.filled
        if not filled:
            return None
        value = sum((Decimal(e["quantity"]) * Decimal(e["price"]) for e in self.executions),
                    Decimal(0))  # fmt: skip
        return value / filled


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _text(value: Decimal | None, places: int = 8) -> str | None:
    return None if value is None else f"{value:.{places}f}"


class Trading:
    """The trading side of the fake: its state, routes and the scripting a test uses."""

    def __init__(self, state: State, http: HttpServer) -> None:
        self.state = state
        self.http = http
        self.orders: list[FakeOrder] = []  # oldest first
        self.quotes: dict[str, FakeQuote] = {}
        self.next_script = Script()
        self.refused: list[str] = []  # ref_ids refused as already taken
        self.closed_days: set[date] = set()
        self.set_quote("TQQQ", Decimal("63.10"), Decimal("63.20"))

    # --- scripting ------------------------------------------------------------------------

    def set_quote(
        self, symbol: str, bid: Decimal, ask: Decimal, last: Decimal | None = None,
        *, halted: bool = False, at: datetime | None = None,
    ) -> None:  # fmt: skip
        """The symbol's quote from now on; ``at`` pins its ``updated_at`` (by default it is
        always the moment it is read, like a quote that keeps updating)."""
        self.state.instrument_for(symbol)
        self.quotes[symbol] = FakeQuote(
            symbol, bid, ask, last if last is not None else (bid + ask) / 2, halted, at
        )

    def script_next(
        self, *, parts: list[Decimal] | None = None, reject: str = "", rest: bool = False
    ) -> None:
        self.next_script = Script(list(parts or []), reject, rest)

    def answer_late(self, method: str, path: str, seconds: float) -> None:
        """The next matching request is acted on at once but answered ``seconds`` later."""
        self.http.add_fault(Fault(method, path, 0, delay=seconds, after_handler=True))

    def place_outside(self, symbol: str, side: str, quantity: Decimal, price: Decimal) -> FakeOrder:
        """An order placed in the Robinhood app (not by Sherwood); filled at ``price`` when it
        is marketable, else resting as a limit order."""
        order = self._new(None, symbol, side, "limit", price, quantity, "gfd", False, None)
        order.state = "confirmed"
        self._match(order)
        return order

    def fill(self, order: FakeOrder, quantity: Decimal, price: Decimal) -> None:
        self._execute(order, quantity, price)

    # --- inspection -----------------------------------------------------------------------

    def by_ref(self, ref_id: str) -> list[FakeOrder]:
        return [o for o in self.orders if o.ref_id == ref_id]

    def position(self, symbol: str) -> Decimal:
        found = next((p for p in self.state.positions if p.symbol == symbol), None)
        return Decimal(0) if found is None else found.quantity

    # --- matching -------------------------------------------------------------------------

    def _new(
        self, ref_id: str | None, symbol: str, side: str, kind: str, price: Decimal | None,
        quantity: Decimal, tif: str, extended: bool, preset: str | None,
    ) -> FakeOrder:  # fmt: skip
        now = self.state.now()
        order = FakeOrder(
            str(uuid.uuid4()), ref_id, symbol, self.state.instrument_for(symbol).id, side, kind,
            "immediate", price, quantity, tif, extended, preset, now, now,
        )  # fmt: skip
        self.orders.append(order)
        return order

    def advance(self) -> None:
        """One step of every open order (run before each trading request is answered)."""
        for order in self.orders:
            if order.state not in OPEN_STATES:
                continue
            if order.state == "unconfirmed":
                order.state = "confirmed"
                order.updated_at = self.state.now()
                continue
            if order.cancel_requested:
                order.state = "cancelled"
                order.updated_at = self.state.now()
            elif order.script.reject:
                order.state = "rejected"
                order.reject_reason = order.script.reject
                order.updated_at = self.state.now()
            else:
                self._match(order)

    def _match(self, order: FakeOrder) -> None:
        quote = self.quotes.get(order.symbol)
        if order.script.rest or quote is None or quote.halted:
            return
        if order.side == "buy":
            price = quote.ask
            limited = order.type == "limit" and order.preset_percent_limit is None
            if limited and (order.price is None or order.price < price):
                return
        else:
            price = quote.bid
            if order.type == "limit" and order.price is not None and order.price > price:
                return
        remaining = order.quantity - order.filled
        size = order.script.parts.pop(0) if order.script.parts else remaining
        self._execute(order, min(size, remaining), price)

    def _execute(self, order: FakeOrder, quantity: Decimal, price: Decimal) -> None:
        now = self.state.now()
        settles = (now.astimezone(NEW_YORK).date() + timedelta(days=1)).isoformat()
        order.executions.append({
            "id": str(uuid.uuid4()), "price": f"{price:.8f}", "quantity": f"{quantity:.8f}",
            "rounded_notional": money_text(quantity * price, 2), "settlement_date": settles,
            "timestamp": utc_text(now),
        })  # fmt: skip
        order.state = "filled" if order.filled >= order.quantity else "partially_filled"
        order.updated_at = now
        acct = self.state.account
        value = (quantity * price).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        sign = 1 if order.side == "buy" else -1
        acct.cash -= sign * value
        acct.buying_power -= sign * value
        held = next((p for p in self.state.positions if p.symbol == order.symbol), None)
        if held is None:
            held = Position(order.symbol, Decimal(0), Decimal(0))
            self.state.positions.append(held)
        if order.side == "buy":
            total = held.quantity + quantity
            held.average_buy_price = (
                held.quantity * held.average_buy_price + quantity * price
            ) / total
            held.quantity = total
        else:
            held.quantity -= quantity

    # --- JSON -----------------------------------------------------------------------------

    def order_json(self, order: FakeOrder) -> dict[str, Any]:
        acct = self.state.account.number
        cancel = f"{API}/orders/{order.id}/cancel/" if order.state in OPEN_STATES else None
        average = order.average_price
        return {
            "id": order.id, "ref_id": order.ref_id, "url": f"{API}/orders/{order.id}/",
            "account": f"{API}/accounts/{acct}/",
            "instrument": f"{API}/instruments/{order.instrument_id}/",
            "instrument_id": order.instrument_id, "cancel": cancel, "position": None,
            "cumulative_quantity": _text(order.filled), "average_price": _text(average),
            "fees": "0.00", "state": order.state, "derived_state": order.state,
            "pending_cancel_open_agent": None, "type": order.type, "side": order.side,
            "time_in_force": order.time_in_force, "trigger": order.trigger,
            "price": _text(order.price), "stop_price": None, "quantity": _text(order.quantity),
            "reject_reason": order.reject_reason, "created_at": utc_text(order.created_at),
            "updated_at": utc_text(order.updated_at),
            "last_transaction_at": utc_text(order.updated_at), "executions": list(order.executions),
            "extended_hours": order.extended_hours, "market_hours": "regular_hours",
            "preset_percent_limit": order.preset_percent_limit,
        }  # fmt: skip

    def quote_json(self, quote: FakeQuote) -> dict[str, Any]:
        instrument = self.state.instrument_for(quote.symbol)
        when = quote.updated_at or self.state.now()
        return {
            "ask_price": f"{quote.ask:.6f}", "ask_size": 100, "bid_price": f"{quote.bid:.6f}",
            "bid_size": 200, "last_trade_price": f"{quote.last:.6f}",
            "last_extended_hours_trade_price": None, "previous_close": f"{quote.last:.6f}",
            "adjusted_previous_close": f"{quote.last:.6f}",
            "previous_close_date": (when.date() - timedelta(days=1)).isoformat(),
            "symbol": quote.symbol, "trading_halted": quote.halted, "has_traded": True,
            "last_trade_price_source": "consolidated",
            "updated_at": utc_text(when).split(".")[0] + "Z",
            "instrument": f"{API}/instruments/{instrument.id}/", "instrument_id": instrument.id,
            "state": "active",
        }  # fmt: skip

    # --- handlers -------------------------------------------------------------------------

    def place(self, request: Request) -> Answer:
        body = request.body
        self.advance()
        ref_id = body.get("ref_id")
        if ref_id and self.by_ref(str(ref_id)):
            self.refused.append(str(ref_id))
            return 400, REF_ID_TAKEN
        acct = self.state.account
        if body.get("account") != f"{API}/accounts/{acct.number}/":
            return 400, {"account": ["Invalid account."]}
        instrument_url = str(body.get("instrument") or "")
        found = next(
            (i for i in self.state.instruments.values()
             if instrument_url == f"{API}/instruments/{i.id}/"), None,
        )  # fmt: skip
        if found is None or body.get("symbol") not in (None, found.symbol):
            return 400, {"instrument": ["Invalid instrument."]}
        quantity = _decimal(body.get("quantity"))
        price = _decimal(body.get("price"))
        side, kind = body.get("side"), body.get("type")
        if side not in ("buy", "sell") or kind not in ("market", "limit"):
            return 400, {"detail": "Invalid side or type."}
        if quantity is None or quantity <= 0:
            return 400, {"quantity": ["Enter a valid quantity."]}
        if kind == "limit" and (price is None or price <= 0):
            return 400, {"price": ["A limit order needs a price."]}
        fractional = quantity != quantity.to_integral_value()
        extended = bool(body.get("extended_hours"))
        preset = body.get("preset_percent_limit")
        tif = str(body.get("time_in_force") or "")
        if fractional and extended:
            return 400, {"detail": "Fractional orders cannot be placed in extended hours."}
        if fractional and tif != "gfd":
            return 400, {"detail": "Fractional orders must be good for day."}
        if kind == "market" and tif == "gtc":
            return 400, {"detail": "Market orders must be good for day."}
        quote = self.quotes.get(found.symbol)
        if side == "buy":
            cost = quantity * (price or (quote.ask if quote else Decimal(0)))
            if cost > acct.buying_power:
                return 400, {"detail": "You don't have enough buying power to place this order."}
        elif quantity > self.position(found.symbol) - self._held_for_sells(found.symbol):
            return 400, {"detail": "Not enough shares to sell."}
        script, self.next_script = self.next_script, Script()
        order = self._new(
            str(ref_id) if ref_id else None, found.symbol, side, kind, price, quantity, tif,
            extended, str(preset) if preset else None,
        )  # fmt: skip
        order.script = script
        return 201, self.order_json(order)

    def _held_for_sells(self, symbol: str) -> Decimal:
        return sum(
            (o.quantity - o.filled for o in self.orders
             if o.symbol == symbol and o.side == "sell" and o.state in OPEN_STATES),
            Decimal(0),
        )  # fmt: skip

    def list_orders(self, request: Request) -> Answer:
        self.advance()
        since = request.query.get("updated_at[gte]")
        rows = list(reversed(self.orders))  # newest first, as Robinhood lists them
        if since:
            floor = datetime.fromisoformat(since.replace("Z", "+00:00"))
            if floor.tzinfo is None:
                floor = floor.replace(tzinfo=UTC)
            rows = [o for o in rows if o.updated_at >= floor]
        return paginate(request, [self.order_json(o) for o in rows], lambda: self.http.url)

    def one_order(self, request: Request) -> Answer:
        self.advance()
        order = next((o for o in self.orders if o.id == request.params["id"]), None)
        if order is None:
            return 404, {"detail": "Not found."}
        return 200, self.order_json(order)

    def cancel(self, request: Request) -> Answer:
        self.advance()
        order = next((o for o in self.orders if o.id == request.params["id"]), None)
        if order is None:
            return 404, {"detail": "Not found."}
        if order.state not in OPEN_STATES:
            return 400, {"detail": "This order cannot be cancelled."}
        order.cancel_requested = True
        return 200, {}

    def get_quotes(self, request: Request) -> Answer:
        self.advance()
        symbols = [s for s in (request.query.get("symbols") or "").split(",") if s]
        if not symbols:
            return 400, {"symbols": ["This field is required."]}
        found = [self.quotes.get(s.upper()) for s in symbols]
        return 200, {"results": [None if q is None else self.quote_json(q) for q in found]}

    def historicals(self, request: Request) -> Answer:
        interval = request.query.get("interval", "hour")
        span = request.query.get("span", "week")
        symbols = [s for s in (request.query.get("symbols") or "").split(",") if s]
        steps = {
            "5minute": timedelta(minutes=5),
            "10minute": timedelta(minutes=10),
            "hour": timedelta(hours=1),
            "day": timedelta(days=1),
            "week": timedelta(weeks=1),
        }
        spans = {"day": 1, "week": 7, "month": 31, "3month": 92, "year": 366, "5year": 1827}
        if interval not in steps or span not in spans:
            return 400, {"detail": "Invalid interval or span."}
        # What Robinhood refuses, as users of robin-stocks 3.4.0 report it: no interval under
        # 5 minutes for stocks at all (no "minute", no "15second": crypto only), 5- and
        # 10-minute bars for a day or a week only, hourly for at most 3 months, daily not
        # for a single day.
        if interval in ("5minute", "10minute") and span not in ("day", "week"):
            return 400, {"detail": "Invalid span for this interval."}
        if (interval, span) in (("hour", "year"), ("hour", "5year"), ("day", "day")):
            return 400, {"detail": "Invalid span for this interval."}
        end = self.state.now()
        start = end - timedelta(days=spans[span])
        results: list[dict[str, Any]] = []
        for symbol in symbols:
            quote = self.quotes.get(symbol.upper())
            if quote is None:
                results.append({"symbol": symbol.upper(), "historicals": []})
                continue
            results.append({
                "symbol": quote.symbol, "interval": interval, "span": span, "bounds": "regular",
                "historicals": self._bars(quote, start, end, interval, steps[interval]),
            })  # fmt: skip
        return 200, {"results": results}

    def _bars(
        self, quote: FakeQuote, start: datetime, end: datetime, interval: str, step: timedelta
    ) -> list[dict[str, Any]]:
        """Regular-session bars (weekdays 9:30-16:00 New York), a gentle deterministic wave."""
        bars: list[dict[str, Any]] = []
        day = start.astimezone(NEW_YORK).date()
        while day <= end.astimezone(NEW_YORK).date():
            if day.weekday() < 5 and day not in self.closed_days:
                opens = datetime.combine(day, time(9, 30), NEW_YORK)
                closes = datetime.combine(day, time(16), NEW_YORK)
                begins = opens if interval not in ("day", "week") else datetime.combine(
                    day, time(0), NEW_YORK)  # fmt: skip
                stop = closes if interval not in ("day", "week") else begins + step
                while begins + step <= stop and begins + step <= end:
                    n = len(bars)
                    base = quote.last * (1 + Decimal((n % 20) - 10) / 1000)
                    bars.append({
                        "begins_at": utc_text(begins).split(".")[0] + "Z",
                        "open_price": f"{base:.6f}",
                        "close_price": f"{base * Decimal('1.001'):.6f}",
                        "high_price": f"{base * Decimal('1.002'):.6f}",
                        "low_price": f"{base * Decimal('0.999'):.6f}", "volume": 1000 + n,
                        "session": "reg", "interpolated": False, "symbol": quote.symbol,
                    })  # fmt: skip
                    begins += step
            day += timedelta(days=1)
        return bars

    def market_hours(self, request: Request) -> Answer:
        try:
            day = date.fromisoformat(request.params["date"])
        except ValueError:
            return 400, {"detail": "Invalid date."}
        is_open = day.weekday() < 5 and day not in self.closed_days
        hours = f"{API}/markets/XNYS/hours/"

        def at(hour: int, minute: int = 0) -> str | None:
            when = datetime.combine(day, time(hour, minute), NEW_YORK)
            return utc_text(when) if is_open else None

        return 200, {
            "date": day.isoformat(), "is_open": is_open, "opens_at": at(9, 30),
            "closes_at": at(16), "extended_opens_at": at(7), "extended_closes_at": at(20),
            "late_option_closes_at": at(16, 15),
            "next_open_hours": f"{hours}{(day + timedelta(days=1)).isoformat()}/",
            "previous_open_hours": f"{hours}{(day - timedelta(days=1)).isoformat()}/",
        }  # fmt: skip


def register(
    router: Router, state: State, http: HttpServer, authorized: Callable[[Handler], Handler]
) -> Trading:
    """Add the trading routes behind a bearer token; returns the handle tests script."""
    trading = Trading(state, http)
    routes: dict[tuple[str, str], Handler] = {
        ("POST", r"/orders"): trading.place,
        ("GET", r"/orders"): trading.list_orders,
        ("GET", r"/orders/(?P<id>[^/]+)"): trading.one_order,
        ("POST", r"/orders/(?P<id>[^/]+)/cancel"): trading.cancel,
        ("GET", r"/quotes"): trading.get_quotes,
        ("GET", r"/quotes/historicals"): trading.historicals,
        ("GET", r"/markets/(?P<market>[^/]+)/hours/(?P<date>[^/]+)"): trading.market_hours,
    }
    for (method, pattern), handler in routes.items():
        router.add(method, pattern, authorized(handler))
    return trading


__all__ = ["FakeOrder", "FakeQuote", "Script", "Trading", "register"]
