"""The order journal: OrderRow / FillRow persistence, written ahead of the broker.

Every order is committed with its client order id before the broker sees it;
every fill is inserted (unique ``execution_id``) together with its order's new
state in one transaction. Rows convert to and from domain objects here and
nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from peewee import IntegrityError

from app import calendar
from app.core.models import (
    TERMINAL_STATUSES,
    Fill,
    Order,
    OrderRequest,
    OrderSource,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from app.core.money import ZERO
from app.storage.tables import FillRow, OrderRow


def _order_values(order: Order) -> dict[str, object]:
    request = order.request
    return {
        "broker_order_id": order.broker_order_id,
        "symbol": request.symbol,
        "side": request.side.value,
        "order_type": request.order_type.value,
        "quantity": order.quantity,
        "notional": request.notional,
        "limit_price": request.limit_price,
        "time_in_force": request.time_in_force.value,
        "extended_hours": request.extended_hours,
        "source": request.source.value,
        "status": order.status.value,
        "filled_quantity": order.filled_quantity,
        "average_fill_price": order.average_fill_price,
        "reason": order.reason,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def row_to_order(row: OrderRow, fill_ids: Iterable[str] = ()) -> Order:
    """Rebuild an :class:`Order` from its journal row (and its known fill ids)."""
    notional: Decimal | None = row.notional
    quantity: Decimal | None = row.quantity
    request = OrderRequest(
        symbol=row.symbol,
        side=Side(row.side),
        quantity=None if notional is not None else quantity,
        notional=notional,
        order_type=OrderType(row.order_type),
        limit_price=row.limit_price,
        time_in_force=TimeInForce(row.time_in_force),
        extended_hours=bool(row.extended_hours),
        source=OrderSource(row.source),
    )
    return Order(
        client_order_id=row.client_order_id,
        request=request,
        created_at=row.created_at,
        status=OrderStatus(row.status),
        updated_at=row.updated_at,
        broker_order_id=row.broker_order_id,
        quantity=quantity,
        filled_quantity=row.filled_quantity or ZERO,
        average_fill_price=row.average_fill_price,
        reason=row.reason or "",
        fill_ids=list(fill_ids),
    )


def row_to_fill(row: FillRow) -> Fill:
    return Fill(
        execution_id=row.execution_id,
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        time=row.time,
        fee=row.fee or ZERO,
    )


class Journal:
    """Reads and writes the order journal in the bound database."""

    @property
    def db(self):  # type: ignore[no-untyped-def]  # peewee's Database is untyped
        return OrderRow._meta.database

    # --- orders ------------------------------------------------------------------------------

    def write_order(self, order: Order) -> None:
        """Insert or update the order's row, committed when this returns."""
        values = _order_values(order)
        OrderRow.insert(client_order_id=order.client_order_id, **values).on_conflict(
            conflict_target=[OrderRow.client_order_id], update=values
        ).execute()

    def load_order(self, client_order_id: str) -> Order | None:
        row = OrderRow.get_or_none(OrderRow.client_order_id == client_order_id)
        if row is None:
            return None
        return row_to_order(row, self.fill_ids(client_order_id))

    def open_orders(self) -> list[Order]:
        """Orders not in a terminal state, oldest first."""
        terminal = [s.value for s in TERMINAL_STATUSES]
        rows = OrderRow.select().where(OrderRow.status.not_in(terminal)).order_by(OrderRow.id)
        return [row_to_order(r, self.fill_ids(r.client_order_id)) for r in rows]

    def recent_orders(self, limit: int = 200) -> list[Order]:
        """Newest first."""
        rows = OrderRow.select().order_by(OrderRow.id.desc()).limit(limit)
        return [row_to_order(r, self.fill_ids(r.client_order_id)) for r in rows]

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in OrderRow.select(OrderRow.status):
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    def denial_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        query = OrderRow.select(OrderRow.reason).where(OrderRow.status == OrderStatus.DENIED.value)
        for row in query:
            counts[row.reason] = counts.get(row.reason, 0) + 1
        return counts

    # --- fills -------------------------------------------------------------------------------

    def fill_ids(self, client_order_id: str) -> list[str]:
        query = (
            FillRow.select(FillRow.execution_id)
            .where(FillRow.client_order_id == client_order_id)
            .order_by(FillRow.id)
        )
        return [r.execution_id for r in query]

    def has_fill(self, execution_id: str) -> bool:
        return FillRow.select().where(FillRow.execution_id == execution_id).exists()

    def record_fill(self, fill: Fill, order: Order) -> bool:
        """Insert the fill and the order's new state in one transaction.

        Returns False (writing nothing) when the execution id is already journaled.
        """
        day = calendar.trade_date(fill.time)
        with self.db.atomic() as transaction:
            try:
                FillRow.insert(
                    execution_id=fill.execution_id,
                    client_order_id=fill.client_order_id,
                    symbol=fill.symbol,
                    side=fill.side.value,
                    quantity=fill.quantity,
                    price=fill.price,
                    fee=fill.fee,
                    time=fill.time,
                    trade_date=day.isoformat(),
                    settlement_date=calendar.settlement_date(day).isoformat(),
                    applied=False,
                ).execute()
            except IntegrityError:  # the execution id is journaled already
                transaction.rollback()
                return False
            OrderRow.update(**_order_values(order)).where(
                OrderRow.client_order_id == order.client_order_id
            ).execute()
        return True

    def unapplied_fills(self) -> list[Fill]:
        rows = FillRow.select().where(FillRow.applied == False).order_by(FillRow.id)  # noqa: E712
        return [row_to_fill(r) for r in rows]

    def recent_fills(self, limit: int = 200) -> list[Fill]:
        rows = FillRow.select().order_by(FillRow.id.desc()).limit(limit)
        return [row_to_fill(r) for r in rows]

    def fill_count(self) -> int:
        return int(FillRow.select().count())

    def last_fill_time(self) -> datetime | None:
        row = FillRow.select().order_by(FillRow.time.desc()).first()
        return None if row is None else row.time

    def first_open_order_time(self) -> datetime | None:
        terminal = [s.value for s in TERMINAL_STATUSES]
        row = (
            OrderRow.select()
            .where(OrderRow.status.not_in(terminal))
            .order_by(OrderRow.created_at)
            .first()
        )
        return None if row is None else row.created_at
