"""The service lifecycle every Sherwood service shares: start, stop, health.

A service reports a :class:`~app.core.models.Health` (starting, healthy,
degraded with a reason, stopped); every change is published as
:class:`~app.core.events.HealthChanged` so the status bar can show it.
"""

from __future__ import annotations

import logging

from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import HealthChanged, ServiceStarted, ServiceStopped
from app.core.models import Health, HealthState


class Service:
    """Base class: subclasses override :meth:`on_start` and :meth:`on_stop`."""

    name = "service"

    def __init__(self, bus: EventBus, clock: Clock) -> None:
        self.bus = bus
        self.clock = clock
        self.log = logging.getLogger(f"sherwood.{self.name}")
        self._health = Health(HealthState.STOPPED)

    @property
    def health(self) -> Health:
        return self._health

    async def set_health(self, state: HealthState, reason: str = "") -> None:
        new = Health(state, reason)
        if new == self._health:
            return
        self._health = new
        if state is HealthState.DEGRADED:
            self.log.warning("degraded: %s", reason)
        await self.bus.publish(
            HealthChanged(time=self.clock.now(), service=self.name, state=state, reason=reason)
        )

    async def start(self) -> None:
        await self.set_health(HealthState.STARTING)
        await self.on_start()
        if self._health.state is HealthState.STARTING:
            await self.set_health(HealthState.HEALTHY)
        await self.bus.publish(ServiceStarted(time=self.clock.now(), service=self.name))

    async def stop(self) -> None:
        if self._health.state is HealthState.STOPPED:
            return
        try:
            await self.on_stop()
        finally:
            await self.set_health(HealthState.STOPPED)
            await self.bus.publish(ServiceStopped(time=self.clock.now(), service=self.name))

    async def on_start(self) -> None:
        """Subscribe, load state, start background tasks."""

    async def on_stop(self) -> None:
        """Cancel background tasks, flush state."""
