"""Result types shared by the risk and compliance checks (and read by execution and the UI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class CheckResult:
    """The answer of a pre-trade check.

    ``allowed`` False comes with a ``reason`` the user sees; ``warning`` is shown
    beside an allowed order. ``max_quantity`` is the largest quantity that would
    pass a size check; ``quantity`` and ``price`` are the shares the order was
    resolved to (dollar orders priced at the live quote) and the reference price.
    """

    allowed: bool
    reason: str = ""
    warning: str = ""
    max_quantity: Decimal | None = None
    quantity: Decimal | None = None  # shares resolved (dollar orders priced at the live quote)
    price: Decimal | None = None  # the reference price used


@dataclass(frozen=True)
class ExitCheck:
    """Whether an open position should exit now; ``detail`` is human text (why not)."""

    should_exit: bool
    reason: str  # "profit_target" | "stop_loss" | ""
    pnl_pct: Decimal | None
    price: Decimal | None
    detail: str = ""


@dataclass(frozen=True)
class Exposure:
    """Money at risk: total market value, its limit, utilisation and value per symbol."""

    total: Decimal
    limit: Decimal
    utilisation_pct: Decimal
    per_position: dict[str, Decimal] = field(default_factory=dict)
