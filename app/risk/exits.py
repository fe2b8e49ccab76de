"""Profit target / stop loss: the pure exit rule and the once-per-episode trigger memory."""

from __future__ import annotations

from decimal import Decimal

from app.config import Settings
from app.core.models import Position
from app.risk.decisions import ExitCheck
from app.risk.limits import fmt_money

PROFIT_TARGET = "profit_target"
STOP_LOSS = "stop_loss"


def evaluate_exit(
    position: Position | None, price: Decimal | None, settings: Settings
) -> ExitCheck:
    """P/L % = (price - average cost) / average cost x 100; profit target checked first.

    No position, no price or an entry price of 0 give ``should_exit=False`` with
    the reason in ``detail`` (never a ZeroDivisionError).
    """
    if position is None or position.quantity <= 0:
        return ExitCheck(False, "", None, price, "no open position")
    if price is None or not price.is_finite() or price <= 0:
        return ExitCheck(False, "", None, None, f"no fresh price for {position.symbol}")
    entry = position.average_cost
    if not entry.is_finite() or entry <= 0:
        return ExitCheck(
            False, "", None, price, f"entry price {fmt_money(entry)} unknown: no exit check"
        )
    pnl_pct, reason = exit_rule(price, entry, settings)
    if reason == PROFIT_TARGET:
        detail = f"up {pnl_pct:.2f} % >= profit target {settings.profit_target_pct} %"
        return ExitCheck(True, PROFIT_TARGET, pnl_pct, price, detail)
    if reason == STOP_LOSS:
        detail = f"down {pnl_pct:.2f} % <= stop loss {settings.stop_loss_pct} %"
        return ExitCheck(True, STOP_LOSS, pnl_pct, price, detail)
    return ExitCheck(False, "", pnl_pct, price, "within target and stop")


def exit_rule(price: Decimal, entry: Decimal, settings: Settings) -> tuple[Decimal, str]:
    """(P/L %, PROFIT_TARGET / STOP_LOSS / "") for a valid ``price`` and ``entry`` (> 0).

    The rule alone, without the human text. P/L % = (price - entry) / entry x 100
    is compared with the settings' percentages by multiplying out the division,
    so a price exactly at a target or stop (+1 % of 33.33) counts as reaching it.
    """
    gain = (price - entry) * 100
    pnl_pct = gain / entry
    if gain >= settings.profit_target_pct * entry:
        return pnl_pct, PROFIT_TARGET
    if gain <= settings.stop_loss_pct * entry:
        return pnl_pct, STOP_LOSS
    return pnl_pct, ""


class FiredExits:
    """Remembers which exits fired for each position episode.

    An episode is a position's (quantity, average cost); any change re-arms
    both exits, so an exit fires once while the price stays past it.
    """

    def __init__(self) -> None:
        self._fired: dict[str, tuple[tuple[Decimal, Decimal], set[str]]] = {}

    def armed(self, position: Position, reason: str) -> bool:
        """True while ``reason`` has not fired in this episode of ``position``."""
        current = self._fired.get(position.symbol)
        episode = (position.quantity, position.average_cost)
        return current is None or current[0] != episode or reason not in current[1]

    def should_fire(self, position: Position, reason: str) -> bool:
        """True the first time ``reason`` is seen for this episode (and records it)."""
        episode = (position.quantity, position.average_cost)
        current = self._fired.get(position.symbol)
        if current is None or current[0] != episode:
            current = (episode, set())
            self._fired[position.symbol] = current
        if reason in current[1]:
            return False
        current[1].add(reason)
        return True
