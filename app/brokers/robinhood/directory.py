"""Names Robinhood needs in an order and gives back in answers: the account URL, and each
symbol's instrument URL (both ways), looked up once and kept for the session.

Blocking; used only on the worker thread, so its dictionaries need no lock.
"""

from __future__ import annotations

from app.brokers.robinhood.api import RobinhoodApi, url
from app.core.errors import BrokerUnavailable, OrderRejected


class Directory:
    def __init__(self, api: RobinhoodApi) -> None:
        self.api = api
        self._account: tuple[str, str] | None = None  # (number, url)
        self._by_symbol: dict[str, str] = {}
        self._by_url: dict[str, str] = {}

    def account(self) -> tuple[str, str]:
        """The default account's (number, URL)."""
        if self._account is None:
            rows = self.api.get_all(url("/accounts/"))
            if not rows or not rows[0].get("account_number"):
                raise BrokerUnavailable("Robinhood lists no account for this login")
            number = str(rows[0]["account_number"])
            self._account = (number, str(rows[0].get("url") or url(f"/accounts/{number}/")))
        return self._account

    def instrument_url(self, symbol: str) -> str:
        found = self._by_symbol.get(symbol)
        if found is None:
            rows = self.api.get(url("/instruments/"), {"symbol": symbol}).get("results") or []
            match = next((r for r in rows if r.get("symbol") == symbol and r.get("url")), None)
            if match is None:
                raise OrderRejected(f"Robinhood does not know the symbol {symbol}")
            found = str(match["url"])
            self._remember(symbol, found)
        return found

    def symbol_of(self, instrument_url: str) -> str:
        found = self._by_url.get(instrument_url)
        if found is None:
            symbol = self.api.get(instrument_url).get("symbol")
            if not symbol:
                raise BrokerUnavailable(f"Robinhood's instrument {instrument_url} has no symbol")
            found = str(symbol)
            self._remember(found, instrument_url)
        return found

    def _remember(self, symbol: str, instrument_url: str) -> None:
        self._by_symbol[symbol] = instrument_url
        self._by_url[instrument_url] = symbol
