"""The status bar: mode badge, market session and time to its next change, New York clock,
the health of each service, account equity and buying power.

Refreshed by a timer once a simulated second, at most ten times a wall second
(time only from the injected clock).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app import calendar
from app.calendar import NEW_YORK
from app.core.models import HealthState
from app.ui import theme
from app.ui.tables.base import money

_SESSION_NAMES = {"pre": "PRE-MARKET", "regular": "REGULAR", "post": "AFTER HOURS",
                  "closed": "CLOSED"}  # fmt: skip


def format_duration(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours >= 24:
        return f"{hours // 24}d {hours % 24}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {rest % 60:02d}s"


def session_text(now: datetime, around_the_clock: bool) -> str:
    """What the session label says at ``now``."""
    if around_the_clock:
        return "SIMULATED 24h"
    session = calendar.session_at(now)
    nxt, when = calendar.next_session_change(now)
    name = _SESSION_NAMES.get(str(session.value), str(session.value).upper())
    next_name = _SESSION_NAMES.get(str(nxt.value), str(nxt.value)).lower()
    return f"{name} · {next_name} in {format_duration(when - now)}"


def refresh_interval_ms(speed: float | None) -> int:
    """How often the clock label refreshes: once a simulated second, at most ten times a
    wall second (at 1800x the label then trails the chart by at most 3 simulated minutes)."""
    if not speed or speed <= 1:
        return 1000
    return max(100, min(1000, round(1000 / speed)))


class StatusBar(QStatusBar):
    def __init__(
        self,
        clock: Any,
        *,
        around_the_clock: Callable[[], bool],
        mode: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.clock = clock
        self.around_the_clock = around_the_clock
        self.mode_badge = QLabel(mode.upper())
        self.mode_badge.setObjectName("modeBadge")
        self.mode_badge.setProperty("mode", mode.lower())
        self.session = QLabel("")
        self.ny_clock = QLabel("")
        self.health = QLabel("")
        self.account = QLabel("Equity — · Buying power —")
        self.robinhood = QLabel("")  # the Robinhood session (live mode only)
        self.robinhood.setVisible(False)
        self._health: dict[str, tuple[HealthState, str]] = {}
        self.addWidget(self.mode_badge)
        self.addWidget(self.session)
        self.addWidget(self.ny_clock)
        self.addPermanentWidget(self.robinhood)
        self.addPermanentWidget(self.health)
        self.addPermanentWidget(self.account)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_interval_ms(getattr(clock, "speed", None)))
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.tick()

    def tick(self) -> None:
        now = self.clock.now()
        self.ny_clock.setText(now.astimezone(NEW_YORK).strftime("New York %a %H:%M:%S"))
        self.session.setText(session_text(now, self.around_the_clock()))

    def set_health(self, service: str, state: HealthState, reason: str = "") -> None:
        self._health[service] = (state, reason)
        colors = theme.colors()
        parts = []
        tips = []
        for name, (health, why) in sorted(self._health.items()):
            color = {HealthState.HEALTHY: colors.gain, HealthState.DEGRADED: colors.warn,
                     HealthState.STARTING: colors.muted}.get(health, colors.loss)  # fmt: skip
            parts.append(f"<span style='color:{color}'>●</span> {name}")
            tips.append(f"{name}: {health.value}" + (f" — {why}" if why else ""))
        self.health.setText(" ".join(parts))
        self.health.setToolTip("\n".join(tips))

    def set_account(self, equity: Decimal | None, buying_power: Decimal | None) -> None:
        self.account.setText(
            f"Equity {money(equity) or '—'} · Buying power {money(buying_power) or '—'}"
        )

    def set_session(self, text: str, tooltip: str = "", *, warn: bool = False) -> None:
        """The Robinhood session state and expiry (shown once a gateway is attached)."""
        self.robinhood.setText(text)
        self.robinhood.setToolTip(tooltip)
        self.robinhood.setStyleSheet(f"color: {theme.colors().warn}" if warn else "")
        self.robinhood.setVisible(True)
