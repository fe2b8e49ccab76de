"""The trading state (ACTIVE / REDUCING / HALTED), persisted in StateRow so it survives restarts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from app.core.models import TradingState
from app.storage.state_store import StateStore

STATE_KEY = "trading_state"
CAUSE_DAILY_LOSS = "max_daily_loss"
CAUSE_USER = "user"


@dataclass(frozen=True)
class StoredState:
    """The state, why, and (for a daily-loss REDUCING) the trade date it applies to."""

    state: TradingState = TradingState.ACTIVE
    reason: str = ""
    cause: str = CAUSE_USER
    trade_date: date | None = None


def load_state(store: StateStore) -> StoredState:
    """The saved state, or ACTIVE when none (or an unreadable one) is saved."""
    saved = store.load(STATE_KEY)
    if saved is None:
        return StoredState()
    try:
        data = json.loads(saved)
        day = data.get("trade_date")
        return StoredState(
            TradingState(data["state"]),
            str(data.get("reason", "")),
            str(data.get("cause", CAUSE_USER)),
            date.fromisoformat(day) if day else None,
        )
    except (ValueError, KeyError, TypeError):
        # An unreadable record must not silently re-enable trading.
        return StoredState(TradingState.HALTED, "saved trading state unreadable", CAUSE_USER)


def save_state(store: StateStore, stored: StoredState, now: datetime) -> None:
    value = json.dumps(
        {
            "state": stored.state.value,
            "reason": stored.reason,
            "cause": stored.cause,
            "trade_date": stored.trade_date.isoformat() if stored.trade_date else None,
        }
    )
    store.save(STATE_KEY, value, now)
