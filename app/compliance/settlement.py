"""The cash-account settlement ledger: settled and unsettled cash, and good-faith violations.

Sale proceeds settle T+1 on settlement days (bank holidays excluded, see
:func:`app.calendar.settlement_date`). A buy spends settled cash first, then
unsettled proceeds (earliest settling first); the shares it bought are
"funded until" the latest settlement date of the proceeds it used. Selling
those shares (first in, first out) on a trade date before that settlement date
is a good-faith violation. Shares held before the ledger started count as paid.

The ledger holds what is still open (cash not yet settled, bought shares still
held, the violations of the last twelve months), so writing it after a fill
costs the same on the first day as after a year. Each fill is folded in once:
the caller applies a fill's effects in the transaction that marks it applied
in the order journal (see :mod:`app.execution.updates`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

from app.calendar import settlement_date
from app.core.models import Fill, Side
from app.core.money import ZERO


@dataclass
class Lot:
    """Shares of one buy and the date the money that paid for them settles (None: paid)."""

    symbol: str
    quantity: Decimal
    funded_until: date | None


@dataclass(frozen=True)
class CashStatus:
    settled: Decimal
    unsettled: Decimal
    pending_settlements: list[tuple[date, Decimal]]
    good_faith_violations_12m: int

    @property
    def total(self) -> Decimal:
        return self.settled + self.unsettled


@dataclass
class SettlementLedger:
    settled: Decimal = ZERO
    unsettled: list[tuple[date, Decimal]] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)
    violations: list[date] = field(default_factory=list)
    cash_known: bool = True  # False until the broker's balances were seen

    @classmethod
    def starting(cls, settled: Decimal, unsettled: Decimal, today: date) -> SettlementLedger:
        """A ledger from broker balances; unsettled cash of unknown date settles T+1 from today."""
        ledger = cls()
        ledger.set_cash(settled, unsettled, today)
        return ledger

    # ---------------------------------------------------------------- time

    def roll(self, today: date) -> None:
        """Move proceeds that settle on or before ``today`` to settled cash."""
        if self.unsettled and min(map(itemgetter(0), self.unsettled)) <= today:
            self.settled += sum((a for d, a in self.unsettled if d <= today), ZERO)
            self.unsettled = [(d, a) for d, a in self.unsettled if d > today]
        for lot in self.lots:
            if lot.funded_until is not None and lot.funded_until <= today:
                lot.funded_until = None

    # ---------------------------------------------------------------- queries

    @property
    def unsettled_total(self) -> Decimal:
        return sum((amount for _, amount in self.unsettled), ZERO)

    def status(self, today: date) -> CashStatus:
        self.roll(today)
        year_ago = today - timedelta(days=365)
        return CashStatus(
            settled=self.settled,
            unsettled=self.unsettled_total,
            pending_settlements=sorted(self.unsettled),
            good_faith_violations_12m=sum(1 for d in self.violations if d > year_ago),
        )

    def unpaid_until(
        self, symbol: str, quantity: Decimal, day: date, already_selling: Decimal = ZERO
    ) -> date | None:
        """The settlement date blocking a sale of ``quantity`` on ``day``, or None if it is free.

        ``already_selling`` shares (open sell orders) are consumed first.
        """
        skip = already_selling
        need = quantity
        blocking: date | None = None
        for lot in self.lots:
            if lot.symbol != symbol or need <= 0:
                continue
            available = lot.quantity
            if skip > 0:
                used = min(skip, available)
                skip -= used
                available -= used
            if available <= 0:
                continue
            take = min(available, need)
            need -= take
            if lot.funded_until is not None and lot.funded_until > day:
                blocking = max(blocking or lot.funded_until, lot.funded_until)
        return blocking

    # ---------------------------------------------------------------- fills

    def set_cash(self, settled: Decimal, unsettled: Decimal, today: date) -> None:
        """Take the broker's balances as the starting cash (keeps lots and violations)."""
        self.settled = settled
        self.unsettled = [(settlement_date(today), unsettled)] if unsettled > 0 else []
        self.cash_known = True

    def apply(self, fill: Fill, day: date) -> None:
        """Fold a fill of trade date ``day`` into the ledger (once: see the module doc)."""
        self.roll(day)
        year_ago = day - timedelta(days=365)
        self.violations = [d for d in self.violations if d > year_ago]
        if fill.side is Side.BUY:
            self._buy(fill)
        else:
            self._sell(fill, day)

    def _buy(self, fill: Fill) -> None:
        cost = fill.value + fill.fee
        from_settled = min(max(self.settled, ZERO), cost)
        self.settled -= from_settled
        remaining = cost - from_settled
        funded_until: date | None = None
        self.unsettled.sort()
        keep: list[tuple[date, Decimal]] = []
        for settles, amount in self.unsettled:  # earliest settling first
            if remaining > 0:
                used = min(amount, remaining)
                remaining -= used
                amount -= used
                funded_until = settles
            if amount > 0:
                keep.append((settles, amount))
        self.unsettled = keep
        if remaining > 0:  # more than the cash we know of: the broker lent it or we missed cash
            self.settled -= remaining
        self.lots.append(Lot(fill.symbol, fill.quantity, funded_until))

    def _sell(self, fill: Fill, day: date) -> None:
        if self.unpaid_until(fill.symbol, fill.quantity, day) is not None:
            self.violations.append(day)
        need = fill.quantity
        for lot in self.lots:
            if lot.symbol != fill.symbol or need <= 0:
                continue
            take = min(lot.quantity, need)
            lot.quantity -= take
            need -= take
        self.lots = [lot for lot in self.lots if lot.quantity > 0]
        proceeds = fill.value - fill.fee
        self.unsettled.append((settlement_date(day), proceeds))

    # ---------------------------------------------------------------- persistence

    def to_json(self) -> dict[str, Any]:
        return {
            "settled": str(self.settled),
            "unsettled": [[d.isoformat(), str(a)] for d, a in self.unsettled],
            "lots": [
                [
                    lot.symbol,
                    str(lot.quantity),
                    lot.funded_until.isoformat() if lot.funded_until else None,
                ]
                for lot in self.lots
            ],
            "violations": [d.isoformat() for d in self.violations],
            "cash_known": self.cash_known,
        }

    def dumps(self) -> str:
        """The ledger as JSON text (see :meth:`from_json`)."""
        return json.dumps(self.to_json())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SettlementLedger:
        return cls(
            settled=Decimal(data["settled"]),
            unsettled=[(date.fromisoformat(d), Decimal(a)) for d, a in data["unsettled"]],
            lots=[
                Lot(s, Decimal(q), date.fromisoformat(f) if f else None) for s, q, f in data["lots"]
            ],
            violations=[date.fromisoformat(d) for d in data["violations"]],
            cash_known=bool(data.get("cash_known", True)),
        )
