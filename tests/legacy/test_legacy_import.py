"""Importing the original bots' transactions.json: exact, atomic, idempotent, New York dates."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import peewee
import pytest

from app.core.errors import DataFormatError
from app.legacy.importer import import_legacy_log
from app.storage.tables import FillRow, OrderRow

REPO = Path(__file__).resolve().parents[2]

LOG = {
    "transactions": [
        {"type": "BUY", "symbol": "TQQQ", "quantity": 2, "price": 50.10, "total_cost": 100.20,
         "timestamp": "2025-03-03T10:05:00", "order_id": "a1"},
        {"type": "SELL", "symbol": "TQQQ", "quantity": 2, "price": 50.70, "total_proceeds": 101.4,
         "profit_loss": 1.2, "profit_loss_pct": 1.2, "timestamp": "2025-03-03T21:30:00",
         "order_id": "a2"},
    ],
    "day_trades": [],
    "current_position": None,
    "last_updated": "2025-03-03T21:30:00",
}  # fmt: skip


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "transactions.json"
    path.write_text(json.dumps(document))
    return path


def test_records_become_filled_orders_with_new_york_trade_dates(
    db: peewee.SqliteDatabase, tmp_path: Path
) -> None:
    report = import_legacy_log(_write(tmp_path, LOG))
    assert (report.read, report.imported) == (2, 2)
    fills = list(FillRow.select().order_by(FillRow.time))
    assert [f.side for f in fills] == ["buy", "sell"]
    assert fills[0].price == Decimal("50.1")
    # a sell at 21:30 New York time belongs to the next trading day
    assert [f.trade_date for f in fills] == ["2025-03-03", "2025-03-04"]
    assert all(not f.applied for f in fills)
    assert OrderRow.select().where(OrderRow.status == "filled").count() == 2


def test_importing_twice_adds_nothing(db: peewee.SqliteDatabase, tmp_path: Path) -> None:
    path = _write(tmp_path, LOG)
    import_legacy_log(path)
    report = import_legacy_log(path)
    assert (report.imported, report.skipped_existing) == (0, 2)
    assert FillRow.select().count() == 2


def test_a_bad_record_names_itself_and_nothing_is_imported(
    db: peewee.SqliteDatabase, tmp_path: Path
) -> None:
    broken = {"transactions": [LOG["transactions"][0], {"type": "SELL", "symbol": "TQQQ",  # type: ignore[index]
              "quantity": "two", "price": 1, "timestamp": "2025-03-03T11:00:00"}]}  # fmt: skip
    with pytest.raises(DataFormatError, match=r"transactions\[1\].*quantity must be a number"):
        import_legacy_log(_write(tmp_path, broken))
    assert FillRow.select().count() == 0


def test_command_line_importer(tmp_path: Path) -> None:
    path = _write(tmp_path, LOG)
    result = subprocess.run(
        [sys.executable, str(REPO / "legacy" / "import_transactions.py"), str(path),
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "imported 2" in result.stdout
    assert (tmp_path / "data" / "paper.sqlite3").exists()
