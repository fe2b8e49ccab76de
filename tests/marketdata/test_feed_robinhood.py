"""The Robinhood feed against the fake Robinhood (real HTTP through the logged-in gateway):
batched quotes, halts, throttling, market hours, historicals into the bar cache."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fake_robinhood import FakeRobinhood
from live_robinhood import eventually, logged_in_gateway, running_fake

from app.brokers.robinhood import Reader
from app.brokers.robinhood.api import RobinhoodApi
from app.calendar import NEW_YORK, Session
from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.models import Bar, Interval, Quote
from app.core.order_rules import quote_is_fresh
from app.gateway.service import GatewayService
from app.marketdata.feeds.robinhood import RobinhoodFeed
from app.marketdata.service import MarketDataService
from app.storage.db import open_database
from app.storage.tables import BarRow

QUOTES = r"/quotes/?"


@pytest.fixture
def fake() -> Iterator[FakeRobinhood]:
    with running_fake() as server:
        yield server


@pytest.fixture
async def gateway(fake: FakeRobinhood) -> AsyncIterator[GatewayService]:
    async with logged_in_gateway(fake) as made:
        yield made


class Sink:
    def __init__(self) -> None:
        self.quotes: list[Quote] = []

    async def on_quote(self, quote: Quote) -> None:
        self.quotes.append(quote)

    async def on_bar(self, bar: Bar) -> None:
        raise AssertionError("the Robinhood feed delivers quotes")


def make_feed(gateway: GatewayService, clock: SimulatedClock | None = None) -> RobinhoodFeed:
    reader = Reader(gateway, RobinhoodApi(gateway.client.session))
    return RobinhoodFeed(reader, clock or SimulatedClock(datetime.now(UTC)), interval=1.0)


def quote_requests(fake: FakeRobinhood) -> list[str]:
    return [r.query.get("symbols", "") for r in fake.calls("GET", "/quotes/")
            if not r.path.startswith("/quotes/historicals")]  # fmt: skip


async def test_every_watched_symbol_in_one_request_and_only_changes_delivered(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    at = datetime(2026, 11, 24, 15, 0, 1, tzinfo=UTC)
    fake.trading.set_quote("SPY", Decimal("599.90"), Decimal("600.05"), at=at)
    fake.trading.set_quote("TQQQ", Decimal("63.10"), Decimal("63.20"), at=at)
    feed = make_feed(gateway)
    feed.subscribe("TQQQ")
    feed.subscribe("SPY")
    sink = Sink()

    assert await feed.poll(sink) == 2
    assert quote_requests(fake) == ["SPY,TQQQ"]
    by_symbol = {q.symbol: q for q in sink.quotes}
    assert (by_symbol["SPY"].bid, by_symbol["SPY"].ask) == (Decimal("599.90"), Decimal("600.05"))
    assert by_symbol["TQQQ"].ask == Decimal("63.20") and not by_symbol["TQQQ"].stale

    assert await feed.poll(sink) == 0  # nothing moved
    fake.trading.set_quote("TQQQ", Decimal("63.30"), Decimal("63.40"), at=at)
    assert await feed.poll(sink) == 1
    assert sink.quotes[-1].bid == Decimal("63.30")


async def test_halted_symbol_is_delivered_stale_so_no_order_uses_it(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    fake.trading.set_quote("TQQQ", Decimal("63.10"), Decimal("63.20"), halted=True)
    feed = make_feed(gateway)
    feed.subscribe("TQQQ")
    sink = Sink()

    await feed.poll(sink)

    [quote] = sink.quotes
    assert quote.stale
    assert not quote_is_fresh(quote, quote.time, stale_seconds=60)


async def test_throttled_quotes_back_off_as_robinhood_asks_then_resume(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    clock = SimulatedClock(datetime.now(UTC))
    feed = make_feed(gateway, clock)
    feed.subscribe("TQQQ")
    sink = Sink()
    fake.throttle_next("GET", QUOTES, seconds=7)
    task = asyncio.create_task(feed.run(sink))
    try:
        await eventually(lambda: feed.next_wait == 7, "the back-off")
        assert sink.quotes == [] and clock.pending_sleepers() == 1
        await clock.run_until(clock.now() + timedelta(seconds=7))
        await eventually(lambda: len(sink.quotes) == 1, "the next poll")
        await eventually(lambda: feed.next_wait == 1, "the normal interval")
    finally:
        task.cancel()
    assert len(quote_requests(fake)) == 2  # no request while throttled


async def test_market_hours_come_from_robinhood_for_each_date(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    feed = make_feed(gateway)
    tuesday, thursday = date(2026, 11, 24), date(2026, 11, 26)  # Thanksgiving: NYSE closed
    noon = datetime(2026, 11, 24, 17, tzinfo=UTC)
    fake.trading.closed_days.add(date(2026, 11, 25))  # Robinhood says closed; calendar not

    hours = await feed.market_hours(tuesday)
    assert hours.is_open and feed.session_at(noon) is Session.REGULAR
    assert feed.session_at(noon.replace(hour=13)) is Session.PRE
    assert feed.session_at(noon.replace(hour=22)) is Session.POST
    await feed.market_hours(date(2026, 11, 25))
    assert feed.session_at(noon + timedelta(days=1)) is Session.CLOSED
    # A date not asked yet falls back to Sherwood's NYSE calendar.
    assert feed.session_at(datetime.combine(thursday, noon.time(), UTC)) is Session.CLOSED


async def test_history_five_minute_fifteen_minute_and_daily(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    feed = make_feed(gateway)
    now = datetime.now(UTC)

    five = await feed.history("TQQQ", Interval.M5, now, 40)
    assert len(five) == 40 and all(b.interval is Interval.M5 for b in five)
    assert all(b.start < c.start for b, c in itertools.pairwise(five))
    assert five[-1].start + timedelta(minutes=5) <= now
    fifteen = await feed.history("TQQQ", Interval.M15, now, 10)
    assert len(fifteen) == 10 and all(b.start.minute % 15 == 0 for b in fifteen)
    daily = await feed.history("TQQQ", Interval.D1, now, 300)
    assert len(daily) == 300
    assert {b.start.astimezone(NEW_YORK).hour for b in daily} == {0}
    assert await feed.history("TQQQ", Interval.M1, now, 10) == []
    calls = fake.calls("GET", "/quotes/historicals")
    assert [(c.query["interval"], c.query["span"]) for c in calls] == [
        ("5minute", "week"), ("5minute", "week"), ("day", "5year"),
    ]  # fmt: skip


async def test_opening_a_symbol_backfills_the_bar_cache(
    fake: FakeRobinhood, gateway: GatewayService, tmp_path: Path
) -> None:
    db = open_database(tmp_path / "live.sqlite3")
    try:
        clock = SimulatedClock(datetime.now(UTC))
        feed = make_feed(gateway, clock)
        market = MarketDataService(EventBus(), clock, feed, Settings(), bar_store=db)
        await market.start()
        await market.watch("TQQQ")
        bars = await market.historical_bars("TQQQ", Interval.M5, 100)
        await market.stop()
        assert len(bars) == 100
        stored = BarRow.select().where(BarRow.symbol == "TQQQ").count(db)
        assert stored >= 100
    finally:
        db.close()


def test_quote_interval_setting_is_validated_with_a_clear_message() -> None:
    from app.config import resolve_settings
    from app.core.errors import SettingsError

    assert Settings().quote_interval_seconds == 2.0
    with pytest.raises(SettingsError, match=r"QUOTE_INTERVAL_SECONDS.*between 1 and 3600"):
        resolve_settings(None, {"QUOTE_INTERVAL_SECONDS": "0.5"})
    with pytest.raises(SettingsError, match="must be a number"):
        resolve_settings(None, {"QUOTE_INTERVAL_SECONDS": "fast"})
    with pytest.raises(SettingsError, match="below QUOTE_STALE_SECONDS"):
        resolve_settings(None, {"MODE": "live", "QUOTE_INTERVAL_SECONDS": "30"})
    assert resolve_settings(None, {"QUOTE_INTERVAL_SECONDS": "5"}).quote_interval_seconds == 5


async def test_live_feed_polls_every_quote_interval_seconds(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    from app.config import Mode
    from app.marketdata.feeds import build_feed

    clock = SimulatedClock(datetime.now(UTC))
    settings = Settings().replace(mode=Mode.LIVE, quote_interval_seconds=3.0)
    feed = build_feed(settings, clock, reader=Reader(gateway, RobinhoodApi(gateway.client.session)))
    assert isinstance(feed, RobinhoodFeed) and feed.interval == 3.0
    feed.subscribe("TQQQ")
    feed.subscribe("SPY")
    fake.trading.set_quote("SPY", Decimal("599.90"), Decimal("600.05"))
    sink = Sink()
    task = asyncio.create_task(feed.run(sink))
    try:
        await eventually(lambda: len(quote_requests(fake)) == 1, "the first poll")
        await eventually(lambda: clock.pending_sleepers() == 1, "the wait")
        await clock.run_until(clock.now() + timedelta(seconds=2.9))
        await asyncio.sleep(0.2)
        assert len(quote_requests(fake)) == 1  # not before the interval
        await clock.run_until(clock.now() + timedelta(seconds=0.1))
        await eventually(lambda: len(quote_requests(fake)) == 2, "the second poll")
    finally:
        task.cancel()
    assert quote_requests(fake) == ["SPY,TQQQ", "SPY,TQQQ"]  # one request for both, each time


async def test_throttled_with_a_retry_after_header_waits_that_long_then_recovers(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    clock = SimulatedClock(datetime.now(UTC))
    feed = make_feed(gateway, clock)
    feed.subscribe("TQQQ")
    sink = Sink()
    fake.throttle_next("GET", QUOTES, seconds=20, header=True)
    task = asyncio.create_task(feed.run(sink))
    try:
        await eventually(lambda: feed.next_wait == 20, "the back-off Retry-After asks")
        await eventually(lambda: clock.pending_sleepers() == 1, "the wait")
        await clock.run_until(clock.now() + timedelta(seconds=19))
        await asyncio.sleep(0.2)
        assert sink.quotes == [] and len(quote_requests(fake)) == 1
        await clock.run_until(clock.now() + timedelta(seconds=1))
        await eventually(lambda: len(sink.quotes) == 1, "the quote after the wait")
        await eventually(lambda: feed.next_wait == 1, "the normal interval")
    finally:
        task.cancel()


async def test_logged_out_quotes_wait_without_requests_and_resume_at_login(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    clock = SimulatedClock(datetime.now(UTC))
    feed = make_feed(gateway, clock)
    feed.subscribe("TQQQ")
    sink = Sink()
    await gateway.logout()
    task = asyncio.create_task(feed.run(sink))
    try:
        for _ in range(3):  # three intervals logged out: no request, no growing back-off
            await eventually(lambda: clock.pending_sleepers() == 1, "the wait")
            assert feed.next_wait == 1
            await clock.run_until(clock.now() + timedelta(seconds=1))
        assert quote_requests(fake) == [] and sink.quotes == []
        await gateway.login("dave", "hunter2")
        await eventually(lambda: clock.pending_sleepers() == 1, "the wait")
        await clock.run_until(clock.now() + timedelta(seconds=1))
        await eventually(lambda: len(sink.quotes) == 1, "quotes after the login")
    finally:
        task.cancel()


async def test_one_minute_history_is_what_sherwood_recorded_robinhood_has_none(
    fake: FakeRobinhood, gateway: GatewayService, tmp_path: Path
) -> None:
    from app.config import Mode
    from app.marketdata.cache import BarCache

    db = open_database(tmp_path / "live.sqlite3")
    try:
        now = datetime(2026, 11, 24, 16, 0, 30, tzinfo=UTC)  # Tuesday 11:00:30 New York
        earlier = [
            Bar("TQQQ", Interval.M1, now.replace(second=0) - timedelta(minutes=n),
                Decimal("63"), Decimal("63.2"), Decimal("62.9"), Decimal("63.1"), 100)
            for n in range(40, 0, -1)
        ]  # fmt: skip
        store = BarCache(db)
        store.add(earlier)  # built from quotes in an earlier session
        store.flush()
        clock = SimulatedClock(now)
        settings = Settings().replace(mode=Mode.LIVE, bar_interval=Interval.M1)
        from app.marketdata.feeds import build_feed

        reader = Reader(gateway, RobinhoodApi(gateway.client.session))
        feed = build_feed(settings, clock, reader=reader, recorded=BarCache(db).load)
        market = MarketDataService(EventBus(), clock, feed, settings, bar_store=db)
        await market.start()
        try:
            bars = await market.historical_bars("TQQQ", Interval.M1, 30)
        finally:
            await market.stop()
        assert [b.start for b in bars] == [b.start for b in earlier[-30:]]
        assert fake.calls("GET", "/quotes/historicals") == []  # nothing asked of Robinhood
    finally:
        db.close()


async def test_the_fake_refuses_what_robinhood_refuses(
    fake: FakeRobinhood, gateway: GatewayService
) -> None:
    from app.core.errors import BrokerError

    reader = Reader(gateway, RobinhoodApi(gateway.client.session))
    url = f"{fake.url}/quotes/historicals/"
    for interval, span in (("minute", "day"), ("15second", "day"), ("5minute", "month"),
                           ("day", "day"), ("hour", "year")):  # fmt: skip
        with pytest.raises(BrokerError):
            await reader.get(url, {"symbols": "TQQQ", "interval": interval, "span": span})
    data = await reader.get(url, {"symbols": "TQQQ", "interval": "10minute", "span": "day"})
    assert data["results"][0]["interval"] == "10minute"
