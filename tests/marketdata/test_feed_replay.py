"""Replay of OHLCV bars from CSV: the sample file replays bar for bar; bad rows name their line."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app.config import Settings
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.errors import DataFormatError
from app.core.events import BarClosed, PriceUpdated
from app.core.models import Interval
from app.marketdata.feeds.replay import ReplayFeed, load_bars_csv
from app.marketdata.service import MarketDataService
from app.paths import resource_dir

SAMPLE = resource_dir() / "sample" / "tqqq_5m.csv"
BEFORE = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
HEADER = "timestamp,open,high,low,close,volume\n"
GOOD = "2026-11-02T09:30:00-05:00,50.00,50.20,49.90,50.10,1000\n"
GOOD2 = "2026-11-02T14:35:00Z,50.10,50.30,50.00,50.25,900\n"


def test_sample_file_is_two_weeks_of_regular_session_five_minute_bars() -> None:
    bars = load_bars_csv(SAMPLE, "TQQQ", Interval.M5)
    assert len(bars) == 780
    assert bars[0].start == datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
    assert bars[-1].start == datetime(2026, 11, 13, 20, 55, tzinfo=UTC)
    assert all(b.volume > 0 for b in bars)


async def test_replay_of_the_sample_produces_the_bars_in_the_file() -> None:
    clock, bus = SimulatedClock(BEFORE), EventBus()
    feed = ReplayFeed(clock, SAMPLE, "TQQQ", Interval.M5)
    settings = Settings(bar_interval=Interval.M5)
    md = MarketDataService(bus, clock, feed, settings)
    closed, prices = [], []
    bus.subscribe(BarClosed, lambda e: closed.append(e.bar))
    bus.subscribe(PriceUpdated, lambda e: prices.append(e.quote))
    await feed.run(md)
    assert closed == feed.bars == load_bars_csv(SAMPLE, "TQQQ", Interval.M5)
    assert clock.now() == datetime(2026, 11, 13, 21, 0, tzinfo=UTC)  # the last bar's end
    assert [q.last for q in prices] == [b.close for b in closed]
    assert all(q.ask - q.bid == Decimal("0.01") for q in prices)
    assert md.current_price("TQQQ") == closed[-1].close


async def test_replay_feeds_larger_intervals_in_use() -> None:
    clock, bus = SimulatedClock(BEFORE), EventBus()
    feed = ReplayFeed(clock, SAMPLE, "TQQQ", Interval.M5)
    md = MarketDataService(bus, clock, feed, Settings(bar_interval=Interval.M5))
    md.track_interval("TQQQ", Interval.H1)
    hourly = []
    bus.subscribe(
        BarClosed, lambda e: hourly.append(e.bar) if e.bar.interval is Interval.H1 else None
    )
    await feed.run(md)
    first = hourly[0]  # 09:30-10:00 then 10:00-11:00 ...
    assert first.start == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    assert first.close == feed.bars[5].close and first.open == feed.bars[0].open
    assert len(hourly) == 10 * 7  # 7 hourly bars per session (09:00 partial ... 15:00)


async def test_history_is_only_what_the_replay_has_already_shown() -> None:
    clock = SimulatedClock(BEFORE)
    feed = ReplayFeed(clock, SAMPLE, "TQQQ", Interval.M5)
    assert await feed.history("TQQQ", Interval.M5, clock.now(), 500) == []
    clock.set(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    shown = await feed.history("TQQQ", Interval.M5, clock.now(), 500)
    assert shown == feed.bars[:6]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (HEADER + GOOD + "2026-11-02T09:35:00-05:00,50.1,50.0,49.9,50.2,10\n", 3, "inconsistent"),
        (HEADER + GOOD + "2026-11-02T09:35:00,50.1,50.3,50.0,50.2,10\n", 3, "offset"),
        (HEADER + GOOD + "2026-11-02T09:35:00-05:00,abc,50.3,50.0,50.2,10\n", 3, "not a number"),
        (HEADER + GOOD + "2026-11-02T09:35:00-05:00,50.1,50.3,50.0,50.2\n", 3, "columns"),
        (HEADER + GOOD + "2026-11-02T09:35:00-05:00,50.1,50.3,50.0,50.2,1.5\n", 3, "whole number"),
        (HEADER + GOOD + "2026-11-02T09:36:00-05:00,50.1,50.3,50.0,50.2,10\n", 3, "not the start"),
        (HEADER + GOOD + GOOD, 3, "not after"),
        (HEADER + GOOD + GOOD2 + "\n2026-11-02T09:45:00-05:00,0,50.3,0,50.2,10\n", 5, "positive"),
        ("when,o,h,l,c,v\n" + GOOD, 1, "header"),
        ("", 1, "header"),
    ],
)
def test_malformed_rows_are_rejected_with_their_line_number(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(text)
    with pytest.raises(DataFormatError) as info:
        ReplayFeed(SimulatedClock(BEFORE), path, "TQQQ", Interval.M5)
    assert info.value.line == line
    assert words in str(info.value) and f"line {line}" in str(info.value)


def test_a_file_without_bars_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(HEADER + "\n")
    with pytest.raises(DataFormatError, match="no bars"):
        load_bars_csv(path, "TQQQ", Interval.M5)


def test_a_file_saved_with_a_utf8_bom_is_read(tmp_path: Path) -> None:
    """Spreadsheets (Excel's "CSV UTF-8") start the file with a byte-order mark."""
    text = SAMPLE.read_text(encoding="utf-8")
    with_bom = tmp_path / "excel.csv"
    with_bom.write_text(text, encoding="utf-8-sig")
    assert with_bom.read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_bars_csv(with_bom, "TQQQ", Interval.M5) == load_bars_csv(
        SAMPLE, "TQQQ", Interval.M5
    )
