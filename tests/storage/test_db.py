"""The database: WAL mode, migrations, unique keys, exact decimals, per-mode files."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import peewee
import pytest

from app.composition import build_app
from app.config import Mode, Settings
from app.storage.db import SCHEMA_VERSION, current_version, database_path, open_database
from app.storage.settings_store import load_saved_settings, save_settings
from app.storage.tables import BarRow, FillRow, OrderRow

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def _order(client_id: str) -> dict[str, object]:
    return dict(
        client_order_id=client_id, symbol="TQQQ", side="buy", order_type="market",
        quantity=Decimal("0.123456"), time_in_force="gfd", source="manual", status="new",
        created_at=NOW,
    )  # fmt: skip


def test_wal_mode_and_schema_version(db: peewee.SqliteDatabase) -> None:
    assert db.execute_sql("pragma journal_mode").fetchone()[0] == "wal"
    assert current_version(db) == SCHEMA_VERSION


@pytest.mark.parametrize(("mode", "level"), [(Mode.LIVE, 2), (Mode.PAPER, 1)])
def test_a_live_commit_is_on_disk_before_it_returns(tmp_path: Path, mode: Mode, level: int) -> None:
    """A live order row is committed before Robinhood gets the order: it must survive a
    power cut, which in WAL mode takes synchronous=FULL (2); NORMAL (1) may undo the last
    commits at a power loss, as one: enough for paper, whose broker is in the same file."""
    settings = Settings().replace(mode=mode, robinhood_api_url="http://127.0.0.1:9")
    ctx = build_app(settings, data_dir=tmp_path)
    try:
        assert ctx.db.execute_sql("pragma synchronous").fetchone()[0] == level
    finally:
        ctx.db.close()


def test_client_order_id_is_unique(db: peewee.SqliteDatabase) -> None:
    OrderRow.create(**_order("abc"))
    with pytest.raises(peewee.IntegrityError):
        OrderRow.create(**_order("abc"))


def test_execution_id_is_unique(db: peewee.SqliteDatabase) -> None:
    row = dict(client_order_id="abc", symbol="TQQQ", side="buy", quantity=Decimal(1),
               price=Decimal("50.01"), time=NOW, trade_date="2026-11-24")  # fmt: skip
    FillRow.create(execution_id="e1", **row)
    with pytest.raises(peewee.IntegrityError):
        FillRow.create(execution_id="e1", **row)


def test_bar_key_is_unique(db: peewee.SqliteDatabase) -> None:
    bar = dict(symbol="TQQQ", interval="1m", start=NOW, open=Decimal(1), high=Decimal(2),
               low=Decimal("0.5"), close=Decimal("1.5"), volume=10)  # fmt: skip
    BarRow.create(**bar)
    with pytest.raises(peewee.IntegrityError):
        BarRow.create(**bar)


def test_decimals_and_times_round_trip_exactly(db: peewee.SqliteDatabase) -> None:
    OrderRow.create(**_order("x"))
    row = OrderRow.get(OrderRow.client_order_id == "x")
    assert row.quantity == Decimal("0.123456")
    assert row.created_at == NOW and row.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(db: peewee.SqliteDatabase) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        OrderRow.create(**{**_order("y"), "created_at": datetime(2026, 1, 1)})


def test_an_order_and_its_fill_are_written_atomically(db: peewee.SqliteDatabase) -> None:
    with pytest.raises(RuntimeError), db.atomic():
        OrderRow.create(**_order("z"))
        raise RuntimeError("crash between the two writes")
    assert not OrderRow.select().where(OrderRow.client_order_id == "z").exists()


def test_reopening_keeps_data_and_does_not_migrate_twice(db_path: Path) -> None:
    first = open_database(db_path)
    OrderRow.insert(**_order("keep")).execute(first)
    first.close()
    second = open_database(db_path)
    kept = OrderRow.select().where(OrderRow.client_order_id == "keep").get(second)
    assert kept.symbol == "TQQQ"
    assert current_version(second) == SCHEMA_VERSION
    second.close()


def test_paper_and_live_never_share_a_file(tmp_path: Path) -> None:
    assert database_path(tmp_path, "paper") != database_path(tmp_path, "live")
    with pytest.raises(ValueError):
        database_path(tmp_path, "demo")


def test_saved_settings_refuse_credentials(db: peewee.SqliteDatabase) -> None:
    save_settings(db, {"RSI_PERIOD": "21"})
    assert load_saved_settings(db) == {"RSI_PERIOD": "21"}
    with pytest.raises(ValueError, match="credentials"):
        save_settings(db, {"ROBINHOOD_PASSWORD": "x"})


def test_checkpoints_run_in_the_background_and_the_wal_is_emptied_at_close(
    db_path: Path,
) -> None:
    database = open_database(db_path)
    assert database.execute_sql("pragma wal_autocheckpoint").fetchone()[0] == 0
    checkpointer = database.checkpointer
    assert checkpointer is not None and checkpointer.running
    for i in range(200):
        OrderRow.insert(**_order(f"wal-{i}")).execute(database)
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    database.close()
    assert not checkpointer.running
    assert checkpointer.checkpoints >= 1  # the final truncating checkpoint
    assert not wal.exists() or wal.stat().st_size == 0
    reopened = open_database(db_path, background_checkpoint=False)
    assert OrderRow.select().count(reopened) == 200
    reopened.close()
