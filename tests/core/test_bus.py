"""The event bus: ordered delivery, base-class subscriptions, isolation of failing handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from decimal import Decimal

import pytest

from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import ErrorOccurred, Event, PriceUpdated, ServiceStarted
from app.core.models import Quote


def _price(clock: SimulatedClock, last: str = "50.00") -> PriceUpdated:
    q = Quote("TQQQ", Decimal("49.99"), Decimal("50.01"), Decimal(last), Decimal(100),
              Decimal(100), clock.now())  # fmt: skip
    return PriceUpdated(time=clock.now(), quote=q)


async def test_handlers_run_in_subscription_order_sync_and_async(
    bus: EventBus, clock: SimulatedClock
) -> None:
    seen: list[str] = []

    async def second(_: PriceUpdated) -> None:
        seen.append("async")

    bus.subscribe(PriceUpdated, lambda e: seen.append("sync-1"))
    bus.subscribe(PriceUpdated, second)
    bus.subscribe(PriceUpdated, lambda e: seen.append("sync-3"))
    await bus.publish(_price(clock))
    assert seen == ["sync-1", "async", "sync-3"]


async def test_a_raising_handler_is_logged_and_does_not_stop_the_others(
    bus: EventBus, clock: SimulatedClock, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []
    errors: list[ErrorOccurred] = []

    def broken(_: PriceUpdated) -> None:
        raise RuntimeError("boom")

    bus.subscribe(ErrorOccurred, errors.append)
    bus.subscribe(PriceUpdated, broken)
    bus.subscribe(PriceUpdated, lambda e: seen.append("after"))
    with caplog.at_level(logging.ERROR):
        await bus.publish(_price(clock))
        await bus.flush()
    assert seen == ["after"]
    assert "boom" in caplog.text
    assert len(errors) == 1 and "RuntimeError: boom" in errors[0].message


async def test_subscribing_to_a_base_class_receives_every_event(
    bus: EventBus, clock: SimulatedClock
) -> None:
    seen: list[type] = []
    bus.subscribe(Event, lambda e: seen.append(type(e)))
    await bus.publish(_price(clock))
    await bus.publish(ServiceStarted(time=clock.now(), service="risk"))
    assert seen == [PriceUpdated, ServiceStarted]


async def test_unsubscribe_stops_delivery(bus: EventBus, clock: SimulatedClock) -> None:
    seen: list[PriceUpdated] = []
    subscription = bus.subscribe(PriceUpdated, seen.append)
    await bus.publish(_price(clock))
    subscription.cancel()
    await bus.publish(_price(clock))
    assert len(seen) == 1


async def test_publish_nowait_keeps_order(bus: EventBus, clock: SimulatedClock) -> None:
    seen: list[str] = []
    bus.subscribe(PriceUpdated, lambda e: seen.append(str(e.quote.last)))
    for last in ("1", "2", "3"):
        bus.publish_nowait(_price(clock, last))
    await bus.flush()
    assert seen == ["1", "2", "3"]


def test_events_are_frozen(clock: SimulatedClock) -> None:
    event = ServiceStarted(time=clock.now(), service="x")
    with pytest.raises(AttributeError):
        event.service = "y"  # type: ignore[misc]


async def test_a_sync_handler_may_return_a_coroutine_awaited_before_the_next_handler(
    bus: EventBus, clock: SimulatedClock
) -> None:
    seen: list[str] = []

    async def later(tag: str) -> None:
        await asyncio.sleep(0)
        seen.append(tag)

    def sometimes(event: PriceUpdated) -> Awaitable[None] | None:
        seen.append(f"sync {event.quote.last}")
        return later(f"awaited {event.quote.last}") if event.quote.last > 1 else None

    bus.subscribe(PriceUpdated, sometimes)
    bus.subscribe(PriceUpdated, lambda e: seen.append(f"next {e.quote.last}"))
    await bus.publish(_price(clock, "1"))
    await bus.publish(_price(clock, "2"))
    assert seen == ["sync 1", "next 1", "sync 2", "awaited 2", "next 2"]


async def test_subscriptions_made_or_cancelled_after_publishing_take_effect(
    bus: EventBus, clock: SimulatedClock
) -> None:
    seen: list[str] = []
    first = bus.subscribe(PriceUpdated, lambda e: seen.append("first"))
    await bus.publish(_price(clock))
    bus.subscribe(Event, lambda e: seen.append("base"))
    await bus.publish(_price(clock))
    first.cancel()
    await bus.publish(_price(clock))
    assert seen == ["first", "first", "base", "base"]


async def test_an_event_published_by_a_handler_is_delivered_after_the_current_one(
    bus: EventBus, clock: SimulatedClock
) -> None:
    seen: list[str] = []

    async def first(event: Event) -> None:
        if isinstance(event, PriceUpdated):
            seen.append("first saw price")
            await bus.publish(ServiceStarted(time=clock.now(), service="risk"))
            seen.append("first returned")
        else:
            seen.append("first saw started")

    bus.subscribe(Event, first)
    bus.subscribe(Event, lambda e: seen.append(f"second saw {type(e).__name__}"))
    await bus.publish(_price(clock))
    assert seen == [
        "first saw price",
        "first returned",
        "second saw PriceUpdated",
        "first saw started",
        "second saw ServiceStarted",
    ]


async def test_a_publish_from_another_task_waits_for_the_current_delivery(
    bus: EventBus, clock: SimulatedClock
) -> None:
    seen: list[str] = []
    release = asyncio.Event()

    async def slow(event: PriceUpdated) -> None:
        seen.append(f"start {event.quote.last}")
        await release.wait()
        seen.append(f"end {event.quote.last}")

    bus.subscribe(PriceUpdated, slow)
    first = asyncio.create_task(bus.publish(_price(clock, "1")))
    await asyncio.sleep(0)
    second = asyncio.create_task(bus.publish(_price(clock, "2")))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, second)
    assert seen == ["start 1", "end 1", "start 2", "end 2"]
