"""The audit trail: every signal, decision, order event, fill, denial and trading-state change.

:class:`AuditTrail` subscribes to the bus and writes one :class:`AuditRow` per
event, so "why did the bot buy (or not)?" has an answer after the fact:
signal -> decision -> order -> fill, each with its reason. ``recent`` reads
it back, newest first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
    ReconciliationCompleted,
    SignalGenerated,
    TradingStateChanged,
)
from app.core.models import Order, describe
from app.services.base import Service
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


def _order_detail(order: Order) -> dict[str, Any]:
    return {
        "order": describe(order),
        "status": order.status.value,
        "source": order.request.source.value,
        "filled": str(order.filled_quantity),
        "average_price": (
            None if order.average_fill_price is None else str(order.average_fill_price)
        ),
    }


def _row_values(event: Event) -> dict[str, Any] | None:
    """The audit row for ``event``, or None for events not audited."""
    if isinstance(event, SignalGenerated):
        s = event.signal
        return {
            "kind": "signal", "symbol": s.symbol, "outcome": s.action.value,
            "reason": f"{s.strategy} {s.action.value} (confidence {s.confidence:.2f})",
            "detail": {"strategy": s.strategy, "price": str(s.price), "values": s.values,
                       "bar_time": s.bar_time.isoformat(), "interval": s.interval.value},
        }  # fmt: skip
    if isinstance(event, DecisionMade):
        return {
            "kind": "decision", "symbol": event.symbol, "client_order_id": event.client_order_id,
            "outcome": event.outcome, "reason": event.reason, "detail": {},
        }  # fmt: skip
    if isinstance(event, OrderDenied):
        return {
            "kind": "denial", "symbol": event.request.symbol,
            "client_order_id": event.client_order_id, "outcome": event.source,
            "reason": event.reason,
            "detail": {"order": describe(event.request), "source": event.request.source.value,
                       "max_quantity": None if event.max_quantity is None
                       else str(event.max_quantity)},
        }  # fmt: skip
    if isinstance(event, TradingStateChanged):
        return {
            "kind": "state", "outcome": event.state.value, "reason": event.reason,
            "detail": {"previous": event.previous.value},
        }  # fmt: skip
    if isinstance(event, ReconciliationCompleted):
        return {
            "kind": "reconcile", "outcome": "problems" if event.problems else "ok",
            "reason": f"{event.orders_checked} open orders checked, "
                      f"{event.fills_recovered} fills recovered",
            "detail": {"problems": list(event.problems)},
        }  # fmt: skip
    if isinstance(event, OrderEvent):
        order = event.order
        detail = _order_detail(order)
        kind, reason = "order", order.reason
        if isinstance(event, OrderFilled | OrderPartiallyFilled):
            kind = "fill"
            fill = event.fill
            reason = f"{fill.side.value} {fill.quantity} @ {fill.price}"
            detail.update(execution_id=fill.execution_id, quantity=str(fill.quantity),
                          price=str(fill.price))  # fmt: skip
        elif isinstance(event, OrderCancelled | OrderCancelRequested):
            kind = "cancel"
        elif isinstance(event, OrderRejected):
            reason = event.reason
        return {
            "kind": kind, "symbol": order.symbol, "client_order_id": order.client_order_id,
            "outcome": type(event).__name__, "reason": reason, "detail": detail,
        }  # fmt: skip
    return None


class AuditTrail(Service):
    """Writes the audit trail; a Service so it starts before anything it should record."""

    name = "audit"

    def __init__(self, bus: EventBus, clock: Clock) -> None:
        super().__init__(bus, clock)
        self._subscription: Subscription | None = None

    async def on_start(self) -> None:
        self._subscription = self.bus.subscribe(Event, self.record)

    async def on_stop(self) -> None:
        if self._subscription is not None:
            self._subscription.cancel()
            self._subscription = None

    def record(self, event: Event) -> None:
        values = _row_values(event)
        if values is None:
            return
        values["detail"] = json.dumps(values.get("detail", {}), default=str)
        AuditRow.create(time=event.time, **values)

    def recent(self, limit: int = 200, kind: str | None = None) -> list[AuditEntry]:
        query = AuditRow.select()
        if kind is not None:
            query = query.where(AuditRow.kind == kind)
        rows = query.order_by(AuditRow.id.desc()).limit(limit)
        return [
            AuditEntry(
                time=r.time, kind=r.kind, symbol=r.symbol, client_order_id=r.client_order_id,
                outcome=r.outcome, reason=r.reason, detail=json.loads(r.detail or "{}"),
            )
            for r in rows
        ]  # fmt: skip
