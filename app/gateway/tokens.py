"""The OAuth tokens of one Robinhood session, with a repr that never shows them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

_TOKENISH = re.compile(r"[A-Za-z0-9_\-.=+/]{24,}")


def redact(text: str) -> str:
    """``text`` with anything shaped like a token (24+ token characters) masked."""
    return _TOKENISH.sub("[redacted]", text)


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    token_type: str
    expires_at: datetime
    scope: str = "internal"

    def __repr__(self) -> str:
        return f"Tokens(token_type={self.token_type!r}, expires_at={self.expires_at.isoformat()})"

    __str__ = __repr__

    @property
    def authorization(self) -> str:
        return f"{self.token_type} {self.access_token}"

    def expires_within(self, now: datetime, margin: timedelta) -> bool:
        return self.expires_at - now <= margin

    @classmethod
    def from_answer(cls, data: dict[str, Any], now: datetime) -> Tokens:
        """From Robinhood's token answer (``expires_in`` seconds from ``now``)."""
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            token_type=str(data.get("token_type") or "Bearer"),
            expires_at=now + timedelta(seconds=float(data.get("expires_in") or 0)),
            scope=str(data.get("scope") or "internal"),
        )


@dataclass(frozen=True, slots=True)
class StoredSession:
    """What the keyring keeps: the tokens and who they belong to."""

    username: str
    tokens: Tokens

    def __repr__(self) -> str:
        return f"StoredSession(username={self.username!r}, {self.tokens!r})"

    def to_json(self) -> str:
        t = self.tokens
        return json.dumps({
            "username": self.username, "access_token": t.access_token,
            "refresh_token": t.refresh_token, "token_type": t.token_type,
            "expires_at": t.expires_at.isoformat(), "scope": t.scope,
        })  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> StoredSession:
        data = json.loads(text)
        tokens = Tokens(
            access_token=data["access_token"], refresh_token=data["refresh_token"],
            token_type=data["token_type"], expires_at=datetime.fromisoformat(data["expires_at"]),
            scope=data.get("scope", "internal"),
        )  # fmt: skip
        return cls(username=str(data.get("username", "")), tokens=tokens)
