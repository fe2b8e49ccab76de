"""The paper broker's persistence: its account, orders, fills, positions and unsettled cash.

Everything lives in the Paper* tables of the open (paper) database, so a new
:class:`~app.brokers.paper.PaperBroker` on the same file after a restart sees
the same orders, positions and cash. A fill changes the order, the position
and the cash in one transaction (:func:`record_fill`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.brokers.base import BrokerOrder
from app.core.models import AccountType, Fill, OrderRequest, OrderStatus, Side
from app.core.money import ZERO, round_money
from app.storage.tables import (
    PaperAccountRow,
    PaperCashRow,
    PaperFillRow,
    PaperOrderRow,
    PaperPositionRow,
    StateRow,
)

EQUITY_CLOSE_PREFIX = "paper_equity_close:"
_OPEN_STATUSES = [s.value for s in OrderStatus if s.is_open]


def _db() -> Any:
    return PaperOrderRow._meta.database


def load_or_create_account(
    starting_cash: Decimal, account_type: AccountType, now: datetime
) -> PaperAccountRow:
    """The one paper account row, created with ``starting_cash`` on first use."""
    with _db().atomic():
        row = PaperAccountRow.select().order_by(PaperAccountRow.id).first()
        if row is None:
            row = PaperAccountRow.create(
                account_type=account_type.value,
                cash=starting_cash,
                starting_cash=starting_cash,
                created_at=now,
            )
    return row


def open_order_rows() -> list[PaperOrderRow]:
    query = PaperOrderRow.select().where(PaperOrderRow.status.in_(_OPEN_STATUSES))
    return list(query.order_by(PaperOrderRow.id))


def order_row(client_order_id: str) -> PaperOrderRow | None:
    return PaperOrderRow.get_or_none(PaperOrderRow.client_order_id == client_order_id)


def position_rows() -> dict[str, PaperPositionRow]:
    return {row.symbol: row for row in PaperPositionRow.select()}


def create_order(
    client_order_id: str,
    broker_order_id: str,
    request: OrderRequest,
    quantity: Decimal | None,
    status: OrderStatus,
    reason: str,
    now: datetime,
) -> PaperOrderRow:
    return PaperOrderRow.create(
        client_order_id=client_order_id,
        broker_order_id=broker_order_id,
        symbol=request.symbol,
        side=request.side.value,
        order_type=request.order_type.value,
        quantity=quantity,
        notional=request.notional,
        limit_price=request.limit_price,
        time_in_force=request.time_in_force.value,
        extended_hours=request.extended_hours,
        status=status.value,
        filled_quantity=ZERO,
        average_fill_price=None,
        reason=reason,
        created_at=now,
        updated_at=now,
    )


def set_status(row: PaperOrderRow, status: OrderStatus, reason: str, now: datetime) -> None:
    row.status = status.value
    row.reason = reason
    row.updated_at = now
    row.save()


def _to_fill(row: PaperFillRow) -> Fill:
    return Fill(
        execution_id=row.execution_id,
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        time=row.time,
    )


def order_fills(client_order_id: str) -> tuple[Fill, ...]:
    query = PaperFillRow.select().where(PaperFillRow.client_order_id == client_order_id)
    return tuple(_to_fill(r) for r in query.order_by(PaperFillRow.time, PaperFillRow.id))


def fills_since(since: datetime) -> list[Fill]:
    query = PaperFillRow.select().where(PaperFillRow.time >= since)
    return [_to_fill(r) for r in query.order_by(PaperFillRow.time, PaperFillRow.id)]


def to_broker_order(row: PaperOrderRow) -> BrokerOrder:
    return BrokerOrder(
        client_order_id=row.client_order_id,
        broker_order_id=row.broker_order_id,
        symbol=row.symbol,
        side=Side(row.side),
        status=OrderStatus(row.status),
        quantity=row.quantity,
        filled_quantity=row.filled_quantity,
        average_fill_price=row.average_fill_price,
        reason=row.reason,
        updated_at=row.updated_at,
        fills=order_fills(row.client_order_id),
    )


def record_fill(
    account: PaperAccountRow,
    order: PaperOrderRow,
    position: PaperPositionRow | None,
    fill: Fill,
    settles_on: date | None,
) -> PaperPositionRow | None:
    """Book ``fill`` atomically: fill row, order progress, position, cash (and unsettled cash).

    Returns the position after the fill (None when it closed). ``settles_on`` is
    given for sales in a cash account: their proceeds stay unsettled until then.
    """
    amount = round_money(fill.quantity * fill.price + fill.fee * fill.side.sign)
    with _db().atomic():
        PaperFillRow.create(
            execution_id=fill.execution_id,
            client_order_id=fill.client_order_id,
            symbol=fill.symbol,
            side=fill.side.value,
            quantity=fill.quantity,
            price=fill.price,
            time=fill.time,
        )
        filled = order.filled_quantity + fill.quantity
        previous_value = (order.average_fill_price or ZERO) * order.filled_quantity
        order.average_fill_price = (previous_value + fill.value) / filled
        order.filled_quantity = filled
        done = order.quantity is not None and filled >= order.quantity
        order.status = (OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED).value
        order.updated_at = fill.time
        order.save()
        position = _move_position(position, fill)
        if fill.side is Side.BUY:
            account.cash = account.cash - amount
        else:
            account.cash = account.cash + amount
            if settles_on is not None:
                PaperCashRow.create(
                    execution_id=fill.execution_id,
                    amount=amount,
                    settlement_date=settles_on.isoformat(),
                )
        account.save()
    return position


def _move_position(position: PaperPositionRow | None, fill: Fill) -> PaperPositionRow | None:
    held = position.quantity if position is not None else ZERO
    if fill.side is Side.BUY:
        quantity = held + fill.quantity
        cost = (position.average_cost * held if position is not None else ZERO) + fill.value
        if position is None:
            return PaperPositionRow.create(
                symbol=fill.symbol, quantity=quantity, average_cost=cost / quantity
            )
        position.quantity = quantity
        position.average_cost = cost / quantity
        position.save()
        return position
    if position is None or fill.quantity > held:
        raise ValueError(f"paper sell of {fill.quantity} {fill.symbol} exceeds holding {held}")
    if fill.quantity == held:
        position.delete_instance()
        return None
    position.quantity = held - fill.quantity
    position.save()
    return position


def unsettled_cash(today: date) -> Decimal:
    """Sale proceeds whose settlement date is after ``today`` (a New York date)."""
    query = PaperCashRow.select().where(PaperCashRow.settlement_date > today.isoformat())
    return sum((row.amount for row in query), ZERO)


def save_equity_close(trade_day: date, equity: Decimal, now: datetime) -> None:
    key = f"{EQUITY_CLOSE_PREFIX}{trade_day.isoformat()}"
    StateRow.insert(key=key, value=str(equity), updated_at=now).on_conflict_replace().execute()


def previous_equity_close(before: date) -> Decimal | None:
    """The latest stored close equity of a trade date before ``before``."""
    row = (
        StateRow.select()
        .where(
            StateRow.key.startswith(EQUITY_CLOSE_PREFIX),
            StateRow.key < f"{EQUITY_CLOSE_PREFIX}{before.isoformat()}",
        )
        .order_by(StateRow.key.desc())
        .first()
    )
    return Decimal(row.value) if row is not None else None


def wipe() -> None:
    """Delete every piece of paper state (the "Reset paper account" action)."""
    with _db().atomic():
        for table in (PaperFillRow, PaperOrderRow, PaperPositionRow, PaperCashRow, PaperAccountRow):
            table.delete().execute()
        StateRow.delete().where(StateRow.key.startswith(EQUITY_CLOSE_PREFIX)).execute()
