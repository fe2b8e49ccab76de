"""The PDT meter: day trades used of the maximum, remaining, drop-off dates, policy.

Green while two or more day trades remain, amber when the next one would
reach the limit, red when none remain. It renders ``compliance.status()``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from app.ui import theme

GREEN, AMBER, RED = "green", "amber", "red"


def level(status: Any) -> str:
    """green / amber / red from a PdtStatus."""
    if status.remaining <= 0:
        return RED
    if status.next_day_trade_reaches_limit or status.remaining == 1:
        return AMBER
    return GREEN


def _color(name: str) -> str:
    colors = theme.colors()
    return {GREEN: colors.gain, AMBER: colors.warn, RED: colors.loss}[name]


class PdtMeter(QWidget):
    def __init__(self, compliance: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.compliance = compliance
        self.level = GREEN
        self.headline = QLabel("—")
        self.headline.setObjectName("pdtHeadline")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.remaining = QLabel("")
        self.drop_offs = QLabel("")
        self.drop_offs.setWordWrap(True)
        self.drop_offs.setProperty("role", "muted")
        self.policy = QLabel("")
        self.policy.setProperty("role", "muted")
        self.policy.setWordWrap(True)
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.hide()
        layout = QVBoxLayout(self)
        layout.setSpacing(3)
        for widget in (self.headline, self.bar, self.remaining, self.warning, self.drop_offs,
                       self.policy):  # fmt: skip
            layout.addWidget(widget)
        layout.addStretch(1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._hold_height()

    def _hold_height(self) -> None:
        """Ask for the height the wrapped lines need at this width: a dock knows no
        height-for-width, and would squeeze the meter's text under the bot panel."""
        layout = self.layout()
        if layout is None:
            return
        need = layout.totalHeightForWidth(max(1, self.width()))
        if need > 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)

    def refresh(self) -> None:
        status_of = getattr(self.compliance, "status", None)
        if status_of is None:
            return
        self.show_status(status_of())

    def show_status(self, status: Any) -> None:
        self.level = level(status)
        color = _color(self.level)
        self.headline.setText(f"Day trades: {status.used} of {status.limit}")
        self.headline.setStyleSheet(f"font-size: 15px; font-weight: bold; color: {color};")
        self.bar.setMaximum(max(1, status.limit))
        self.bar.setValue(min(status.used, max(1, status.limit)))
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {color}; }}")
        window = f"in the last {status.window_days} sessions"
        counts = ""  # a live broker keeps its own count: both are shown, the meter uses `used`
        if status.broker_count is not None:
            counts = f" · Robinhood {status.broker_count}, Sherwood {status.own_count}"
        self.remaining.setText(f"{status.remaining} remaining {window}{counts}")
        if status.drop_offs:
            groups: dict[str, int] = {}  # same symbol, day and drop-off date: one line
            for trade, when in status.drop_offs:
                key = f"{trade.symbol} ({_trade_date(trade)}) {{}} out {when:%a %b %d}"
                groups[key] = groups.get(key, 0) + 1
            lines = [
                f"{n} x {key.format('drop')}" if n > 1 else key.format("drops")
                for key, n in groups.items()
            ]
            self.drop_offs.setText("\n".join(lines))
        else:
            self.drop_offs.setText("No day trades in the window")
        restricted = "restricted (under $25,000)" if status.restricted else "not restricted"
        pdt = "; flagged pattern day trader" if status.pattern_day_trader else ""
        self.policy.setText(
            f"Policy: {_value(status.policy)} · {_value(status.account_type)} account · "
            f"{restricted}{pdt}"
        )
        if status.remaining <= 0:
            self._warn(f"Limit reached: no day trades until {_next_drop(status)}")
        elif status.next_day_trade_reaches_limit:
            self._warn("Careful: the next day trade reaches the limit")
        else:
            self.warning.hide()
        self._hold_height()

    def _warn(self, text: str) -> None:
        self.warning.setText(text)
        self.warning.setStyleSheet(f"color: {_color(self.level)}; font-weight: bold;")
        self.warning.show()


def _value(item: Any) -> str:
    return str(getattr(item, "value", item))


def _trade_date(trade: Any) -> str:
    when = getattr(trade, "trade_date", None)
    return when.strftime("%b %d") if when is not None else ""


def _next_drop(status: Any) -> str:
    if status.drop_offs:
        return f"{min(when for _trade, when in status.drop_offs):%a %b %d}"
    return "the window moves on"
