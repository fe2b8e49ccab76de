"""Daily-loss reference prices ("day marks"), persisted so a restart keeps them.

For a position held overnight, today's unrealized P&L counts from the first
price seen this New York trade date (a stand-in for the previous close). That
mark must survive a mid-day restart: otherwise a restart after a loss would
reset the reference to the lower price and hide the loss from MAX_DAILY_LOSS.
The marks of the current trade date live in one StateRow; a new trade date
starts with none.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from app.storage.state_store import StateStore

log = logging.getLogger(__name__)

DAY_MARKS_KEY = "risk_day_marks"


def load_day_marks(store: StateStore, day: date) -> dict[str, Decimal]:
    """The marks saved for trade date ``day`` (none for another date or an unreadable row)."""
    saved = store.load(DAY_MARKS_KEY)
    if saved is None:
        return {}
    try:
        data = json.loads(saved)
        if data.get("trade_date") != day.isoformat():
            return {}
        return {str(symbol): Decimal(str(mark)) for symbol, mark in data["marks"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, InvalidOperation):
        log.warning("saved day marks unreadable; today's daily loss counts from the next prices")
        return {}


def save_day_marks(store: StateStore, day: date, marks: dict[str, Decimal], now: datetime) -> None:
    value = json.dumps(
        {"trade_date": day.isoformat(), "marks": {s: str(m) for s, m in sorted(marks.items())}}
    )
    store.save(DAY_MARKS_KEY, value, now)
