"""Cancel (confirmed, not assumed), close a position, kill switch and trading-state commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.errors import BrokerError, CancelRejected, OrderNotFound
from app.core.events import OrderCancelRequested
from app.core.models import Order, OrderSource, OrderStatus, Side, TradingState, describe

if TYPE_CHECKING:
    from app.execution.service import ExecutionService


async def cancel(service: ExecutionService, client_order_id: str) -> Order:
    """Ask the broker to cancel; the order is CANCEL_PENDING until the broker reports CANCELLED.

    Raises :class:`OrderNotFound` for an id Sherwood never journaled. A refused
    cancel keeps the order's state and is published as an error.
    """
    order = service.store.get(client_order_id)
    if order is None:
        raise OrderNotFound(f"no order with client id {client_order_id}")
    if order.status.is_terminal:
        await service._error(f"cannot cancel {describe(order)}: it is already {order.status.value}")
        return order
    try:
        answer = await service.broker.cancel(client_order_id)
    except (CancelRejected, OrderNotFound) as exc:
        await service._error(f"cancel of {describe(order)} refused: {exc}")
        found = await service._lookup(client_order_id)
        if found is not None:
            await service.updates.apply(found, found.fills)
        return order
    except BrokerError as exc:
        await service._error(f"cancel of {describe(order)} not confirmed: {exc}")
        return order
    if order.status is not OrderStatus.CANCEL_PENDING and order.can_transition(
        OrderStatus.CANCEL_PENDING
    ):
        order.transition(OrderStatus.CANCEL_PENDING, service.clock.now())
        service.store.save(order)
        service.log.info("cancel requested for %s", describe(order))
        await service.bus.publish(
            OrderCancelRequested(time=service.clock.now(), order=order.snapshot())
        )
    # The broker's answer is a report like any other: CANCELLED here is its confirmation.
    await service.updates.apply(answer, answer.fills)
    return order


async def close_position(
    service: ExecutionService, symbol: str, source: OrderSource, reason: str
) -> Order | None:
    position = service.portfolio.get_position(symbol)
    if position is None or position.quantity <= 0:
        await service._error(f"no position in {symbol} to close")
        return None
    return await service.place(
        symbol, Side.SELL, quantity=position.quantity, source=source, reason=reason
    )


async def kill_switch(service: ExecutionService, flatten: bool) -> list[Order]:
    """Halt, cancel every open order, then (optionally) sell every position with RISK orders."""
    await service.risk.halt("kill switch")
    service.log.warning("kill switch: trading halted%s", " and flattening" if flatten else "")
    for order in list(service.store.open_orders()):
        if order.client_order_id in service._inflight:
            continue
        try:
            await cancel(service, order.client_order_id)
        except BrokerError as exc:
            await service._error(f"kill switch could not cancel {describe(order)}: {exc}")
    placed: list[Order] = []
    if flatten:
        for position in list(service.portfolio.open_positions()):
            if position.quantity <= 0:
                continue
            sold = await close_position(
                service, position.symbol, OrderSource.RISK, "kill switch: flatten"
            )
            if sold is not None:
                placed.append(sold)
    return placed


async def set_trading_state(
    service: ExecutionService, state: TradingState, reason: str, flatten: bool
) -> None:
    if state is TradingState.HALTED:
        await kill_switch(service, flatten)
    elif state is TradingState.ACTIVE:
        await service.risk.resume()
    else:
        await service.risk.set_state(state, reason)
