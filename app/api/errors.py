"""HTTP errors as JSON ``{"error": code, "reason": text}``, and which domain error means which.

400 bad input, 401 no or wrong token, 403 a foreign ``Host``, 404 unknown
order/symbol/route, 405 wrong verb (or a write the original allowed and
Sherwood refuses), 409 denied by risk or compliance (the reason is the
check's), 503 the broker, the gateway or the market data cannot answer now.
"""

from __future__ import annotations

from typing import Any

from app.core.errors import (
    AuthenticationRequired,
    BrokerError,
    BrokerUnavailable,
    InvalidOrder,
    MarketDataError,
    OrderNotFound,
    RateLimited,
    StaleQuote,
    UnknownSymbol,
)
from app.gateway.errors import LoginFailed
from app.strategy.base import InsufficientHistory, StrategyError


class ApiError(Exception):
    """An answer other than success: HTTP ``status``, a short ``error`` code and the ``reason``."""

    def __init__(self, status: int, error: str, reason: str, **extra: Any) -> None:
        super().__init__(reason)
        self.status = status
        self.error = error
        self.reason = reason
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "reason": self.reason, **self.extra}


def bad_request(reason: str) -> ApiError:
    return ApiError(400, "bad_request", reason)


def not_found(reason: str) -> ApiError:
    return ApiError(404, "not_found", reason)


def unavailable(reason: str) -> ApiError:
    return ApiError(503, "unavailable", reason)


def from_exception(exc: Exception) -> ApiError | None:
    """The API error a domain exception stands for (None: an unexpected failure, a 500)."""
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, LoginFailed):
        return ApiError(400, "login_failed", reason)
    if isinstance(exc, UnknownSymbol):
        return ApiError(404, "unknown_symbol", reason)
    if isinstance(exc, StaleQuote):
        return ApiError(503, "stale_quote", reason)
    if isinstance(exc, MarketDataError):
        return ApiError(503, "no_market_data", reason)
    if isinstance(exc, InsufficientHistory):
        return ApiError(503, "insufficient_history", reason)
    if isinstance(exc, InvalidOrder | StrategyError):
        return bad_request(reason)
    if isinstance(exc, OrderNotFound):
        return not_found(reason)
    if isinstance(exc, AuthenticationRequired):
        return ApiError(503, "not_logged_in", f"the broker needs a login: {reason}")
    if isinstance(exc, RateLimited):
        return ApiError(503, "rate_limited", reason)
    if isinstance(exc, BrokerUnavailable | BrokerError):
        return ApiError(503, "broker_unavailable", reason)
    return None
