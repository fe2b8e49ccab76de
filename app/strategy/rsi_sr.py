"""RSI at support and resistance: the original ``RobinhoodBot.py`` rule, ``RSI_SUPPORT_RESISTANCE``.

The original bot bought only when RSI was at or below the oversold level *and*
the close was at or below support, the lowest close since the last bar that
started on the hour; it sold only when RSI was at or above the overbought level
*and* the close was at or above resistance, the highest close since that bar.
Support and resistance cover the bars from the latest on-the-hour bar (UTC
minute 0) through the current one, so the current close counts: "at support"
means no lower close since the hour began. With hourly or daily bars every bar
starts on the hour, the window is the bar itself and the rule is RSI's levels.

RSI is the RSI strategy's (Wilder, flat stretches neutral). A signal fires on
the bar where its whole condition becomes true, once per entry (the original
repeated BUY on every poll while it held): a bar that still meets it gives HOLD.
Confidence is the RSI strategy's: min(1, distance past the threshold / 30 + 0.5).
"""

from __future__ import annotations

from collections.abc import Mapping

from app.config import Settings
from app.core.models import Bar, Signal, SignalAction
from app.strategy.base import Params, Strategy
from app.strategy.rsi import RsiStrategy

_BUY, _SELL, _HOLD = SignalAction.BUY, SignalAction.SELL, SignalAction.HOLD


class RsiSupportResistanceStrategy(Strategy):
    name = "rsi_sr"
    description = (
        "RSI with support/resistance (the original RSI bot): BUY when oversold at the "
        "lowest close since the hour began, SELL when overbought at the highest"
    )

    def __init__(self, params: Mapping[str, float]) -> None:
        super().__init__(params)
        self._rsi = RsiStrategy(self.params)  # its verdict carries the RSI of every bar
        self.oversold = self.params["oversold"]
        self.overbought = self.params["overbought"]
        self.support = float("inf")
        self.resistance = float("-inf")
        self._was: SignalAction = _HOLD  # the condition met on the previous bar

    @classmethod
    def params_from_settings(cls, settings: Settings) -> Params:
        return RsiStrategy.params_from_settings(settings)

    @classmethod
    def validate(cls, params: Mapping[str, float]) -> Params:
        return RsiStrategy.validate(params)

    @property
    def min_bars(self) -> int:
        return self._rsi.min_bars - 1  # a level, not a crossing: the first RSI value suffices

    def update(self, bar: Bar) -> Signal | None:
        close = float(bar.close)
        start = bar.start
        if start.minute == 0 and start.second == 0:  # a new hour: the window restarts here
            self.support = self.resistance = close
        else:
            self.support = min(self.support, close)
            self.resistance = max(self.resistance, close)
        verdict = self._rsi.update(bar)
        if verdict is None:  # RSI still warming up
            self._was = _HOLD
            return None
        rsi = verdict.values["rsi"]
        met = _HOLD
        if rsi <= self.oversold and close <= self.support:
            met = _BUY
        elif rsi >= self.overbought and close >= self.resistance:
            met = _SELL
        action = met if met is not self._was else _HOLD
        self._was = met
        confidence = 0.5
        if action is _BUY:
            confidence = min(1.0, (self.oversold - rsi) / 30.0 + 0.5)
        elif action is _SELL:
            confidence = min(1.0, (rsi - self.overbought) / 30.0 + 0.5)
        values = {"rsi": rsi, "support": self.support, "resistance": self.resistance}
        return self.make_signal(bar, action, confidence, values)
