"""The paper broker's persistence: its account, orders, fills, positions and unsettled cash.

Everything lives in the Paper* tables of the database the store is handed, so
a new :class:`~app.brokers.paper.PaperBroker` on the same file after a restart
sees the same orders, positions and cash. The broker works on in-memory
mirrors (:class:`PaperAccount`, :class:`PaperOrder`, :class:`PaperPosition`,
defined in :mod:`app.brokers.paper_rows`) loaded once; every change is
written through at once, one transaction per change: accepting an order is
one INSERT, a status change one UPDATE, and a fill changes the fill, order,
position and cash rows together (:meth:`PaperStore.record_fill`); an order
that fills the moment it is accepted is inserted as that fill leaves it,
together with the fill's rows, in one transaction
(:meth:`PaperStore.create_filled_order`). The mirrors change only
once the write has committed. Those writes, on the path of every
order, are plain SQL statements run with ``db.execute_sql`` (Peewee's query
builder costs several times what SQLite does for them), with the text the
Peewee fields store (:mod:`app.storage.fields`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from peewee import Database, IntegrityError

from app.brokers.paper_rows import PaperAccount, PaperOrder, PaperPosition, order_from_row
from app.core.errors import DuplicateOrder
from app.core.models import AccountType, Fill, OrderRequest, OrderStatus, Side
from app.core.money import ZERO, round_money
from app.storage.fields import decimal_text, utc_text
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

_ORDER_INSERT = (
    "INSERT INTO paper_order_row (client_order_id, broker_order_id, symbol, side, order_type, "
    "quantity, notional, limit_price, time_in_force, extended_hours, status, filled_quantity, "
    "average_fill_price, reason, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_ORDER_STATUS = (
    "UPDATE paper_order_row SET status = ?, reason = ?, updated_at = ? WHERE client_order_id = ?"
)
_ORDER_PROGRESS = (
    "UPDATE paper_order_row SET status = ?, filled_quantity = ?, average_fill_price = ?, "
    "updated_at = ? WHERE client_order_id = ?"
)
_FILL_INSERT = (
    "INSERT INTO paper_fill_row (execution_id, client_order_id, symbol, side, quantity, price, "
    "time) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_POSITION_REPLACE = (
    "INSERT OR REPLACE INTO paper_position_row (symbol, quantity, average_cost) VALUES (?, ?, ?)"
)
_POSITION_DELETE = "DELETE FROM paper_position_row WHERE symbol = ?"
_ACCOUNT_CASH = "UPDATE paper_account_row SET cash = ? WHERE id = ?"
_CASH_INSERT = "INSERT INTO paper_cash_row (execution_id, amount, settlement_date) VALUES (?, ?, ?)"
_STATE_REPLACE = "INSERT OR REPLACE INTO state_row (key, value, updated_at) VALUES (?, ?, ?)"


def new_order(
    client_order_id: str,
    broker_order_id: str,
    request: OrderRequest,
    quantity: Decimal | None,
    status: OrderStatus,
    reason: str,
    now: datetime,
) -> PaperOrder:
    """The mirror of an order accepted (or refused) at ``now``, before anything is stored."""
    return PaperOrder(
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


@dataclass(frozen=True, slots=True)
class FillBooking:
    """A fill to book on an order, with the account and the position it moves;
    ``settles_on`` is given for sales in a cash account (their proceeds stay
    unsettled until then)."""

    account: PaperAccount
    position: PaperPosition | None
    fill: Fill
    settles_on: date | None


@dataclass(frozen=True, slots=True)
class _Progress:
    """An order's fill progress as stored: status, filled quantity, average price, when."""

    status: OrderStatus
    filled: Decimal
    average: Decimal | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class _FillChange:
    """What a fill makes of its order, position and cash (``amount``: what it costs or brings)."""

    order: _Progress
    position: PaperPosition | None
    cash: Decimal
    amount: Decimal


def _fill_change(order: PaperOrder, booking: FillBooking) -> _FillChange:
    fill, account = booking.fill, booking.account
    amount = round_money(fill.quantity * fill.price + fill.fee * fill.side.sign)
    filled = order.filled_quantity + fill.quantity
    previous_value = (order.average_fill_price or ZERO) * order.filled_quantity
    average = (previous_value + fill.value) / filled
    done = order.quantity is not None and filled >= order.quantity
    status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
    cash = account.cash - amount if fill.side is Side.BUY else account.cash + amount
    progress = _Progress(status, filled, average, fill.time)
    return _FillChange(progress, _moved_position(booking.position, fill), cash, amount)


def _apply_fill(
    order: PaperOrder, booking: FillBooking, change: _FillChange
) -> PaperPosition | None:
    """The mirrors after the fill's transaction committed; the position after it."""
    order.filled_quantity = change.order.filled
    order.average_fill_price = change.order.average
    order.status = change.order.status
    order.updated_at = booking.fill.time
    order.fills.append(booking.fill)
    booking.account.cash = change.cash
    return change.position


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

    def create_order(self, order: PaperOrder) -> None:
        """Insert a new order's mirror (see :func:`new_order`), committed.

        The client order id is unique: a second order under it raises DuplicateOrder.
        """
        progress = _Progress(
            order.status, order.filled_quantity, order.average_fill_price, order.updated_at
        )
        self._insert_order(order, progress)

    def create_filled_order(self, order: PaperOrder, booking: FillBooking) -> PaperPosition | None:
        """Insert ``order`` (a new mirror, see :func:`new_order`) as its first fill leaves it,
        and book that fill, in one transaction; then the mirrors change as :meth:`record_fill`
        says. DuplicateOrder (nothing written) when the client order id is taken."""
        change = _fill_change(order, booking)
        with self.db.atomic():
            self._insert_order(order, change.order)
            self._write_fill(booking, change)
        return _apply_fill(order, booking, change)

    def _insert_order(self, order: PaperOrder, progress: _Progress) -> None:
        values = (
            order.client_order_id, order.broker_order_id, order.symbol, order.side.value,
            order.order_type.value, decimal_text(order.quantity), decimal_text(order.notional),
            decimal_text(order.limit_price), order.time_in_force.value,
            1 if order.extended_hours else 0, progress.status.value,
            decimal_text(progress.filled), decimal_text(progress.average), order.reason,
            utc_text(order.created_at), utc_text(progress.updated_at),
        )  # fmt: skip
        try:
            self.db.execute_sql(_ORDER_INSERT, values)
        except IntegrityError:
            raise DuplicateOrder(
                f"an order with client id {order.client_order_id} already exists"
            ) from None

    def set_status(
        self, order: PaperOrder, status: OrderStatus, reason: str, now: datetime
    ) -> None:
        """One UPDATE (committed), then the mirror."""
        values = (status.value, reason, utc_text(now), order.client_order_id)
        self.db.execute_sql(_ORDER_STATUS, values)
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

    def record_fill(self, order: PaperOrder, booking: FillBooking) -> PaperPosition | None:
        """Book a fill atomically: fill row, order progress, position, cash (and unsettled cash).

        Returns the position after the fill (None when it closed). The mirrors
        (order, account) change only once the transaction has committed.
        """
        change = _fill_change(order, booking)
        progress = change.order
        with self.db.atomic():
            self.db.execute_sql(
                _ORDER_PROGRESS,
                (progress.status.value, decimal_text(progress.filled),
                 decimal_text(progress.average), utc_text(progress.updated_at),
                 order.client_order_id),
            )  # fmt: skip
            self._write_fill(booking, change)
        return _apply_fill(order, booking, change)

    def _write_fill(self, booking: FillBooking, change: _FillChange) -> None:
        """The fill's own rows, its position and cash (in the caller's transaction)."""
        fill = booking.fill
        execute = self.db.execute_sql
        execute(
            _FILL_INSERT,
            (fill.execution_id, fill.client_order_id, fill.symbol, fill.side.value,
             decimal_text(fill.quantity), decimal_text(fill.price), utc_text(fill.time)),
        )  # fmt: skip
        after = change.position
        if after is None:
            execute(_POSITION_DELETE, (fill.symbol,))
        else:
            quantity, cost = decimal_text(after.quantity), decimal_text(after.average_cost)
            execute(_POSITION_REPLACE, (after.symbol, quantity, cost))
        execute(_ACCOUNT_CASH, (decimal_text(change.cash), booking.account.id))
        if fill.side is Side.SELL and booking.settles_on is not None:
            values = (fill.execution_id, decimal_text(change.amount),
                      booking.settles_on.isoformat())  # fmt: skip
            execute(_CASH_INSERT, values)

    def unsettled_cash(self, today: date) -> Decimal:
        """Sale proceeds whose settlement date is after ``today`` (a New York date)."""
        query = PaperCashRow.select().where(PaperCashRow.settlement_date > today.isoformat())
        return sum((row.amount for row in query.execute(self.db)), ZERO)

    def save_equity_close(self, trade_day: date, equity: Decimal, now: datetime) -> None:
        key = f"{EQUITY_CLOSE_PREFIX}{trade_day.isoformat()}"
        self.db.execute_sql(_STATE_REPLACE, (key, str(equity), utc_text(now)))

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
