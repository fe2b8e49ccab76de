"""The exceptions Sherwood raises, grouped by who raises them."""

from __future__ import annotations

from decimal import Decimal


class SherwoodError(Exception):
    """Base of every error Sherwood raises on purpose."""


class SettingsError(SherwoodError):
    """One or more settings are invalid; ``problems`` maps setting name to message."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        text = "; ".join(f"{name}: {msg}" for name, msg in self.problems.items())
        super().__init__(f"invalid settings: {text}")


class IllegalTransition(SherwoodError):
    """An order was asked to move to a state its current state cannot reach."""


class InvalidOrder(SherwoodError):
    """An order request is malformed (missing quantity, negative price, ...)."""


class MarketDataError(SherwoodError):
    """Base of market-data failures."""


class UnknownSymbol(MarketDataError):
    """The symbol is malformed or not known to the feed."""


class StaleQuote(MarketDataError):
    """The latest quote is older than the configured limit."""


class DataFormatError(MarketDataError):
    """A data file has a bad row; ``line`` is 1-based."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}, line {line}: {message}")


class BrokerError(SherwoodError):
    """Base of everything a broker raises."""


class BrokerUnavailable(BrokerError):
    """Network or server failure: the outcome of the call is unknown."""


class AuthenticationRequired(BrokerError):
    """The session expired or was never opened: log in again."""


class RateLimited(BrokerError):
    """The broker throttled us; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class OrderRejected(BrokerError):
    """The broker refused the order; ``reason`` is its own words."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class DuplicateOrder(BrokerError):
    """An order with this client order id already exists at the broker."""


class OrderNotFound(BrokerError):
    """No order with that id is known."""


class CancelRejected(BrokerError):
    """The order could not be cancelled (already filled, or done)."""


class InsufficientFunds(OrderRejected):
    """Not enough buying power (or settled cash) for the order."""

    def __init__(self, needed: Decimal, available: Decimal) -> None:
        self.needed = needed
        self.available = available
        super().__init__(f"needs ${needed:.2f}, only ${available:.2f} available")
