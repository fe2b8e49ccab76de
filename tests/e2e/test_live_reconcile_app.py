"""The whole app (build_app) in live mode against the fake Robinhood: started logged out, it
reconciles as soon as the user logs in, adopting the position and the order made outside
Sherwood; the paper database in the same data folder is never touched by it, nor the
other way round."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fake_robinhood.state import Position as FakePosition
from live_robinhood import eventually, running_fake
from memory_keyring import MemoryKeyring

from app.composition import build_app
from app.config import Mode, Settings
from app.core.clock import SimulatedClock
from app.core.events import Event, OutsideTradeAdopted
from app.core.models import OrderSource, OrderStatus
from app.storage.db import database_path, open_database
from app.storage.tables import OrderRow, PositionRow

NEW_YORK_10AM = "2026-11-24T15:00:00+00:00"


def table(path: Path, model: Any) -> list[Any]:
    db = open_database(path)
    try:
        return list(model.select().execute(db))
    finally:
        db.close()


async def test_live_login_adopts_outside_trades_and_the_paper_book_stays_apart(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    data = tmp_path / "data"
    paper = build_app(
        Settings().replace(
            paper_latency_ms=0, max_investment=Decimal(500), max_position_value=Decimal(2000)
        ),
        data_dir=data, clock=SimulatedClock(datetime.fromisoformat(NEW_YORK_10AM), speed=20),
    )  # fmt: skip
    await paper.start()
    try:
        await eventually(lambda: paper.market_data.latest_quote("TQQQ") is not None, "a quote")
        bought = await paper.execution.buy("TQQQ", quantity=Decimal("1"))
        await eventually(lambda: bought.status.is_terminal, "the paper order to finish")
        assert bought.status is OrderStatus.FILLED, bought.reason
    finally:
        await paper.stop()
    paper_orders = [(r.client_order_id, r.status) for r in table(database_path(data, "paper"),
                                                                  OrderRow)]  # fmt: skip

    with running_fake() as fake:
        fake.state.positions.append(FakePosition("SPY", Decimal(2), Decimal("590.00")))
        resting = fake.trading.place_outside("TQQQ", "buy", Decimal(1), Decimal("50.00"))
        settings = Settings().replace(mode=Mode.LIVE, robinhood_api_url=fake.url)
        live = build_app(settings, data_dir=data)
        seen: list[Event] = []
        live.bus.subscribe(OutsideTradeAdopted, seen.append)
        await live.start()
        try:
            assert live.gateway is not None and not live.gateway.logged_in
            assert live.portfolio.open_positions() == [] and seen == []  # nothing known yet

            await live.gateway.login("dave", "hunter2")

            await eventually(lambda: len(seen) == 2, "the adoptions after the login")
            held = {p.symbol: p.quantity for p in live.portfolio.open_positions()}
            assert held == {"SPY": Decimal(2)}  # the fake's, not the paper account's TQQQ
            adopted = live.execution.get_order(f"robinhood:{resting.id}")
            assert adopted is not None and adopted.request.source is OrderSource.EXTERNAL
            assert adopted.status is OrderStatus.ACCEPTED
        finally:
            await live.stop()

    live_rows = {r.symbol: r.quantity for r in table(database_path(data, "live"), PositionRow)}
    paper_rows = {r.symbol: r.quantity for r in table(database_path(data, "paper"), PositionRow)}
    assert live_rows == {"SPY": Decimal(2)}
    assert paper_rows == {"TQQQ": Decimal(1)}
    again = [(r.client_order_id, r.status) for r in table(database_path(data, "paper"), OrderRow)]
    assert again == paper_orders  # the live app wrote nothing in the paper database
    assert not any(cid.startswith("robinhood:") for cid, _ in again)
