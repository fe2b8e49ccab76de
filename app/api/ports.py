"""What the API needs from the rest of the app: one narrow Protocol per original service.

The composition root fills :class:`Backends` with the real services; the
route modules see only these methods, the same public ones the window uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from app.compliance.day_trades import DayTrade
from app.compliance.status import PdtStatus
from app.core.models import (
    Account,
    Bar,
    Health,
    Interval,
    Order,
    OrderRequest,
    Quote,
    Signal,
    TradingState,
)
from app.gateway.state import SessionStatus
from app.portfolio.views import PnL, PortfolioSummary, PositionView, TransactionView
from app.risk.decisions import CheckResult, ExitCheck, Exposure
from app.strategy.base import StrategyInfo
from app.strategy.engine import MacdValues, RsiValues


class MarketQueries(Protocol):
    def check_symbol(self, symbol: str) -> str: ...

    def get_quote(self, symbol: str) -> Quote: ...

    async def historical_bars(
        self, symbol: str, interval: Interval, count: int = 500, end: datetime | None = None
    ) -> list[Bar]: ...


class StrategyQueries(Protocol):
    def list_strategies(self) -> list[StrategyInfo]: ...

    async def signal_now(self, symbol: str, strategy: str | None = None) -> Signal: ...

    def rsi_values(self, symbol: str) -> RsiValues: ...

    def macd_values(self, symbol: str) -> MacdValues: ...


class OrderDesk(Protocol):
    """Execution: the one way an order reaches the broker (risk, compliance, journal)."""

    async def submit(self, request: OrderRequest, *, signal: Signal | None = None) -> Order: ...

    async def cancel(self, client_order_id: str) -> Order: ...

    def get_order(self, client_order_id: str) -> Order | None: ...

    def open_orders(self, symbol: str | None = None) -> list[Order]: ...

    def orders(self, limit: int = 200) -> list[Order]: ...


class RiskQueries(Protocol):
    @property
    def state(self) -> TradingState: ...

    def validate_order(
        self, request: OrderRequest, pending: Sequence[Order] = ()
    ) -> CheckResult: ...

    def calculate_position_size(self, price: Decimal, budget: Decimal | None = None) -> Decimal: ...

    def check_exit(self, symbol: str, price: Decimal | None = None) -> ExitCheck: ...

    def exposure(self) -> Exposure: ...

    def config(self) -> dict[str, str]: ...


class ComplianceQueries(Protocol):
    def status(self) -> PdtStatus: ...

    def can_trade(
        self,
        request: OrderRequest,
        pending: Sequence[Order] = (),
        *,
        bot: bool = False,
        price: Decimal | None = None,
    ) -> CheckResult: ...

    def day_trades(self, window_only: bool = True) -> list[DayTrade]: ...


class PortfolioQueries(Protocol):
    def positions(self) -> list[PositionView]: ...

    def position_view(self, symbol: str) -> PositionView | None: ...

    def transactions(self, limit: int = 50, symbol: str | None = None) -> list[TransactionView]: ...

    def pnl(self) -> PnL: ...

    def summary(self, account: Account | None = None) -> PortfolioSummary: ...


class Session(Protocol):
    """The Robinhood gateway's session, as the original Gateway's /auth endpoints used it."""

    @property
    def status(self) -> SessionStatus: ...

    async def login(
        self, username: str, password: str, mfa_code: str | None = None
    ) -> SessionStatus: ...

    def submit_code(self, code: str) -> bool: ...

    async def logout(self) -> bool: ...


@dataclass(frozen=True)
class Backends:
    """The services behind the API; ``session`` is None when there is no gateway."""

    mode: str
    default_symbol: str
    bar_interval: Interval
    market: MarketQueries
    strategies: StrategyQueries
    orders: OrderDesk
    risk: RiskQueries
    compliance: ComplianceQueries
    portfolio: PortfolioQueries
    account: Callable[[], Account | None]
    health: Callable[[], dict[str, Health]]
    session: Session | None = None
