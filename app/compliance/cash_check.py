"""The cash-account pre-trade check: enough settled plus unsettled cash, no good-faith violation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from app.compliance.settlement import SettlementLedger
from app.core.models import Order, OrderRequest, Side
from app.core.money import ZERO
from app.risk.decisions import CheckResult
from app.risk.limits import fmt_money, fmt_qty, pending_shares


def check_cash_order(
    ledger: SettlementLedger,
    request: OrderRequest,
    pending: Sequence[Order],
    price: Decimal | None,
    today: date,
) -> CheckResult:
    """Would ``request`` spend cash the account lacks, or sell unpaid shares (a GFV)?

    ``ledger`` must already be rolled to ``today``; ``pending`` open buys reserve cash.
    """
    if request.side is Side.SELL:
        quantity = request.quantity
        if quantity is None:
            reference = request.limit_price or price
            if reference is None:
                return CheckResult(True, warning="good-faith check skipped: no price")
            quantity = request.notional / reference if request.notional else ZERO
        selling = pending_shares(pending, request.symbol, Side.SELL, price or Decimal(1))
        blocked = ledger.unpaid_until(request.symbol, quantity, today, selling)
        if blocked is not None:
            return CheckResult(
                False,
                f"selling {fmt_qty(quantity)} {request.symbol} now would be a good-faith "
                f"violation: it was bought with unsettled funds that settle on "
                f"{blocked.isoformat()}",
            )
        return CheckResult(True)
    if not ledger.cash_known:
        return CheckResult(True, warning="cash not checked: account balances not loaded yet")
    cost = order_cost(request.notional, request.quantity, request.limit_price or price)
    if cost is None:
        return CheckResult(True, warning="cash not checked: no price for a market order")
    reserved = ZERO
    for order in pending:
        if order.side is Side.BUY and order.status.is_open:
            remaining = order.remaining_quantity
            order_price = order.request.limit_price or price
            if remaining is None:
                reserved += order.request.notional or ZERO
            elif order_price is not None:
                reserved += remaining * order_price
    available = ledger.settled + ledger.unsettled_total - reserved
    if cost > available:
        return CheckResult(
            False,
            f"needs {fmt_money(cost)}, only {fmt_money(available)} cash available "
            f"(settled {fmt_money(ledger.settled)}, unsettled "
            f"{fmt_money(ledger.unsettled_total)}, open buys {fmt_money(reserved)})",
        )
    return CheckResult(True)


def order_cost(
    notional: Decimal | None, quantity: Decimal | None, price: Decimal | None
) -> Decimal | None:
    if notional is not None:
        return notional
    if quantity is None or price is None:
        return None
    return quantity * price
