"""The account view: the equity curve from the portfolio's snapshots and realized P&L per day.

Two pyqtgraph plots, side by side in a wide dock and one above the other in a
tall one. The data comes from the portfolio through :class:`AccountHistory`
(its stored equity snapshots and its realized P&L summed per New York trade
date); the controller calls :meth:`AccountView.add_snapshot` when a snapshot is
stored and :meth:`AccountView.on_trade` when a trade completes. A fresh account
shows what each plot is waiting for instead of empty axes. Nothing is computed
here beyond what a label needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from app.calendar import NEW_YORK
from app.core.events import EquitySnapshotTaken, TradeCompleted
from app.ui import theme
from app.ui.tables.base import money, signed_money

SNAPSHOTS = 5000  # equity points drawn (one a minute: about two weeks of a running app)
DAYS_SHOWN = 92  # calendar days of realized P&L bars (about a quarter)
BAR_WIDTH = 0.7  # of a day's slot
MIN_SLOTS = 7  # the bars plot is at least this many days wide (one bar is not a wall)
WIDE = 1.6  # width / height above which the two plots sit side by side
MIN_SIZE = QSize(280, 150)

EMPTY_EQUITY = "No equity snapshots yet.\nThe curve starts with the first one (one a minute)."
EMPTY_DAYS = "No realized P&L yet.\nA day's bar appears when a position is sold."


class AccountHistory(Protocol):
    """What the account view reads from the portfolio."""

    def equity_curve(self, limit: int = ...) -> list[tuple[datetime, Decimal]]: ...

    def realized_by_day(self, since: date) -> list[tuple[date, Decimal]]: ...


class NewYorkTimeAxis(pg.DateAxisItem):
    """pyqtgraph's date axis (epoch seconds), labelled in New York time."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if spacing >= 86400:
            fmt = "%b %d"
        elif spacing >= 3600:
            fmt = "%a %H:%M"
        elif spacing >= 60:
            fmt = "%H:%M"
        else:
            fmt = "%H:%M:%S"
        return [datetime.fromtimestamp(value, NEW_YORK).strftime(fmt) for value in values]


class DayAxis(pg.AxisItem):
    """Bottom axis of the daily bars: slot i is the i-th day that had a realized P&L."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("bottom", **kwargs)
        self.days: list[date] = []

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        first, last = max(0, int(minVal + 0.999)), min(len(self.days) - 1, int(maxVal))
        if last < first:
            return []
        step = max(1, (last - first + 1) // max(1, int(size // 70)))
        return [(float(step), [float(i) for i in range(first, last + 1, step)])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for value in values:
            index = round(value)
            out.append(self.days[index].strftime("%b %d") if 0 <= index < len(self.days) else "")
        return out


def _placeholder(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setProperty("role", "placeholder")
    label.setStyleSheet(f"color: {theme.colors().muted}; font-size: 13px;")
    return label


def _plot(title: str, bottom: pg.AxisItem) -> pg.PlotWidget:
    plot = pg.PlotWidget(axisItems={"bottom": bottom})
    plot.setTitle(title, size="10pt")
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=False, y=True, alpha=0.25)
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.getAxis("left").setWidth(64)
    return plot


class AccountView(QWidget):
    """Equity curve and realized P&L per day of one account."""

    def __init__(
        self,
        history: AccountHistory,
        today: Callable[[], date],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("accountView")
        self.history = history
        self.today = today
        self.times: list[float] = []  # epoch seconds of the equity points
        self.equity: list[float] = []
        self.days: list[tuple[date, Decimal]] = []

        self.summary = QLabel("")
        self.summary.setObjectName("accountSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.equity_plot = _plot("Equity", NewYorkTimeAxis())
        self.curve = self.equity_plot.plot()
        self.day_axis = DayAxis()
        self.days_plot = _plot("Realized P&L per day", self.day_axis)
        self.days_plot.setMouseEnabled(x=False, y=False)
        self.zero_line = pg.InfiniteLine(pos=0, angle=0)
        self.days_plot.addItem(self.zero_line)
        self.gain_bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH)
        self.loss_bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH)
        self.days_plot.addItem(self.gain_bars)
        self.days_plot.addItem(self.loss_bars)
        self.equity_empty = _placeholder(EMPTY_EQUITY)
        self.days_empty = _placeholder(EMPTY_DAYS)
        self.equity_stack = QStackedWidget()
        self.equity_stack.addWidget(self.equity_empty)
        self.equity_stack.addWidget(self.equity_plot)
        self.days_stack = QStackedWidget()
        self.days_stack.addWidget(self.days_empty)
        self.days_stack.addWidget(self.days_plot)

        self.plots = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.plots.setSpacing(6)
        self.plots.addWidget(self.equity_stack, 3)
        self.plots.addWidget(self.days_stack, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.summary)
        layout.addLayout(self.plots, 1)
        # side by side at its smallest (a dock tabbed under the chart): room for each message
        self.setMinimumSize(MIN_SIZE)
        self.restyle()

    # --- data in ---
    def reload(self) -> None:
        """Read the whole history again (at start and after a reset)."""
        self.set_curve(self.history.equity_curve(SNAPSHOTS))
        self.reload_days()

    def reload_days(self) -> None:
        since = self.today() - timedelta(days=DAYS_SHOWN)
        self.set_days(self.history.realized_by_day(since))

    def set_curve(self, points: Sequence[tuple[datetime, Decimal]]) -> None:
        self.times = [epoch(when) for when, _ in points]
        self.equity = [float(value) for _, value in points]
        self._draw_curve()

    def add_snapshot(self, event: EquitySnapshotTaken) -> None:
        """A snapshot was stored: one more point at the end of the curve."""
        self.times.append(epoch(event.time))
        self.equity.append(float(event.equity))
        if len(self.times) > SNAPSHOTS:
            del self.times[0], self.equity[0]
        self._draw_curve()

    def on_trade(self, event: TradeCompleted) -> None:
        """A sell realizes P&L: its day's bar changes."""
        if event.realized_pnl is not None:
            self.reload_days()

    def set_days(self, days: Sequence[tuple[date, Decimal]]) -> None:
        self.days = list(days)
        self.day_axis.days = [day for day, _ in self.days]
        gains = [(i, float(v)) for i, (_, v) in enumerate(self.days) if v >= 0]
        losses = [(i, float(v)) for i, (_, v) in enumerate(self.days) if v < 0]
        self.gain_bars.setOpts(x=[i for i, _ in gains], height=[v for _, v in gains])
        self.loss_bars.setOpts(x=[i for i, _ in losses], height=[v for _, v in losses])
        self.days_stack.setCurrentIndex(1 if self.days else 0)
        if self.days:
            low = min(0.0, *(float(v) for _, v in self.days))
            high = max(0.0, *(float(v) for _, v in self.days))
            pad = (high - low) * 0.1 or 1.0
            last = len(self.days) - 1  # today (or the latest day) at the right edge
            self.days_plot.setXRange(last - max(last, MIN_SLOTS - 1) - 0.6, last + 0.6, padding=0)
            self.days_plot.setYRange(low - (pad if low < 0 else 0), high + pad, padding=0)
        self._summarize()

    # --- drawing ---
    def _draw_curve(self) -> None:
        self.curve.setData(self.times, self.equity)
        self.equity_stack.setCurrentIndex(1 if self.times else 0)
        self._summarize()

    def _summarize(self) -> None:
        c = theme.colors()
        parts = []
        if self.equity:
            first, last = Decimal(str(self.equity[0])), Decimal(str(self.equity[-1]))
            change = last - first
            color = c.gain if change >= 0 else c.loss
            since = datetime.fromtimestamp(self.times[0], NEW_YORK).strftime("%b %d")
            parts.append(f"Equity <b>{money(last)}</b> <span style='color:{color}'>"
                         f"{signed_money(change)}</span> since {since}")  # fmt: skip
        if self.days:
            total = sum((value for _, value in self.days), Decimal(0))
            color = c.gain if total >= 0 else c.loss
            parts.append(f"Realized over {len(self.days)} day(s) <span style='color:{color}'>"
                         f"<b>{signed_money(total)}</b></span>")  # fmt: skip
        self.summary.setText(" &nbsp;·&nbsp; ".join(parts) or "No account history yet")

    def restyle(self) -> None:
        """Colours of the current theme (after the theme changed)."""
        c = theme.colors()
        for plot in (self.equity_plot, self.days_plot):
            plot.setBackground(c.base)
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setTextPen(c.muted)
                axis.setPen(c.muted)
            plot.setTitle(plot.plotItem.titleLabel.text, color=c.text, size="10pt")
        self.curve.setPen(pg.mkPen(c.accent, width=2))
        self.zero_line.setPen(pg.mkPen(c.muted, width=1))
        self.gain_bars.setOpts(brush=pg.mkBrush(c.gain), pen=pg.mkPen(c.gain))
        self.loss_bars.setOpts(brush=pg.mkBrush(c.loss), pen=pg.mkPen(c.loss))
        for label in (self.equity_empty, self.days_empty):
            label.setStyleSheet(f"color: {c.muted}; font-size: 13px;")
        self._summarize()

    def resizeEvent(self, event: QResizeEvent) -> None:
        size = event.size()
        wide = size.width() > WIDE * size.height()
        self.plots.setDirection(
            QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        )
        super().resizeEvent(event)


def epoch(when: datetime) -> float:
    """Seconds since the epoch of an aware ``when`` (naive times are taken as UTC)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
