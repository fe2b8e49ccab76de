"""Import the original bots' ``transactions.json`` into Sherwood's order journal.

The old log is ``{transactions, day_trades, current_position, last_updated}``;
BUY records are ``{type, symbol, quantity, price, total_cost, timestamp,
order_id}`` and SELL records add ``total_proceeds, profit_loss,
profit_loss_pct``. Each record becomes a filled order and its fill in the
journal (``OrderRow`` + ``FillRow`` with ``applied=False``), so the portfolio
folds them in through the same path as any fill, and the compliance service
counts day trades from them on the New York trade date. The import is
all-or-nothing and idempotent: importing the same file twice adds nothing.
The old bots wrote naive local timestamps; ``timezone`` says where they ran.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app.calendar import settlement_date, trade_date
from app.core.errors import DataFormatError
from app.core.models import normalize_symbol
from app.core.money import to_decimal
from app.storage.tables import FillRow, OrderRow


@dataclass(frozen=True, slots=True)
class LegacyRecord:
    index: int
    side: str
    symbol: str
    quantity: Decimal
    price: Decimal
    time: datetime
    order_id: str

    @property
    def client_order_id(self) -> str:
        return f"legacy-{self.order_id}"

    @property
    def execution_id(self) -> str:
        return f"legacy-{self.order_id}-{self.side}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    read: int
    imported: int
    skipped_existing: int


def _parse_record(index: int, raw: Any, tz: ZoneInfo, path: str) -> LegacyRecord:
    where = f"transactions[{index}]"

    def fail(message: str) -> DataFormatError:
        return DataFormatError(path, index + 1, f"{where}: {message}")

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
    if quantity <= 0 or price <= 0:
        raise fail("quantity and price must be positive")
    try:
        when = datetime.fromisoformat(str(raw.get("timestamp")))
    except ValueError:
        raise fail(f"timestamp is not ISO-8601: {raw.get('timestamp')!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    order_id = str(raw.get("order_id") or f"row{index}")
    return LegacyRecord(index, kind.lower(), symbol, quantity, price, when, order_id)


def read_legacy_log(path: Path, timezone: str = "America/New_York") -> list[LegacyRecord]:
    """Parse and validate the whole file; raises DataFormatError naming the bad record."""
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataFormatError(str(path), exc.lineno, f"not valid JSON: {exc.msg}") from None
    records = document.get("transactions") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise DataFormatError(str(path), 1, "no 'transactions' list at the top level")
    tz = ZoneInfo(timezone)
    return [_parse_record(i, raw, tz, str(path)) for i, raw in enumerate(records)]


def import_legacy_log(path: Path, timezone: str = "America/New_York") -> ImportReport:
    """Write the records into the open database's journal, atomically and idempotently."""
    records = read_legacy_log(path, timezone)
    database = OrderRow._meta.database
    imported = skipped = 0
    with database.atomic():
        for record in sorted(records, key=lambda r: r.time):
            if FillRow.select().where(FillRow.execution_id == record.execution_id).exists():
                skipped += 1
                continue
            OrderRow.insert(
                client_order_id=record.client_order_id + f"-{record.side}",
                broker_order_id=record.order_id,
                symbol=record.symbol,
                side=record.side,
                order_type="market",
                quantity=record.quantity,
                time_in_force="gfd",
                source="legacy",
                status="filled",
                filled_quantity=record.quantity,
                average_fill_price=record.price,
                reason="imported from transactions.json",
                created_at=record.time,
                updated_at=record.time,
            ).on_conflict_ignore().execute()
            day = trade_date(record.time)
            FillRow.create(
                execution_id=record.execution_id,
                client_order_id=record.client_order_id + f"-{record.side}",
                symbol=record.symbol,
                side=record.side,
                quantity=record.quantity,
                price=record.price,
                time=record.time,
                trade_date=day.isoformat(),
                settlement_date=settlement_date(day).isoformat(),
                applied=False,
            )
            imported += 1
    return ImportReport(read=len(records), imported=imported, skipped_existing=skipped)
