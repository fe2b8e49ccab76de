"""Close a position, cancel all, the kill switch and trading-state commands, over narrow ports.

:class:`TradingControls` turns the user's "close", "cancel all", "kill switch" and
"set trading state" into order commands and trading-state changes. It sees
the order pipeline only through :class:`OrderDesk` (place, cancel, open
orders), positions through :class:`~app.core.ports.PositionSource`, and the
trading state through :class:`TradingStateControl`.
"""

from __future__ import annotations

import logging
from typing import Protocol

from app.core.bus import EventBus, Subscription
from app.core.clock import Clock
from app.core.errors import BrokerError
from app.core.events import ClosePosition, ErrorOccurred, SetTradingState
from app.core.models import Order, OrderRequest, OrderSource, Side, TradingState, describe
from app.core.ports import PositionSource

log = logging.getLogger("sherwood.execution")


class OrderDesk(Protocol):
    """The order pipeline as commands see it."""

    async def submit(self, request: OrderRequest) -> Order: ...

    async def cancel(self, client_order_id: str) -> Order: ...

    def open_orders(self, symbol: str | None = None) -> list[Order]: ...


class TradingStateControl(Protocol):
    """Risk's trading state (ACTIVE, REDUCING, HALTED)."""

    async def halt(self, reason: str) -> None: ...

    async def resume(self) -> None: ...

    async def set_state(self, state: TradingState, reason: str) -> None: ...


class TradingControls:
    """Close position, kill switch, resume; also handles the ``ClosePosition`` and
    ``SetTradingState`` commands from the bus."""

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        orders: OrderDesk,
        positions: PositionSource,
        state: TradingStateControl,
    ) -> None:
        self.bus = bus
        self.clock = clock
        self.orders = orders
        self.positions = positions
        self.state = state
        self._subscriptions: list[Subscription] = []

    def start(self) -> None:
        self._subscriptions = [
            self.bus.subscribe(ClosePosition, self._on_close_command),
            self.bus.subscribe(SetTradingState, self._on_state_command),
        ]

    def stop(self) -> None:
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions.clear()

    async def close_position(
        self, symbol: str, source: OrderSource = OrderSource.MANUAL, reason: str = "close position"
    ) -> Order | None:
        """Market-sell the whole position in ``symbol`` (None when flat)."""
        position = self.positions.get_position(symbol)
        if position is None or position.quantity <= 0:
            await self._error(f"no position in {symbol} to close")
            return None
        request = OrderRequest(
            symbol=symbol, side=Side.SELL, quantity=position.quantity, source=source, reason=reason
        )
        return await self.orders.submit(request)

    async def kill_switch(self, flatten: bool = False) -> list[Order]:
        """Halt, cancel every open order, then (optionally) sell every position with RISK orders."""
        await self.state.halt("kill switch")
        log.warning("kill switch: trading halted%s", " and flattening" if flatten else "")
        await self.cancel_all("kill switch")
        placed: list[Order] = []
        if flatten:
            for position in list(self.positions.open_positions()):
                if position.quantity <= 0:
                    continue
                sold = await self.close_position(
                    position.symbol, OrderSource.RISK, "kill switch: flatten"
                )
                if sold is not None:
                    placed.append(sold)
        return placed

    async def cancel_all(self, why: str = "cancel all") -> list[Order]:
        """Cancel every open order (the trading state stays as it is); the cancelled orders."""
        cancelled: list[Order] = []
        for order in list(self.orders.open_orders()):
            try:
                cancelled.append(await self.orders.cancel(order.client_order_id))
            except BrokerError as exc:
                await self._error(f"{why} could not cancel {describe(order)}: {exc}")
        return cancelled

    async def resume(self) -> None:
        await self.state.resume()

    async def set_trading_state(self, state: TradingState, reason: str, flatten: bool) -> None:
        if state is TradingState.HALTED:
            await self.kill_switch(flatten)
        elif state is TradingState.ACTIVE:
            await self.state.resume()
        else:
            await self.state.set_state(state, reason)

    async def _on_close_command(self, command: ClosePosition) -> None:
        await self.close_position(command.symbol)

    async def _on_state_command(self, command: SetTradingState) -> None:
        await self.set_trading_state(command.state, command.reason, command.flatten)

    async def _error(self, message: str) -> None:
        log.warning(message)
        await self.bus.publish(
            ErrorOccurred(time=self.clock.now(), source="execution", message=message)
        )
