"""What the audit trail tells about each kind of event: outcome, reason and detail, read back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.audit import AuditTrail
from app.core.bus import EventBus
from app.core.clock import SimulatedClock
from app.core.events import (
    DecisionMade,
    OrderCancelled,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    OutsideTradeAdopted,
    ReconciliationCompleted,
    SignalGenerated,
    TradingStateChanged,
)
from app.core.models import (
    Fill,
    Interval,
    Order,
    OrderRequest,
    OrderSource,
    OrderStatus,
    Side,
    Signal,
    SignalAction,
    TradingState,
)

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)


async def test_every_audited_event_reads_back_with_its_reason_and_detail(db) -> None:
    bus = EventBus()
    trail = AuditTrail(bus, SimulatedClock(NOW), db)
    await trail.start()
    signal = Signal(
        "TQQQ", "rsi", SignalAction.BUY, 0.756, {"rsi": 28.5}, NOW, Interval.M1, Decimal("50.1")
    )
    request = OrderRequest("TQQQ", Side.BUY, quantity=Decimal("2"), source=OrderSource.BOT)
    order = Order("c-1", request, NOW, status=OrderStatus.SUBMITTED)
    filled = replace(
        order, status=OrderStatus.FILLED, filled_quantity=Decimal("2"),
        average_fill_price=Decimal("50.12"),
    )  # fmt: skip
    fill = Fill("x-1", "c-1", "TQQQ", Side.BUY, Decimal("2"), Decimal("50.12"), LATER)
    other = Order("c-2", OrderRequest("SQQQ", Side.SELL, notional=Decimal("25")), NOW)
    cancelled = replace(other, status=OrderStatus.CANCELLED, reason="cancelled at your request")
    rejected = replace(order, status=OrderStatus.REJECTED, reason="no quote")
    events = [
        SignalGenerated(time=NOW, signal=signal),
        DecisionMade(
            time=NOW, symbol="TQQQ", outcome="ordered", reason="rsi BUY", client_order_id="c-1"
        ),
        OrderSubmitted(time=NOW, order=order),
        OrderFilled(time=LATER, order=filled, fill=fill),
        OrderCancelled(time=LATER, order=cancelled, reason="cancelled at your request"),
        OrderRejected(time=LATER, order=rejected, reason="the broker said no"),
        OrderDenied(
            time=LATER,
            request=request,
            reason="max position value",
            source="risk",
            max_quantity=Decimal("1"),
        ),
        TradingStateChanged(
            time=LATER,
            state=TradingState.HALTED,
            previous=TradingState.ACTIVE,
            reason="kill switch",
        ),
        ReconciliationCompleted(
            time=LATER, orders_checked=3, fills_recovered=1, problems=("order c-9 unknown",)
        ),
        OutsideTradeAdopted(
            time=LATER, kind="position", symbol="SPY", message="adopted 3 SPY held at Robinhood"
        ),
    ]
    for event in events:
        await bus.publish(event)
    await trail.stop()

    rows = list(reversed(trail.recent(limit=20)))
    assert [(r.kind, r.outcome) for r in rows] == [
        ("signal", "BUY"), ("decision", "ordered"), ("order", "OrderSubmitted"),
        ("fill", "OrderFilled"), ("cancel", "OrderCancelled"), ("order", "OrderRejected"),
        ("denial", "risk"), ("state", "HALTED"), ("reconcile", "problems"),
        ("adopted", "position"),
    ]  # fmt: skip
    sig, decision, submitted, filled_row, cancel, reject, denial, state, recon, adopted = rows
    assert sig.time == NOW and filled_row.time == LATER
    assert sig.reason == "rsi BUY (confidence 0.76)"
    assert sig.detail == {
        "strategy": "rsi", "price": "50.1", "values": {"rsi": 28.5},
        "bar_time": NOW.isoformat(), "interval": "1m",
    }  # fmt: skip
    assert decision.detail == {} and decision.client_order_id == "c-1"
    assert submitted.detail == {
        "order": "BUY 2 sh TQQQ @ market", "status": "submitted", "source": "bot",
        "filled": "0", "average_price": None,
    }  # fmt: skip
    assert filled_row.reason == "buy 2 @ 50.12"
    assert filled_row.detail["order"] == "BUY 2 sh TQQQ @ market"  # same order, same text
    assert filled_row.detail["average_price"] == "50.12"
    assert filled_row.detail["execution_id"] == "x-1" and filled_row.detail["quantity"] == "2"
    assert cancel.symbol == "SQQQ" and cancel.detail["order"] == "SELL $25 SQQQ @ market"
    assert cancel.reason == "cancelled at your request"
    assert reject.reason == "the broker said no"
    assert denial.reason == "max position value" and denial.detail["max_quantity"] == "1"
    assert state.reason == "kill switch" and state.detail == {"previous": "ACTIVE"}
    assert recon.reason == "3 open orders checked, 1 fills recovered"
    assert recon.detail == {"problems": ["order c-9 unknown"]}
    assert adopted.symbol == "SPY" and adopted.reason == "adopted 3 SPY held at Robinhood"
