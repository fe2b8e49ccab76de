"""Announce newly recorded day trades: ``DayTradeRecorded``, then a PDT warning or limit event.

The count shown is the broker's where it reports one, else Sherwood's own. No
warning for a cash account or with the day-trade policy OFF.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.compliance.day_trades import DayTrade
from app.config import DayTradePolicy
from app.core.events import DayTradeRecorded, PdtLimitReached, PdtWarning
from app.core.models import AccountType

if TYPE_CHECKING:
    from app.compliance.service import ComplianceService


async def announce_day_trades(service: ComplianceService, new: list[DayTrade]) -> None:
    """Publish one ``DayTradeRecorded`` per trade in ``new``, then a warning at the limit."""
    settings = service.settings
    account = service._account()
    account_type = service._account_type(account)
    own = service._own_count()
    used = account.broker_day_trades if account is not None else None
    used = used if used is not None else own
    limit = settings.max_day_trades
    now = service.clock.now()
    for trade in new:
        service.log.info("day trade %s %s (%d of %d)", trade.symbol, trade.trade_date, used, limit)
        await service.bus.publish(
            DayTradeRecorded(
                time=now,
                symbol=trade.symbol,
                trade_date=trade.trade_date.isoformat(),
                used=used,
                limit=limit,
            )
        )
    if settings.day_trade_policy is DayTradePolicy.OFF or account_type is AccountType.CASH:
        return
    window = f"in the last {settings.pdt_tracking_days} trading sessions"
    if used >= limit:
        await service.bus.publish(
            PdtLimitReached(
                time=now, used=used, limit=limit,
                message=f"{used} of {limit} day trades used {window}: "
                "no more day trades until one drops out of the window",
            )
        )  # fmt: skip
    elif used == limit - 1 or (limit >= 3 and used == limit - 2):
        await service.bus.publish(
            PdtWarning(
                time=now, used=used, limit=limit,
                message=f"{used} of {limit} day trades used {window}",
            )
        )  # fmt: skip
