"""AccountCache: the latest broker balances, refreshed periodically by the composition root.

Compliance reads balances synchronously (:class:`~app.core.ports.AccountSource`);
the broker answers asynchronously. This cache sits between them and
publishes :class:`~app.core.events.AccountUpdated` on every refresh.
"""

from __future__ import annotations

import logging

from app.brokers.base import Broker
from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import AccountUpdated
from app.core.models import Account

log = logging.getLogger("sherwood.account")


class AccountCache:
    """Holds the last :class:`Account` the broker reported."""

    def __init__(self, bus: EventBus, clock: Clock, broker: Broker) -> None:
        self.bus = bus
        self.clock = clock
        self.broker = broker
        self._account: Account | None = None

    def current_account(self) -> Account | None:
        return self._account

    async def refresh(self) -> Account | None:
        """Ask the broker; on failure keep the previous balances and log why."""
        try:
            account = await self.broker.account()
        except Exception as exc:
            log.warning("account refresh failed: %s", exc)
            return self._account
        self._account = account
        await self.bus.publish(AccountUpdated(time=self.clock.now(), account=account))
        return account
