"""A bot refused again and again for the same reason is one toast, not one per signal;
every refused click is a toast."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.core.models import OrderRequest, OrderSource, OrderStatus, Side


def denial_toasts(window: Any) -> list[str]:
    return [text for title, text in window.notifier.history if title == "Order denied"]


def test_the_bots_repeated_denial_is_toasted_once_and_each_click_always(
    terminal: Any, run: Any, until: Any
) -> None:
    execution, risk = terminal.ctx.execution, terminal.ctx.risk
    run(risk.halt("kill switch"))
    bot_buy = OrderRequest("TQQQ", Side.BUY, notional=Decimal("20"), source=OrderSource.BOT)
    denied = [run(execution.submit(bot_buy)) for _ in range(4)]  # four signals while halted
    assert {order.status for order in denied} == {OrderStatus.DENIED}
    run(until(lambda: all(terminal.orders.item(o.client_order_id) for o in denied)))
    assert len(denial_toasts(terminal)) == 1

    for _ in range(2):  # two clicks on Buy while halted
        order = run(execution.place("TQQQ", Side.BUY, notional=Decimal("5")))
        assert order.status is OrderStatus.DENIED
    run(until(lambda: len(denial_toasts(terminal)) >= 3))
    assert len(denial_toasts(terminal)) == 3
