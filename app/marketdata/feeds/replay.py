"""Replay of OHLCV bars from a CSV file, on a simulated clock.

File format (UTF-8, comma separated, one header line then one bar per line,
oldest first)::

    timestamp,open,high,low,close,volume
    2026-11-02T09:30:00-05:00,50.12,50.31,50.02,50.27,812400

``timestamp`` is the bar's start, ISO 8601 with a UTC offset or ``Z``
(naive times are refused); it must be aligned to the interval in New York
time and strictly increasing. Prices are decimal dollars (low <= open, close
<= high, all positive); volume is a whole number of shares. Blank lines are
skipped. The whole file is checked before anything is used: the first bad row
raises :class:`~app.core.errors.DataFormatError` naming its 1-based line.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from app import calendar
from app.calendar import Session
from app.core.clock import SimulatedClock
from app.core.errors import DataFormatError
from app.core.models import Bar, Interval, normalize_symbol
from app.marketdata.bars import aggregate, bounds_ts, is_aligned
from app.marketdata.feeds.base import Feed, QuoteSink

HEADER = ["timestamp", "open", "high", "low", "close", "volume"]
YIELD_EVERY = 2000  # bars between yields to the event loop


def _parse_time(text: str) -> datetime:
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    when = datetime.fromisoformat(raw)
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"timestamp {text!r} has no UTC offset (add Z or e.g. -05:00)")
    return when.astimezone(UTC)


def _parse_price(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{name} {text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{name} must be a positive price, got {text!r}")
    return value


def _parse_row(row: Sequence[str], symbol: str, interval: Interval) -> Bar:
    if len(row) != len(HEADER):
        raise ValueError(f"expected {len(HEADER)} columns ({','.join(HEADER)}), got {len(row)}")
    try:
        start = _parse_time(row[0])
    except ValueError as exc:
        raise ValueError(f"bad timestamp {row[0]!r}: {exc}") from None
    if not is_aligned(interval, start):
        raise ValueError(f"timestamp {row[0]} is not the start of a {interval.value} bar")
    o, h, lo, c = (_parse_price(n, t) for n, t in zip(HEADER[1:5], row[1:5], strict=True))
    try:
        volume = int(row[5].strip())
    except ValueError:
        raise ValueError(f"volume {row[5]!r} is not a whole number") from None
    return Bar(symbol, interval, start, o, h, lo, c, volume)


def load_bars_csv(path: str | Path, symbol: str, interval: Interval) -> list[Bar]:
    """Read and check a whole bar file (see the module docstring); all or nothing."""
    name = str(path)
    symbol = normalize_symbol(symbol)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a spreadsheet may write a BOM
    except OSError as exc:
        raise DataFormatError(name, 0, f"cannot read the file: {exc.strerror or exc}") from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows or [c.strip().lower() for c in rows[0]] != HEADER:
        raise DataFormatError(name, 1, f"the first line must be the header {','.join(HEADER)}")
    bars: list[Bar] = []
    previous: datetime | None = None
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        try:
            bar = _parse_row(row, symbol, interval)
        except ValueError as exc:
            raise DataFormatError(name, number, str(exc)) from None
        if previous is not None and bar.start <= previous:
            raise DataFormatError(
                name, number, f"timestamp {row[0]} is not after the previous row's"
            )
        previous = bar.start
        bars.append(bar)
    if not bars:
        raise DataFormatError(name, len(rows) + 1, "the file has no bars")
    return bars


class ReplayFeed(Feed):
    """Emits the bars of a CSV file in order, setting the simulated clock to each bar's end.

    Sessions: by default every instant is REGULAR (the file decides when there
    is trading); with ``follow_nyse_sessions`` the NYSE calendar is used.
    """

    simulated = True

    def __init__(
        self,
        clock: SimulatedClock,
        path: str | Path,
        symbol: str,
        interval: Interval,
        follow_nyse_sessions: bool = False,
    ) -> None:
        super().__init__()
        self.clock = clock
        self.symbol = normalize_symbol(symbol)
        self.interval = interval
        self.follow_nyse_sessions = follow_nyse_sessions
        self.bars = load_bars_csv(path, self.symbol, interval)
        self._ends = [bounds_ts(interval, b.start.timestamp())[1] for b in self.bars]
        self.name = f"replay {Path(path).name}"
        self.position = 0  # bars emitted so far

    def session_at(self, when: datetime) -> Session:
        return calendar.session_at(when) if self.follow_nyse_sessions else Session.REGULAR

    def knows(self, symbol: str) -> bool:
        return symbol == self.symbol

    async def history(
        self, symbol: str, interval: Interval, end: datetime, count: int
    ) -> list[Bar]:
        """Bars of the file already closed at ``end`` (and at the clock's time)."""
        if symbol != self.symbol or count <= 0 or interval.seconds < self.interval.seconds:
            return []
        limit = min(end.timestamp(), self.clock.now().timestamp())
        done = [b for b, e in zip(self.bars, self._ends, strict=True) if e <= limit]
        if interval is not self.interval:
            done = aggregate(done, interval, complete_before=limit)
        return done[-count:]

    async def run(self, sink: QuoteSink) -> None:
        """Emit every remaining bar, then return."""
        clock = self.clock
        bars, ends = self.bars, self._ends
        while self.position < len(bars):
            i = self.position
            end = datetime.fromtimestamp(ends[i], UTC)
            if end > clock.now():
                clock.set(end)
            self.position = i + 1
            await sink.on_bar(bars[i])
            if self.position % YIELD_EVERY == 0:
                await asyncio.sleep(0)
