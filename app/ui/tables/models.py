"""The five tables: positions, orders, fills, signals, log — columns and row types."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, Signal

from app.core.models import Fill, Order, OrderStatus, Side
from app.core.models import Signal as TradeSignal
from app.ui import theme
from app.ui.tables.base import (
    NEW_YORK,
    Column,
    Index,
    KeyedTableModel,
    clock_time,
    money,
    pct,
    pnl_color,
    price,
    qty,
    signed_money,
)


def _side_color(side: Side) -> str:
    return theme.colors().gain if side is Side.BUY else theme.colors().loss


# --- positions ----------------------------------------------------------------------------


def positions_model() -> KeyedTableModel[Any]:
    """Rows are the portfolio's PositionView objects, keyed by symbol."""
    return KeyedTableModel(
        [
            Column("Symbol", lambda p: p.symbol),
            Column("Qty", lambda p: qty(p.quantity), numeric=True),
            Column("Avg cost", lambda p: price(p.average_cost), numeric=True),
            Column("Last", lambda p: price(p.last_price) + (" (stale)" if p.stale else ""),
                   numeric=True),
            Column("Mkt value", lambda p: money(p.market_value), numeric=True),
            Column("Unrl P&L", lambda p: signed_money(p.unrealized_pnl),
                   lambda p: pnl_color(p.unrealized_pnl), numeric=True),
            Column("Unrl %", lambda p: pct(p.unrealized_pct), lambda p: pnl_color(p.unrealized_pct),
                   numeric=True),
            Column("Realized today", lambda p: signed_money(p.realized_today),
                   lambda p: pnl_color(p.realized_today), numeric=True),
        ],
        key=lambda p: p.symbol,
    )  # fmt: skip


# --- orders -------------------------------------------------------------------------------


def _status_color(order: Order) -> str | None:
    colors = theme.colors()
    if order.status in (OrderStatus.DENIED, OrderStatus.REJECTED):
        return colors.loss
    if order.status is OrderStatus.FILLED:
        return colors.gain
    if order.status.is_open:
        return colors.accent
    return colors.muted


_REFUSED = (OrderStatus.DENIED, OrderStatus.REJECTED)


def _refused_color(order: Order) -> str | None:
    """A denied or rejected order is greyed out: it never reached the market."""
    return theme.colors().muted if order.status in _REFUSED else None


def _order_side_color(order: Order) -> str:
    return theme.colors().muted if order.status in _REFUSED else _side_color(order.side)


def _status_text(order: Order) -> str:
    text = order.status.value.replace("_", " ")
    return f"✕ {text.upper()}" if order.status in _REFUSED else text


def _order_amount(order: Order) -> str:
    if order.quantity is not None:
        return qty(order.quantity)
    return money(order.request.notional)


def orders_model() -> KeyedTableModel[Order]:
    return KeyedTableModel(
        [
            # narrow first columns and the status early: it shows in a narrow pane
            Column("Time", lambda o: clock_time(o.created_at), _refused_color, width=66),
            Column("Symbol", lambda o: o.symbol, _refused_color, width=60),
            Column("Side", lambda o: o.side.value.upper(), _order_side_color, width=44),
            Column("Qty", _order_amount, _refused_color, numeric=True, width=80),
            Column("Status", _status_text, _status_color),
            Column("Filled", lambda o: qty(o.filled_quantity), numeric=True),
            Column("Avg price", lambda o: price(o.average_fill_price), numeric=True),
            Column("Type", lambda o: o.request.order_type.value),
            Column("Limit", lambda o: price(o.request.limit_price), numeric=True),
            Column("Source", lambda o: o.request.source.value),
            Column("Reason", lambda o: o.reason),
        ],
        key=lambda o: o.client_order_id,
        newest_first=True,
        max_rows=500,
    )  # fmt: skip


# --- fills --------------------------------------------------------------------------------


def fills_model() -> KeyedTableModel[Fill]:
    return KeyedTableModel(
        [
            Column("Time", lambda f: clock_time(f.time)),
            Column("Symbol", lambda f: f.symbol),
            Column("Side", lambda f: f.side.value.upper(), lambda f: _side_color(f.side)),
            Column("Qty", lambda f: qty(f.quantity), numeric=True),
            Column("Price", lambda f: price(f.price), numeric=True),
            Column("Value", lambda f: money(f.value), numeric=True),
            Column("Fee", lambda f: money(f.fee), numeric=True),
            Column("Order", lambda f: f.client_order_id[:8]),
        ],
        key=lambda f: f.execution_id,
        newest_first=True,
        max_rows=1000,
    )  # fmt: skip


# --- signals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalRow:
    signal: TradeSignal
    outcome: str = ""  # "ordered" | "denied" | "ignored" | ""
    reason: str = ""

    @property
    def key(self) -> tuple[str, str, datetime]:
        return signal_key(self.signal)


def signal_key(signal: TradeSignal) -> tuple[str, str, datetime]:
    return (signal.symbol, signal.strategy, signal.bar_time)


def _values(signal: TradeSignal) -> str:
    return "  ".join(f"{k}={v:.2f}" for k, v in signal.values.items())


def _outcome_color(row: SignalRow) -> str | None:
    colors = theme.colors()
    return {"ordered": colors.gain, "denied": colors.loss, "ignored": colors.muted}.get(row.outcome)


def signals_model() -> KeyedTableModel[SignalRow]:
    return KeyedTableModel(
        [
            Column("Time", lambda r: clock_time(r.signal.bar_time)),
            Column("Symbol", lambda r: r.signal.symbol),
            Column("Strategy", lambda r: r.signal.strategy),
            Column("Action", lambda r: r.signal.action.value),
            Column("Confidence", lambda r: f"{r.signal.confidence:.0%}", numeric=True),
            Column("Indicators", lambda r: _values(r.signal)),
            Column("Outcome", lambda r: r.outcome, _outcome_color),
            Column("Why", lambda r: r.reason),
        ],
        key=lambda r: r.key,
        newest_first=True,
        max_rows=500,
    )  # fmt: skip


def apply_decision(
    model: KeyedTableModel[SignalRow], signal: TradeSignal, outcome: str, reason: str
) -> None:
    existing = model.item(signal_key(signal))
    row = SignalRow(signal) if existing is None else existing
    model.upsert(replace(row, outcome=outcome, reason=reason))


# --- log ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogRow:
    seq: int
    time: datetime
    level: int
    name: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)


def _level_color(row: LogRow) -> str | None:
    colors = theme.colors()
    if row.level >= logging.ERROR:
        return colors.loss
    if row.level >= logging.WARNING:
        return colors.warn
    return None


def log_model() -> KeyedTableModel[LogRow]:
    return KeyedTableModel(
        [
            Column("Time", lambda r: clock_time(r.time)),  # New York time, like every pane
            Column("Level", lambda r: logging.getLevelName(r.level), _level_color),
            Column("Source", lambda r: r.name.removeprefix("sherwood.")),
            Column("Message", lambda r: r.message),
        ],
        key=lambda r: r.seq,
        newest_first=True,
        max_rows=2000,
    )  # fmt: skip


class _Relay(QObject):
    record = Signal(object)


class QtLogHandler(logging.Handler):
    """Feeds log records to the log model (thread-safe through a queued Qt signal)."""

    def __init__(self, model: KeyedTableModel[LogRow], level: int = logging.INFO) -> None:
        super().__init__(level)
        self.model = model
        self._seq = 0
        self.relay = _Relay()
        self.relay.record.connect(model.upsert)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._seq += 1
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message = f"{message} ({record.exc_info[1]!r})"
            row = LogRow(
                self._seq, datetime.fromtimestamp(record.created, UTC).astimezone(NEW_YORK),
                record.levelno, record.name, message,
            )  # fmt: skip
            self.relay.record.emit(row)
        except RuntimeError:  # the model is gone (window closed)
            pass
        except Exception:
            self.handleError(record)


class LevelFilter(QSortFilterProxyModel):
    """Shows log rows at or above a level."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__()
        self.level = level

    def set_level(self, level: int) -> None:
        self.level = level
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, KeyedTableModel):
            return True
        row: LogRow = model.rows[source_row]
        return row.level >= self.level
