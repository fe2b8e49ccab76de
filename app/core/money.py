"""Decimal helpers for money and quantities.

Money is ``Decimal`` everywhere; rounding is explicit and never banker's
rounding by accident. Quantities may be fractional (Robinhood allows six
decimal places of a share).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
SHARE_STEP = Decimal("0.000001")
ZERO = Decimal("0")


def to_decimal(value: object, name: str = "value") -> Decimal:
    """Convert str/int/float/Decimal to a finite Decimal, or raise ValueError naming ``name``."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{name} must be a number, got {value!r}") from None
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not result.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return result


def round_money(value: Decimal) -> Decimal:
    """Round to cents, half up (what a statement shows)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def floor_shares(value: Decimal) -> Decimal:
    """Round a share quantity down to Robinhood's 1e-6 step."""
    return value.quantize(SHARE_STEP, rounding=ROUND_DOWN)


def round_price(value: Decimal) -> Decimal:
    """Round a price to the tick: cents at or above $1, 1e-4 below."""
    step = CENT if value >= 1 else Decimal("0.0001")
    return value.quantize(step, rounding=ROUND_HALF_UP)
