"""The domain's enumerations: sides, order kinds and statuses, intervals, account states.

Re-exported by :mod:`app.core.models`; import them from either module.
"""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


class TimeInForce(StrEnum):
    GFD = "gfd"  # good for day (Robinhood's only choice for market orders)
    GTC = "gtc"  # good till cancelled


class OrderSource(StrEnum):
    MANUAL = "manual"
    BOT = "bot"
    RISK = "risk"  # exits triggered by profit target / stop loss / flatten
    LEGACY = "legacy"  # imported from the original bots' transactions.json (app.legacy)
    EXTERNAL = "external"  # placed outside Sherwood (the Robinhood app), adopted by reconciliation


class Interval(StrEnum):
    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    H1 = "1h"
    D1 = "1d"

    @property
    def seconds(self) -> int:
        return _INTERVAL_SECONDS[self]


_INTERVAL_SECONDS = {
    Interval.M1: 60,
    Interval.M5: 300,
    Interval.M15: 900,
    Interval.H1: 3600,
    Interval.D1: 86400,
}


class SignalAction(StrEnum):
    BUY = "BUY"
    SELL = "SELL"
    HOLD = "HOLD"


class OrderStatus(StrEnum):
    NEW = "new"  # journaled, not yet sent
    SUBMITTED = "submitted"  # sent; the broker has not confirmed
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    CANCEL_PENDING = "cancel_pending"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    DENIED = "denied"  # refused by Sherwood's own risk or compliance checks
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES

    @property
    def is_open(self) -> bool:
        return not self.is_terminal


TERMINAL_STATUSES = frozenset(
    {
        OrderStatus.FILLED,
        OrderStatus.CANCELLED,
        OrderStatus.REJECTED,
        OrderStatus.DENIED,
        OrderStatus.EXPIRED,
    }
)


class AccountType(StrEnum):
    CASH = "cash"
    MARGIN = "margin"


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"  # only orders that shrink a position
    HALTED = "HALTED"  # kill switch: nothing goes out


class HealthState(StrEnum):
    STARTING = "starting"
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    STOPPED = "stopped"
