"""Import the original bots' ``transactions.json`` into Sherwood's journal and paper account.

The old log is ``{transactions, day_trades, current_position, last_updated}``
(the format is described in ``legacy/README.md``). Each BUY or SELL record
becomes, in one transaction:

* a filled order and its fill in the order journal (``OrderRow`` +
  ``FillRow`` with ``applied=False``, source ``legacy``), so on the next start
  the portfolio (positions, P&L) and the compliance service (day trades, on
  the New York trade date) fold them in through the same path as any fill;
* the same order and fill at the paper broker (its order, fill, position and
  cash rows, through :class:`~app.brokers.paper_store.PaperStore`), so the
  paper account holds what the old bot held and the position can be sold.

The whole file is read and checked before anything is written: a record the
old bot could not have made (a SELL of more shares than were held, a BUY the
paper account's cash cannot pay) refuses the import, naming the record, and
nothing is written. Importing the same file twice adds nothing. The old bots
wrote naive local timestamps; ``timezone`` says where they ran.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from peewee import Database

from app.brokers.paper_store import FillBooking, PaperStore, new_order
from app.calendar import settlement_date, trade_date
from app.core.models import (
    AccountType,
    Fill,
    OrderRequest,
    OrderSource,
    OrderStatus,
    Side,
    normalize_symbol,
)
from app.core.money import ZERO, to_decimal
from app.storage.tables import FillRow, OrderRow

IMPORT_REASON = "imported from transactions.json"


class LegacyLogError(ValueError):
    """The old log cannot be imported; the message names the file and the record."""


@dataclass(frozen=True, slots=True)
class LegacyRecord:
    index: int
    side: Side
    symbol: str
    quantity: Decimal
    price: Decimal
    time: datetime
    order_id: str

    @property
    def client_order_id(self) -> str:
        return f"legacy-{self.order_id}-{self.side.value}"

    @property
    def execution_id(self) -> str:
        return f"legacy-{self.order_id}-{self.side.value}"

    def describe(self) -> str:
        when = self.time.strftime("%Y-%m-%d %H:%M")
        return (
            f"transactions[{self.index}] ({self.side.value.upper()} {self.quantity.normalize():f}"
            f" {self.symbol} at {self.price} on {when})"
        )


@dataclass(frozen=True, slots=True)
class ImportReport:
    read: int
    imported: int
    skipped_existing: int


@dataclass(frozen=True, slots=True)
class PaperAccountSetup:
    """How a paper account is created when the import is the first thing in it."""

    starting_cash: Decimal
    account_type: AccountType


def _parse_record(index: int, raw: Any, tz: ZoneInfo, path: Path) -> LegacyRecord:
    where = f"{path}: transactions[{index}]"

    def fail(message: str) -> LegacyLogError:
        return LegacyLogError(f"{where}: {message}")

    if not isinstance(raw, dict):
        raise fail("is not an object")
    kind = str(raw.get("type", "")).upper()
    if kind not in ("BUY", "SELL"):
        raise fail(f"type must be BUY or SELL, got {raw.get('type')!r}")
    try:
        symbol = normalize_symbol(str(raw.get("symbol", "")))
        quantity = to_decimal(raw.get("quantity"), "quantity")
        price = to_decimal(raw.get("price"), "price")
    except ValueError as exc:
        raise fail(str(exc)) from None
    if not (quantity.is_finite() and price.is_finite()) or quantity <= 0 or price <= 0:
        raise fail("quantity and price must be positive")
    try:
        when = datetime.fromisoformat(str(raw.get("timestamp")))
    except ValueError:
        raise fail(f"timestamp is not ISO-8601: {raw.get('timestamp')!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    order_id = str(raw.get("order_id") or f"row{index}")
    side = Side.BUY if kind == "BUY" else Side.SELL
    return LegacyRecord(index, side, symbol, quantity, price, when, order_id)


def check_consistent(records: list[LegacyRecord], path: Path) -> None:
    """Refuse a log that sells shares it does not hold (in time order), naming the record."""
    held: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for record in sorted(records, key=lambda r: (r.time, r.index)):
        if record.side is Side.BUY:
            held[record.symbol] += record.quantity
            continue
        if record.quantity > held[record.symbol]:
            raise LegacyLogError(
                f"{path}: {record.describe()} sells {record.quantity.normalize():f} shares "
                f"while the log holds only {held[record.symbol].normalize():f}; "
                "fix or remove that record, nothing was imported"
            )
        held[record.symbol] -= record.quantity
    ids: dict[str, LegacyRecord] = {}
    for record in records:
        other = ids.setdefault(record.execution_id, record)
        if other is not record:
            raise LegacyLogError(
                f"{path}: {record.describe()} repeats the order_id of transactions[{other.index}]"
            )


def read_legacy_log(path: Path, timezone: str = "America/New_York") -> list[LegacyRecord]:
    """Parse and check the whole file; raises LegacyLogError naming the bad record."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise LegacyLogError(f"{path}, line {exc.lineno}: not valid JSON: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise LegacyLogError(f"{path}: not UTF-8 text ({exc.reason})") from None
    records = document.get("transactions") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise LegacyLogError(f"{path}: no 'transactions' list at the top level")
    tz = ZoneInfo(timezone)
    parsed = [_parse_record(i, raw, tz, path) for i, raw in enumerate(records)]
    check_consistent(parsed, path)
    return parsed


def import_legacy_log(
    path: Path,
    db: Database,
    account: PaperAccountSetup,
    now: datetime,
    timezone: str = "America/New_York",
) -> ImportReport:
    """Write the records into ``db`` (journal and paper account), atomically and idempotently."""
    records = read_legacy_log(path, timezone)
    paper = PaperStore(db)
    imported = skipped = 0
    with db.atomic():
        cash_account = paper.load_or_create_account(
            account.starting_cash, account.account_type, now
        )
        positions = paper.positions()
        for record in sorted(records, key=lambda r: (r.time, r.index)):
            if FillRow.select().where(FillRow.execution_id == record.execution_id).exists(db):
                skipped += 1
                continue
            _journal(db, record)
            fill = Fill(
                execution_id=record.execution_id, client_order_id=record.client_order_id,
                symbol=record.symbol, side=record.side, quantity=record.quantity,
                price=record.price, time=record.time,
            )  # fmt: skip
            if record.side is Side.BUY and cash_account.cash < fill.value:
                raise LegacyLogError(
                    f"{path}: {record.describe()} costs ${fill.value:.2f} but the paper "
                    f"account has ${cash_account.cash:.2f}; start Sherwood with a larger "
                    "PAPER_STARTING_CASH on a new --data-dir, nothing was imported"
                )
            order = new_order(
                record.client_order_id, record.order_id,
                OrderRequest(
                    symbol=record.symbol, side=record.side, quantity=record.quantity,
                    source=OrderSource.LEGACY, reason=IMPORT_REASON,
                ),
                record.quantity, OrderStatus.ACCEPTED, IMPORT_REASON, record.time,
            )  # fmt: skip
            day = trade_date(record.time)
            sale_settles = (
                settlement_date(day)
                if record.side is Side.SELL and cash_account.account_type == AccountType.CASH
                else None
            )
            booking = FillBooking(cash_account, positions.get(record.symbol), fill, sale_settles)
            try:
                after = paper.create_filled_order(order, booking)
            except ValueError:  # the paper account holds less than the log sells
                held = positions.get(record.symbol)
                raise LegacyLogError(
                    f"{path}: {record.describe()} sells more than the paper account holds "
                    f"({held.quantity.normalize() if held else 0} {record.symbol}); "
                    "nothing was imported"
                ) from None
            if after is None:
                positions.pop(record.symbol, None)
            else:
                positions[record.symbol] = after
            imported += 1
    return ImportReport(read=len(records), imported=imported, skipped_existing=skipped)


def _journal(db: Database, record: LegacyRecord) -> None:
    """The record as a filled order and its (not yet applied) fill in the order journal."""
    OrderRow.insert(
        client_order_id=record.client_order_id,
        broker_order_id=record.order_id,
        symbol=record.symbol,
        side=record.side.value,
        order_type="market",
        quantity=record.quantity,
        time_in_force="gfd",
        source=OrderSource.LEGACY.value,
        status=OrderStatus.FILLED.value,
        filled_quantity=record.quantity,
        average_fill_price=record.price,
        reason=IMPORT_REASON,
        created_at=record.time,
        updated_at=record.time,
    ).on_conflict_ignore().execute(db)
    day = trade_date(record.time)
    FillRow.insert(
        execution_id=record.execution_id,
        client_order_id=record.client_order_id,
        symbol=record.symbol,
        side=record.side.value,
        quantity=record.quantity,
        price=record.price,
        time=record.time,
        trade_date=day.isoformat(),
        settlement_date=settlement_date(day).isoformat(),
        applied=False,
    ).execute(db)
