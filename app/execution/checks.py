"""Pre-trade checks in a fixed order: risk, then compliance; any failure denies (fail closed)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from app.core.models import Order, OrderRequest, OrderSource

log = logging.getLogger("sherwood.execution")


class RiskCheck(Protocol):
    """Risk's pre-trade check: a result with ``allowed``, ``reason``, ``price``, ``warning``,
    ``max_quantity`` (or an awaitable of one)."""

    def validate_order(self, request: OrderRequest, pending: Sequence[Order]) -> Any: ...


class ComplianceCheck(Protocol):
    """Compliance's pre-trade check (same shape of result as risk's)."""

    def can_trade(
        self,
        request: OrderRequest,
        pending: Sequence[Order] = (),
        *,
        bot: bool = False,
        price: Decimal | None = None,
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class Verdict:
    """The combined answer: allowed, or denied by ``source`` ("risk" / "compliance")."""

    allowed: bool
    reason: str = ""
    source: str = ""
    max_quantity: Decimal | None = None
    warnings: tuple[str, ...] = ()


ALLOWED = Verdict(True)  # immutable: the one verdict of every order allowed without warnings


async def run_checks(
    risk: RiskCheck, compliance: ComplianceCheck, request: OrderRequest, pending: Sequence[Order]
) -> Verdict:
    """Risk first, then compliance. An exception inside a check is a denial, never a pass."""
    try:
        risk_result = risk.validate_order(request, pending)
        if inspect.isawaitable(risk_result):
            risk_result = await risk_result
    except Exception as exc:
        log.exception("risk check failed for %s", request.symbol)
        return Verdict(False, f"risk check failed: {exc}", "risk")
    refused = _refusal(risk_result, "risk")
    if refused is not None:
        return refused
    try:
        compliance_result = compliance.can_trade(
            request,
            pending,
            bot=request.source is OrderSource.BOT,
            price=getattr(risk_result, "price", None),
        )
        if inspect.isawaitable(compliance_result):
            compliance_result = await compliance_result
    except Exception as exc:
        log.exception("compliance check failed for %s", request.symbol)
        return Verdict(False, f"compliance check failed: {exc}", "compliance")
    refused = _refusal(compliance_result, "compliance")
    if refused is not None:
        return refused
    risk_warning = getattr(risk_result, "warning", "")
    compliance_warning = getattr(compliance_result, "warning", "")
    if not risk_warning and not compliance_warning:
        return ALLOWED
    warnings = tuple(w for w in (risk_warning, compliance_warning) if w)
    return Verdict(True, warnings=warnings)


def _refusal(result: Any, source: str) -> Verdict | None:
    """The denial a check's result stands for (None when it allows the order)."""
    if getattr(result, "allowed", False):
        return None
    reason = getattr(result, "reason", "") or f"{source} check refused the order"
    return Verdict(False, reason, source, getattr(result, "max_quantity", None))
