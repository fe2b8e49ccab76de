"""Trigger prices: the bids at which a position's exit and daily-loss rules act.

Like the legs of a broker's bracket order, they are computed when a position,
the day's P&L or the settings change, and a price update only compares its bid
with them. Each trigger is rounded *towards the bid that can fire* (the profit
target down, the stops up), so a bid that reaches a rule always hits its
trigger; the risk service then runs the exact rule on that bid
(:func:`app.risk.exits.exit_rule`, the daily P&L) before it acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal

from app.config import Settings

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Triggers:
    """A position's trigger prices (None: that rule cannot fire at any bid).

    ``target``: the profit target fires at ``bid >= target``; ``stop``: the stop
    loss fires at ``bid <= stop``; ``daily_stop``: the day's loss reaches
    MAX_DAILY_LOSS at ``bid <= daily_stop``. ``always``: the rules must run on
    the next price whatever it is (a day mark not set yet, a limit already passed).
    """

    target: Decimal | None = None
    stop: Decimal | None = None
    daily_stop: Decimal | None = None
    always: bool = False

    def hit(self, bid: Decimal) -> bool:
        """Whether a price at ``bid`` reaches one of the triggers."""
        if self.always:
            return True
        if self.target is not None and bid >= self.target:
            return True
        if self.stop is not None and bid <= self.stop:
            return True
        return self.daily_stop is not None and bid <= self.daily_stop

    @property
    def floor(self) -> Decimal | None:
        """The highest trigger below the price: bids at or under it fire (None: none)."""
        lows = [p for p in (self.stop, self.daily_stop) if p is not None]
        return max(lows) if lows else None


NO_TRIGGERS = Triggers()
EVERY_PRICE = Triggers(always=True)


_DOWN = Context(rounding=ROUND_FLOOR)  # default precision (28 digits), rounded down
_UP = Context(rounding=ROUND_CEILING)


def target_price(entry: Decimal, settings: Settings) -> Decimal:
    """The bid where P/L % = (bid - entry) / entry x 100 reaches PROFIT_TARGET_PCT."""
    return _DOWN.multiply(entry, 1 + settings.profit_target_pct / _HUNDRED)


def stop_price(entry: Decimal, settings: Settings) -> Decimal:
    """The bid where P/L % falls to STOP_LOSS_PCT (a negative percentage)."""
    return _UP.multiply(entry, 1 + settings.stop_loss_pct / _HUNDRED)


def daily_stop_price(
    quantity: Decimal, base: Decimal, rest_pnl: Decimal, max_daily_loss: Decimal
) -> Decimal:
    """The bid at which ``rest_pnl + (bid - base) x quantity`` reaches ``-max_daily_loss``.

    ``base`` is the price today's unrealized P&L of the position counts from,
    ``rest_pnl`` the rest of the day's P&L (realized today, other positions).
    """
    return base + _UP.divide(-max_daily_loss - rest_pnl, quantity)


def exit_triggers(entry: Decimal, settings: Settings) -> tuple[Decimal, Decimal] | None:
    """(target, stop) of a position bought at ``entry`` (None: no usable entry price)."""
    if not entry.is_finite() or entry <= 0:
        return None
    return target_price(entry, settings), stop_price(entry, settings)
