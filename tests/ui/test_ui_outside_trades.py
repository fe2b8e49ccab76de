"""The terminal tells the user about a trade made outside Sherwood that reconciliation adopted:
a toast, a line in the log pane, the order in the orders table, the position in positions."""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.core.models import OrderRequest, OrderStatus, Side
from app.ui.main_window import MainWindow


def test_an_adopted_outside_order_shows_as_a_toast_and_in_the_tables(
    terminal: MainWindow, run: Any, until: Any, tmp_path: Path
) -> None:
    ctx = terminal.ctx
    outside = "placed-elsewhere"

    async def body() -> None:
        await until(lambda: terminal.ticket.quote is not None)
        # Another client of the same account places an order: Sherwood did not send it.
        await ctx.broker.submit("placed-elsewhere", OrderRequest("TQQQ", Side.BUY, Decimal(2)))
        for _ in range(250):  # the paper broker fills it (20 ms of simulated latency)
            at_broker = await ctx.broker.get_order("placed-elsewhere")
            if at_broker is not None and at_broker.status is OrderStatus.FILLED:
                break
            await asyncio.sleep(0.02)
        await ctx.execution.reconcile()
        await until(lambda: any(r.client_order_id == outside for r in terminal.orders.rows))
        await until(lambda: any(r.symbol == "TQQQ" for r in terminal.positions.rows))

    run(body())
    [text] = [t for title, t in terminal.notifier.history if title == "Outside Sherwood"]
    row = next(r for r in terminal.orders.rows if r.client_order_id == "placed-elsewhere")
    assert f"buy 2 TQQQ, filled 2 @ ${row.average_fill_price:,.2f}" in text
    assert "outside Sherwood" in text
    assert row.status is OrderStatus.FILLED and row.request.source.value == "external"
    assert next(r for r in terminal.positions.rows if r.symbol == "TQQQ").quantity == 2
    shots = Path(os.environ.get("SHERWOOD_SHOTS", tmp_path))
    terminal.grab().save(str(shots / "outside_order_adopted.png"))
