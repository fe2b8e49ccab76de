"""The audit trail: every signal, decision, order event, fill, denial and trading-state change.

:class:`AuditTrail` subscribes to the audited event classes on the bus and
keeps one :class:`AuditRow` per event, so "why did the bot buy (or not)?" has
an answer after the fact: signal -> decision -> order -> fill, each with its
reason. ``recent`` reads it back, newest first.

Rows are batched: each event is queued in memory and the queue is written
in one ``executemany`` transaction at most :data:`FLUSH_SECONDS` (wall time,
``loop.call_later``) after the first queued event, as soon as
:data:`MAX_PENDING` events wait, on :meth:`AuditTrail.flush`, before
:meth:`AuditTrail.recent` reads, and on stop, so a clean stop loses nothing.
A crash (the process killed) may lose the audit rows of the last ~100 ms; it
never loses order journal rows, which are committed before the broker sees
an order and are never batched.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import Database

from app.core.bus import EventBus, Subscription
from app.core.clock import Clock
from app.core.events import (
    DecisionMade,
    Event,
    OrderCancelled,
    OrderCancelRequested,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OutsideTradeAdopted,
    ReconciliationCompleted,
    SignalGenerated,
    TradingStateChanged,
)
from app.core.models import Order, describe
from app.core.service import Service
from app.storage.fields import utc_text
from app.storage.tables import AuditRow


@dataclass(frozen=True, slots=True)
class AuditEntry:
    time: datetime
    kind: str
    symbol: str | None
    client_order_id: str | None
    outcome: str
    reason: str
    detail: dict[str, Any]


class _RowBuilder:
    """Builds audit_row tuples; the text written is exactly what ``json.dumps(detail,
    default=str)`` and :func:`utc_text` give."""

    def time_text(self, time: datetime) -> str:
        return utc_text(time)

    def describe(self, order: Order) -> str:
        return describe(order)

    def order_detail(self, order: Order) -> dict[str, Any]:
        average = order.average_fill_price
        return {
            "order": self.describe(order),
            "status": order.status.value,
            "source": order.request.source.value,
            "filled": str(order.filled_quantity),
            "average_price": None if average is None else str(average),
        }

    def row(self, event: Event) -> tuple[Any, ...] | None:
        """The audit_row values of ``event`` (None for events not audited)."""
        time = self.time_text(event.time)
        if isinstance(event, DecisionMade):  # as many as signals: the cheapest row first
            return (time, "decision", event.symbol, event.client_order_id, event.outcome,
                    event.reason, _EMPTY)  # fmt: skip
        if isinstance(event, SignalGenerated):
            s = event.signal
            action = s.action.value
            detail = {"strategy": s.strategy, "price": str(s.price), "values": s.values,
                      "bar_time": s.bar_time.isoformat(), "interval": s.interval.value}  # fmt: skip
            reason = f"{s.strategy} {action} (confidence {s.confidence:.2f})"
            return (time, "signal", s.symbol, None, action, reason, _dumps(detail))
        if isinstance(event, OrderEvent):
            order = event.order
            detail = self.order_detail(order)
            kind, reason = "order", order.reason
            if isinstance(event, OrderFilled | OrderPartiallyFilled):
                kind = "fill"
                fill = event.fill
                quantity, price = str(fill.quantity), str(fill.price)
                reason = f"{fill.side.value} {quantity} @ {price}"
                detail["execution_id"] = fill.execution_id
                detail["quantity"] = quantity
                detail["price"] = price
            elif isinstance(event, OrderCancelled | OrderCancelRequested):
                kind = "cancel"
            elif isinstance(event, OrderRejected):
                reason = event.reason
            return (time, kind, order.symbol, order.client_order_id, type(event).__name__,
                    reason, _dumps(detail))  # fmt: skip
        if isinstance(event, OrderDenied):
            request = event.request
            limit = event.max_quantity
            denied = {"order": describe(request), "source": request.source.value,
                      "max_quantity": None if limit is None else str(limit)}  # fmt: skip
            return (time, "denial", request.symbol, event.client_order_id, event.source,
                    event.reason, _dumps(denied))  # fmt: skip
        if isinstance(event, TradingStateChanged):
            return (time, "state", None, None, event.state.value, event.reason,
                    _dumps({"previous": event.previous.value}))  # fmt: skip
        if isinstance(event, ReconciliationCompleted):
            reason = (f"{event.orders_checked} open orders checked, "
                      f"{event.fills_recovered} fills recovered")  # fmt: skip
            return (time, "reconcile", None, None, "problems" if event.problems else "ok",
                    reason, _dumps({"problems": list(event.problems)}))  # fmt: skip
        if isinstance(event, OutsideTradeAdopted):
            return (time, "adopted", event.symbol, None, event.kind, event.message, _EMPTY)
        return None


_EMPTY = "{}"
# json.dumps(value, default=str) builds this same encoder on every call
_dumps = json.JSONEncoder(default=str).encode


FLUSH_SECONDS = 0.1  # wall seconds between a first queued row and its write
MAX_PENDING = 1000  # queued rows that are written at once, whatever the time

# The event classes the trail records (no overlap: each event matches one of them).
AUDITED: tuple[type[Event], ...] = (
    SignalGenerated,
    DecisionMade,
    OrderDenied,
    TradingStateChanged,
    ReconciliationCompleted,
    OutsideTradeAdopted,
    OrderEvent,
)
_INSERT = (
    "INSERT INTO audit_row (time, kind, symbol, client_order_id, outcome, reason, detail) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)

log = logging.getLogger("sherwood.audit")


class AuditTrail(Service):
    """Writes the audit trail in batches; a Service, so it starts before what it records."""

    name = "audit"

    def __init__(self, bus: EventBus, clock: Clock, db: Database) -> None:
        super().__init__(bus, clock)
        self.db = db
        self._subscriptions: list[Subscription] = []
        self._pending: list[Event] = []
        self._timer: asyncio.TimerHandle | None = None

    async def on_start(self) -> None:
        self._subscriptions = [self.bus.subscribe(kind, self.record) for kind in AUDITED]

    async def on_stop(self) -> None:
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions.clear()
        self.flush()

    def record(self, event: Event) -> None:
        """Queue ``event``; its audit row (if it has one) is built and written on the next flush.

        Events are immutable snapshots, so building the row later gives the same row.
        """
        pending = self._pending
        pending.append(event)
        if len(pending) >= MAX_PENDING:  # a loop that never idles still gets its rows written
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a synchronous caller): write at once
                self.flush()
                return
            self._timer = loop.call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> int:
        """Write every queued row in one transaction; returns how many were written."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending = self._pending, []
        rows = []
        build = _RowBuilder().row
        for event in pending:
            try:
                row = build(event)
            except Exception:  # one malformed event must not cost the others their rows
                log.exception("no audit row for %s", type(event).__name__)
                continue
            if row is not None:
                rows.append(row)
        if not rows:
            return 0
        db = self.db
        if db.is_closed():  # never reopen a database the app has closed
            log.error("audit database closed: %d audit rows not written", len(rows))
            return 0
        try:
            with db.atomic():
                db.cursor().executemany(_INSERT, rows)
        except Exception:
            log.exception("could not write %d audit rows", len(rows))
            return 0
        return len(rows)

    def recent(self, limit: int = 200, kind: str | None = None) -> list[AuditEntry]:
        """Newest first (queued rows are written first, so they are included)."""
        self.flush()
        query = AuditRow.select()
        if kind is not None:
            query = query.where(AuditRow.kind == kind)
        rows = query.order_by(AuditRow.id.desc()).limit(limit).execute(self.db)
        return [
            AuditEntry(
                time=r.time, kind=r.kind, symbol=r.symbol, client_order_id=r.client_order_id,
                outcome=r.outcome, reason=r.reason, detail=json.loads(r.detail or "{}"),
            )
            for r in rows
        ]  # fmt: skip
