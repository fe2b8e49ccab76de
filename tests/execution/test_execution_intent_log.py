"""The intent log: records survive a reopen, a torn last line is skipped, replay into the
journal is idempotent, and the log is emptied once every order in it has its row."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.core.models import Order, OrderRequest, OrderStatus, Side, new_client_order_id
from app.execution.intent_log import CAPACITY, COMPACT_BYTES, IntentLog, intent_log_path
from app.execution.journal import Journal
from app.execution.orders import OrderStore
from app.storage.tables import OrderRow


def new_order(clock, quantity: str = "1") -> Order:  # type: ignore[no-untyped-def]
    request = OrderRequest(symbol="TQQQ", side=Side.BUY, quantity=Decimal(quantity))
    return Order(new_client_order_id(), request, clock.now())


def test_records_survive_a_reopen_and_a_torn_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite3-intents"
    log = IntentLog(path)
    log.append("a\x1f1.5")
    log.append("b\x1f2")
    end = log.size
    log.close()
    with path.open("r+b") as raw:  # the app died in the middle of a third record
        raw.seek(end)
        raw.write(b"c\x1ftor")
    again = IntentLog(path)
    assert again.records() == ["a\x1f1.5", "b\x1f2", "c\x1ftor"]  # the journal checks
    again.clear()
    assert again.records() == [] and path.read_bytes().strip(b"\x00") == b""
    again.append("d")  # appends after a clear start at the beginning again
    again.close()
    assert IntentLog(path).records() == ["d"]


def test_the_log_grows_when_more_orders_are_in_flight_than_it_holds(tmp_path: Path) -> None:
    log = IntentLog(tmp_path / "x-intents")
    record = "0" * 100
    count = CAPACITY // 100 + 10
    for _ in range(count):
        log.append(record)
    log.close()
    assert len(IntentLog(tmp_path / "x-intents").records()) == count


def test_an_in_memory_database_has_no_intent_file() -> None:
    assert intent_log_path(":memory:") is None
    log = IntentLog(None)
    log.append("a")
    assert not log.durable and log.records() == []
    assert intent_log_path("/data/paper.sqlite3") == Path("/data/paper.sqlite3-intents")


def test_replay_journals_unwritten_orders_once_and_keeps_written_rows(db, clock) -> None:  # type: ignore[no-untyped-def]
    store = OrderStore(Journal())
    store.load_open()
    lost = new_order(clock)
    store.save_ahead(lost)  # the app stops before writing its row
    kept = new_order(clock, "2")
    store.save_ahead(kept)
    kept.transition(OrderStatus.SUBMITTED, clock.now())
    kept.transition(OrderStatus.ACCEPTED, clock.now())
    store.write_behind(kept)
    assert OrderRow.select().count() == 1
    intents = store.journal.intents
    torn = new_order(clock)
    store.save_ahead(torn)  # then the app dies in the middle of writing it: cut it short
    assert intents.path is not None and intents._map is not None
    cut = intents.size - 20
    intents._map[cut : intents.size] = bytes(20)
    store.journal.close()

    fresh = OrderStore(Journal())
    opened = {o.client_order_id: o.status for o in fresh.load_open()}
    assert opened == {
        lost.client_order_id: OrderStatus.NEW,
        kept.client_order_id: OrderStatus.ACCEPTED,
    }  # the torn one never reached the broker: nothing to recover
    assert OrderRow.get(OrderRow.client_order_id == lost.client_order_id).quantity == Decimal("1")
    assert fresh.journal.intents.records() == []
    fresh.journal.close()
    assert len(OrderStore(Journal()).load_open()) == 2  # a second replay adds nothing


def test_recent_lists_an_order_before_its_row_is_written(db, clock) -> None:  # type: ignore[no-untyped-def]
    store = OrderStore(Journal())
    store.load_open()
    first = new_order(clock)
    store.save_ahead(first)
    store.write_behind(first)
    second = new_order(clock)
    store.save_ahead(second)
    assert [o.client_order_id for o in store.recent()] == [
        second.client_order_id,
        first.client_order_id,
    ]
    store.journal.close()


def test_the_log_is_emptied_once_every_order_in_it_has_its_row(db, clock) -> None:  # type: ignore[no-untyped-def]
    store = OrderStore(Journal())
    store.load_open()
    intents = store.journal.intents
    orders = []
    while intents.size <= COMPACT_BYTES:
        order = new_order(clock)
        store.save_ahead(order)
        orders.append(order)
    for order in orders[:-1]:
        store.write_behind(order)
    assert intents.size > COMPACT_BYTES  # one order still has only its intent record
    store.write_behind(orders[-1])
    assert intents.size == 0 and intents.records() == []
    assert OrderRow.select().count() == len(orders)
    store.journal.close()


def test_without_fallocate_the_file_is_filled_with_zeros_not_left_sparse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr("os.posix_fallocate", raising=False)  # as on macOS and Windows
    path = tmp_path / "x-intents"
    log = IntentLog(path)
    assert path.stat().st_size == CAPACITY
    assert path.stat().st_blocks * 512 >= CAPACITY  # every block allocated: no hole to fault on
    log.append("a")
    log.close()
    assert IntentLog(path).records() == ["a"]
