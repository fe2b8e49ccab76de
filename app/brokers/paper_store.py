"""The paper broker's persistence: its account, orders, fills, positions and unsettled cash.

Everything lives in the Paper* tables of the database the store is handed, so
a new :class:`~app.brokers.paper.PaperBroker` on the same file after a restart
sees the same orders, positions and cash. The broker works on in-memory
mirrors (:class:`PaperAccount`, :class:`PaperOrder`, :class:`PaperPosition`,
defined in :mod:`app.brokers.paper_rows`) loaded once; every change is
written through at once, one transaction per change: accepting an order is
one INSERT, a status change one UPDATE, and a fill changes the fill, order,
position and cash rows together (:meth:`PaperStore.record_fill`). The mirrors
change only once the write has committed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from peewee import Database, IntegrityError

from app.brokers.paper_rows import PaperAccount, PaperOrder, PaperPosition, order_from_row
from app.core.errors import DuplicateOrder
from app.core.models import AccountType, Fill, OrderRequest, OrderStatus, Side
from app.core.money import ZERO, round_money
from app.storage.rows import fill_from_row
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


class PaperStore:
    """Reads and writes the paper broker's tables in ``db``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def load_or_create_account(
        self, starting_cash: Decimal, account_type: AccountType, now: datetime
    ) -> PaperAccount:
        """The one paper account, created with ``starting_cash`` on first use."""
        with self.db.atomic():
            row = PaperAccountRow.select().order_by(PaperAccountRow.id).first(self.db)
            if row is None:
                PaperAccountRow.insert(
                    account_type=account_type.value,
                    cash=starting_cash,
                    starting_cash=starting_cash,
                    created_at=now,
                ).execute(self.db)
                row = PaperAccountRow.select().order_by(PaperAccountRow.id).first(self.db)
        return PaperAccount(
            id=row.id,
            account_type=row.account_type,
            cash=Decimal(row.cash),
            starting_cash=Decimal(row.starting_cash),
            created_at=row.created_at,
        )

    def open_orders(self) -> list[PaperOrder]:
        """Orders not in a terminal state, oldest first (read on start)."""
        query = PaperOrderRow.select().where(PaperOrderRow.status.in_(_OPEN_STATUSES))
        rows = query.order_by(PaperOrderRow.id).execute(self.db)
        return [order_from_row(row, self.order_fills(row.client_order_id)) for row in rows]

    def find_order(self, client_order_id: str) -> PaperOrder | None:
        """Any order, open or done, read from the database."""
        query = PaperOrderRow.select().where(PaperOrderRow.client_order_id == client_order_id)
        row = query.first(self.db)
        return None if row is None else order_from_row(row, self.order_fills(client_order_id))

    def positions(self) -> dict[str, PaperPosition]:
        return {
            row.symbol: PaperPosition(row.symbol, row.quantity, row.average_cost)
            for row in PaperPositionRow.select().execute(self.db)
        }

    def create_order(
        self,
        client_order_id: str,
        broker_order_id: str,
        request: OrderRequest,
        quantity: Decimal | None,
        status: OrderStatus,
        reason: str,
        now: datetime,
    ) -> PaperOrder:
        """Insert the order (committed) and return its mirror.

        The client order id is unique: a second order under it raises DuplicateOrder.
        """
        order = PaperOrder(
            client_order_id=client_order_id,
            broker_order_id=broker_order_id,
            symbol=request.symbol,
            side=request.side,
            order_type=request.order_type,
            quantity=quantity,
            notional=request.notional,
            limit_price=request.limit_price,
            time_in_force=request.time_in_force,
            extended_hours=request.extended_hours,
            status=status,
            filled_quantity=ZERO,
            average_fill_price=None,
            reason=reason,
            created_at=now,
            updated_at=now,
        )
        try:
            PaperOrderRow.insert(
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
                reason=reason,
                created_at=now,
                updated_at=now,
            ).execute(self.db)
        except IntegrityError:
            raise DuplicateOrder(
                f"an order with client id {client_order_id} already exists"
            ) from None
        return order

    def set_status(
        self, order: PaperOrder, status: OrderStatus, reason: str, now: datetime
    ) -> None:
        """One UPDATE (committed), then the mirror."""
        PaperOrderRow.update(status=status.value, reason=reason, updated_at=now).where(
            PaperOrderRow.client_order_id == order.client_order_id
        ).execute(self.db)
        order.status = status
        order.reason = reason
        order.updated_at = now

    def order_fills(self, client_order_id: str) -> tuple[Fill, ...]:
        query = PaperFillRow.select().where(PaperFillRow.client_order_id == client_order_id)
        ordered = query.order_by(PaperFillRow.time, PaperFillRow.id).execute(self.db)
        return tuple(fill_from_row(r) for r in ordered)

    def fills_since(self, since: datetime) -> list[Fill]:
        query = PaperFillRow.select().where(PaperFillRow.time >= since)
        ordered = query.order_by(PaperFillRow.time, PaperFillRow.id).execute(self.db)
        return [fill_from_row(r) for r in ordered]

    def record_fill(
        self,
        account: PaperAccount,
        order: PaperOrder,
        position: PaperPosition | None,
        fill: Fill,
        settles_on: date | None,
    ) -> PaperPosition | None:
        """Book ``fill`` atomically: fill row, order progress, position, cash (and unsettled cash).

        Returns the position after the fill (None when it closed). ``settles_on`` is
        given for sales in a cash account: their proceeds stay unsettled until then.
        The mirrors change only once the transaction has committed.
        """
        amount = round_money(fill.quantity * fill.price + fill.fee * fill.side.sign)
        filled = order.filled_quantity + fill.quantity
        previous_value = (order.average_fill_price or ZERO) * order.filled_quantity
        average = (previous_value + fill.value) / filled
        done = order.quantity is not None and filled >= order.quantity
        status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
        after = _moved_position(position, fill)
        cash = account.cash - amount if fill.side is Side.BUY else account.cash + amount
        db = self.db
        with db.atomic():
            PaperFillRow.insert(
                execution_id=fill.execution_id,
                client_order_id=fill.client_order_id,
                symbol=fill.symbol,
                side=fill.side.value,
                quantity=fill.quantity,
                price=fill.price,
                time=fill.time,
            ).execute(db)
            PaperOrderRow.update(
                status=status.value,
                filled_quantity=filled,
                average_fill_price=average,
                updated_at=fill.time,
            ).where(PaperOrderRow.client_order_id == order.client_order_id).execute(db)
            if after is None:
                PaperPositionRow.delete().where(PaperPositionRow.symbol == fill.symbol).execute(db)
            else:
                PaperPositionRow.replace(
                    symbol=after.symbol, quantity=after.quantity, average_cost=after.average_cost
                ).execute(db)
            PaperAccountRow.update(cash=cash).where(PaperAccountRow.id == account.id).execute(db)
            if fill.side is Side.SELL and settles_on is not None:
                PaperCashRow.insert(
                    execution_id=fill.execution_id,
                    amount=amount,
                    settlement_date=settles_on.isoformat(),
                ).execute(db)
        order.filled_quantity = filled
        order.average_fill_price = average
        order.status = status
        order.updated_at = fill.time
        order.fills.append(fill)
        account.cash = cash
        return after

    def unsettled_cash(self, today: date) -> Decimal:
        """Sale proceeds whose settlement date is after ``today`` (a New York date)."""
        query = PaperCashRow.select().where(PaperCashRow.settlement_date > today.isoformat())
        return sum((row.amount for row in query.execute(self.db)), ZERO)

    def save_equity_close(self, trade_day: date, equity: Decimal, now: datetime) -> None:
        key = f"{EQUITY_CLOSE_PREFIX}{trade_day.isoformat()}"
        StateRow.replace(key=key, value=str(equity), updated_at=now).execute(self.db)

    def previous_equity_close(self, before: date) -> Decimal | None:
        """The latest stored close equity of a trade date before ``before``."""
        query = StateRow.select().where(
            StateRow.key.startswith(EQUITY_CLOSE_PREFIX),
            StateRow.key < f"{EQUITY_CLOSE_PREFIX}{before.isoformat()}",
        )
        row = query.order_by(StateRow.key.desc()).first(self.db)
        return Decimal(row.value) if row is not None else None

    def wipe(self) -> None:
        """Delete every piece of paper state (the "Reset paper account" action)."""
        tables = (PaperFillRow, PaperOrderRow, PaperPositionRow, PaperCashRow, PaperAccountRow)
        with self.db.atomic():
            for table in tables:
                table.delete().execute(self.db)
            StateRow.delete().where(StateRow.key.startswith(EQUITY_CLOSE_PREFIX)).execute(self.db)


def _moved_position(position: PaperPosition | None, fill: Fill) -> PaperPosition | None:
    """The position after ``fill`` (a new object; None when it closed)."""
    held = position.quantity if position is not None else ZERO
    if fill.side is Side.BUY:
        quantity = held + fill.quantity
        cost = (position.average_cost * held if position is not None else ZERO) + fill.value
        return PaperPosition(fill.symbol, quantity, cost / quantity)
    if position is None or fill.quantity > held:
        raise ValueError(f"paper sell of {fill.quantity} {fill.symbol} exceeds holding {held}")
    if fill.quantity == held:
        return None
    return PaperPosition(fill.symbol, held - fill.quantity, position.average_cost)
