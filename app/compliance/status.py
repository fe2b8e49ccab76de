"""The PDT status the meter shows, and the pure day-trade decision of a pre-trade check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.compliance.day_trades import DayTrade
from app.config import DayTradePolicy
from app.core.models import Account, AccountType, Side
from app.risk.decisions import CheckResult

PDT_EQUITY_MINIMUM = Decimal("25000")
PDT_SESSIONS = 5  # FINRA's pattern-day-trader test: 4+ day trades in 5 business days ...
PDT_MIN_DAY_TRADES = 4
PDT_SHARE_PCT = Decimal("6")  # ... that are more than 6 % of the trades in the period


@dataclass(frozen=True)
class PdtStatus:
    used: int
    limit: int
    remaining: int
    window_days: int
    window: list[date]
    can_day_trade: bool
    by_date: dict[date, int]
    drop_offs: list[tuple[DayTrade, date]]
    policy: DayTradePolicy
    account_type: AccountType
    restricted: bool
    pattern_day_trader: bool
    broker_count: int | None
    next_day_trade_reaches_limit: bool
    own_count: int = 0  # Sherwood's own count (``used`` is the broker's when it disagrees)
    trades_in_pdt_period: int = 0
    day_trades: list[DayTrade] = field(default_factory=list)


def is_restricted(
    policy: DayTradePolicy, account: Account | None, account_type: AccountType
) -> bool:
    """The classic rule applies: margin account below $25,000 at the previous close.

    With no balances known yet a margin account is treated as restricted (fail closed).
    """
    if policy is not DayTradePolicy.CLASSIC or account_type is not AccountType.MARGIN:
        return False
    if account is None:
        return True
    return account.equity_previous_close < PDT_EQUITY_MINIMUM


def is_pattern_day_trader(day_trades: int, trades: int) -> bool:
    """4+ day trades in 5 sessions that are more than 6 % of all trades in the period."""
    if day_trades < PDT_MIN_DAY_TRADES or trades <= 0:
        return False
    return Decimal(day_trades) * 100 / Decimal(trades) > PDT_SHARE_PCT


def decide_day_trade(
    *,
    side: Side,
    committed: int,
    new: int,
    limit: int,
    window_days: int,
    policy: DayTradePolicy,
    restricted: bool,
    bot: bool,
) -> CheckResult:
    """Allow, warn or deny one order given the day trades it would add.

    ``committed`` = day trades in the window plus those pending orders would
    make; ``new`` = day trades this order would add (0 or 1).
    """
    if policy is DayTradePolicy.OFF:
        return CheckResult(True)
    enforce = restricted
    warn = policy is DayTradePolicy.INFORMATIONAL or restricted
    if new and committed + new > limit:
        message = (
            f"would be day trade {committed + new} of {limit} in the last {window_days} "
            "trading sessions (PDT rule)"
        )
        if enforce:
            return CheckResult(False, message)
        return CheckResult(True, warning=message if warn else "")
    if side is Side.BUY and committed >= limit:
        if enforce and bot:
            return CheckResult(
                False,
                "the bot will not open a position it could not close today: no day trades left",
            )
        if warn:
            return CheckResult(
                True,
                warning=(
                    f"no day trades left ({committed} of {limit} used): a position opened now "
                    "cannot be closed today without breaking the day-trade limit"
                ),
            )
    if new and warn and committed + new == limit:
        return CheckResult(
            True,
            warning=(
                f"this is day trade {limit} of {limit} in the last {window_days} trading sessions"
            ),
        )
    return CheckResult(True)
