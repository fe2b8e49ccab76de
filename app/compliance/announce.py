"""What to announce for newly recorded day trades: ``DayTradeRecorded``, then a PDT warning.

Pure: the compliance service passes in the count to show (the broker's where it
reports one, else Sherwood's own), the limit and the account type, and
publishes the events this returns. No warning for a cash account or with the
day-trade policy OFF.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.compliance.day_trades import DayTrade
from app.config import DayTradePolicy, Settings
from app.core.events import DayTradeRecorded, Event, PdtLimitReached, PdtWarning
from app.core.models import AccountType


def day_trade_events(
    new: Sequence[DayTrade],
    used: int,
    settings: Settings,
    account_type: AccountType,
    now: datetime,
) -> list[Event]:
    """One ``DayTradeRecorded`` per trade in ``new``, then a warning or limit event at the limit."""
    limit = settings.max_day_trades
    events: list[Event] = []
    for trade in new:
        day = trade.trade_date.isoformat()
        events.append(
            DayTradeRecorded(time=now, symbol=trade.symbol, trade_date=day, used=used, limit=limit)
        )
    if settings.day_trade_policy is DayTradePolicy.OFF or account_type is AccountType.CASH:
        return events
    window = f"in the last {settings.pdt_tracking_days} trading sessions"
    if used >= limit:
        events.append(
            PdtLimitReached(
                time=now, used=used, limit=limit,
                message=f"{used} of {limit} day trades used {window}: "
                "no more day trades until one drops out of the window",
            )
        )  # fmt: skip
    elif used == limit - 1 or (limit >= 3 and used == limit - 2):
        events.append(
            PdtWarning(
                time=now, used=used, limit=limit,
                message=f"{used} of {limit} day trades used {window}",
            )
        )  # fmt: skip
    return events
