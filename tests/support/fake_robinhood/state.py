"""What the fake Robinhood knows: users and how they log in, tokens, accounts, positions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any


def utc_text(when: datetime) -> str:
    """Robinhood's time format: UTC ISO with microseconds and a Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def money_text(value: Decimal, places: int = 4) -> str:
    """Robinhood sends prices and amounts as strings."""
    return f"{value:.{places}f}"


def new_token() -> str:
    return secrets.token_urlsafe(48)


@dataclass
class User:
    """A login and the way Robinhood challenges it.

    ``mfa``: None, "totp" (``mfa_required`` with ``mfa_type`` app) or "sms_mfa".
    ``verification``: None, "prompt", "sms" or "email" (the verification workflow).
    A prompt is approved after ``approve_after_polls`` status polls (None: never;
    "denied" after ``deny_after_polls`` when set).
    """

    username: str
    password: str
    mfa: str | None = None
    verification: str | None = None
    code: str = "123456"
    approve_after_polls: int | None = 2
    deny_after_polls: int | None = None
    attempts: int = 3
    trusted_devices: set[str] = field(default_factory=set)


@dataclass
class Workflow:
    id: str
    user: User
    device_token: str
    inquiry_id: str = ""
    challenge_id: str = ""
    kind: str = ""
    status: str = "issued"  # issued -> validated | failed
    polls: int = 0
    remaining: int = 3
    approved: bool = False


@dataclass
class Grant:
    username: str
    access_token: str
    refresh_token: str
    expires_at: datetime
    revoked: bool = False


@dataclass
class Position:
    symbol: str
    quantity: Decimal
    average_buy_price: Decimal


@dataclass
class Instrument:
    id: str
    symbol: str
    name: str


@dataclass
class Account:
    number: str = "5QR00042"
    type: str = "margin"
    cash: Decimal = Decimal("1523.47")
    buying_power: Decimal = Decimal("1523.47")
    unsettled_funds: Decimal = Decimal("0")
    equity: Decimal = Decimal("2031.87")
    equity_previous_close: Decimal = Decimal("2010.12")
    day_trades: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class State:
    users: dict[str, User] = field(default_factory=dict)
    workflows: dict[str, Workflow] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)  # by access token
    account: Account = field(default_factory=Account)
    instruments: dict[str, Instrument] = field(default_factory=dict)  # by id
    positions: list[Position] = field(default_factory=list)
    expires_in: int = 86400
    now: Any = field(default=lambda: datetime.now(UTC))

    def instrument_for(self, symbol: str) -> Instrument:
        for instrument in self.instruments.values():
            if instrument.symbol == symbol:
                return instrument
        made = Instrument(secrets.token_hex(16), symbol, f"{symbol} (fake)")
        self.instruments[made.id] = made
        return made

    def grant(self, username: str) -> Grant:
        grant = Grant(
            username, new_token(), new_token(),
            self.now() + timedelta(seconds=self.expires_in),
        )  # fmt: skip
        self.grants[grant.access_token] = grant
        return grant

    def live_grant(self, access_token: str | None) -> Grant | None:
        grant = self.grants.get(access_token or "")
        if grant is None or grant.revoked or grant.expires_at <= self.now():
            return None
        return grant
