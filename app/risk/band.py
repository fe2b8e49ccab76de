"""The quiet band: the open interval of bids inside which a price makes the risk service idle.

Pure arithmetic over the exact rules of :mod:`app.risk.exits` and the daily
loss limit, solved for the bid and shrunk by a relative margin so Decimal
rounding can never put a triggering price inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.config import Settings
from app.core.models import Position

Band = tuple[Decimal, Decimal]

NEG_INF = Decimal("-Infinity")
POS_INF = Decimal("Infinity")
EVERYTHING: Band = (NEG_INF, POS_INF)
MARGIN = Decimal("1e-9")  # relative shrink of each finite edge
_HUNDRED = Decimal(100)


def _inward(value: Decimal, up: bool) -> Decimal:
    """``value`` moved towards the inside of the band by the relative margin (at least 1e-9)."""
    step = max(abs(value) * MARGIN, MARGIN)
    return value + step if up else value - step


def exit_band(position: Position, settings: Settings) -> Band | None:
    """Bids between the stop-loss and profit-target trigger prices (None: no usable entry)."""
    entry = position.average_cost
    if not entry.is_finite() or entry <= 0:
        return None
    stop = entry * (1 + settings.stop_loss_pct / _HUNDRED)
    target = entry * (1 + settings.profit_target_pct / _HUNDRED)
    return stop, target


def daily_loss_floor(
    quantity: Decimal, base: Decimal, rest_pnl: Decimal, max_daily_loss: Decimal
) -> Decimal:
    """The bid at which ``rest_pnl + (bid - base) * quantity`` reaches ``-max_daily_loss``."""
    return base + (-max_daily_loss - rest_pnl) / quantity


def combine(low: Decimal, high: Decimal) -> Band | None:
    """The open band (low, high) shrunk by the margin; bids <= 0 are never inside it."""
    if low.is_finite():
        low = _inward(low, up=True)
    if high.is_finite():
        high = _inward(high, up=False)
    if low < 0:
        low = Decimal(0)
    if not low < high:
        return None
    return low, high


@dataclass(slots=True)
class CachedBand:
    """A band and what it was computed from: valid while all of it is unchanged.

    ``start``/``end`` bound the UTC hour it was computed in (the trade date and
    the day marks cannot change inside one); ``version`` is the portfolio's
    change counter, ``stored``/``settings`` the risk state and settings objects,
    ``others`` the latest quotes of the other open positions (their marks).
    """

    low: Decimal
    high: Decimal
    start: datetime
    end: datetime
    version: object
    stored: object
    settings: object
    others: tuple[tuple[str, object], ...]


def hour_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The UTC hour holding ``now``: [start, end)."""
    start = datetime.fromtimestamp(now.timestamp() // 3600 * 3600, UTC)
    return start, start + timedelta(hours=1)
