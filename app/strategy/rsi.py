"""The RSI strategy: BUY when RSI enters the oversold zone, SELL when it enters the overbought zone.

A signal fires on the bar where RSI crosses into a zone (previous RSI above
the oversold level and current at or below it; or previous below the
overbought level and current at or above it), once per entry: staying in the
zone gives HOLD. Confidence = min(1, distance past the threshold / 30 + 0.5),
HOLD 0.5. Over a flat stretch (no price change in the whole smoothing window)
RSI is undefined; it counts as neutral (50) so flat prices never signal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from app.config import Settings
from app.core.models import Bar, Signal, SignalAction
from app.indicators import StreamingRSI
from app.strategy.base import Params, Strategy, StrategyError, number, whole

NEUTRAL = 50.0
_BUY, _SELL, _HOLD = SignalAction.BUY, SignalAction.SELL, SignalAction.HOLD


class _AbsMove:
    """Wilder-smoothed mean absolute change (= average gain + average loss of RSI)."""

    __slots__ = ("_n", "_prev", "_seen", "_sum", "value")

    def __init__(self, period: int) -> None:
        self._n = period
        self._prev: float | None = None
        self._seen = 0
        self._sum = 0.0
        self.value = math.nan

    def update(self, close: float) -> float:
        if self._prev is not None:
            move = abs(close - self._prev)
            if self._seen < self._n:
                self._seen += 1
                self._sum += move
                if self._seen == self._n:
                    self.value = self._sum / self._n
            else:
                self.value = (self.value * (self._n - 1) + move) / self._n
        self._prev = close
        return self.value


class RsiStrategy(Strategy):
    name = "rsi"
    description = "RSI zone entry: BUY on entering oversold, SELL on entering overbought"

    def __init__(self, params: Mapping[str, float]) -> None:
        super().__init__(params)
        self.period = int(self.params["period"])
        self.oversold = self.params["oversold"]
        self.overbought = self.params["overbought"]
        self._rsi = StreamingRSI(self.period)
        self._moves = _AbsMove(self.period)
        self._previous: float | None = None
        self._verdict: tuple[Bar, SignalAction, float, float, float | None] | None = None
        self._fresh = False  # whether the last bar fed gave a verdict

    @classmethod
    def params_from_settings(cls, settings: Settings) -> Params:
        return {
            "period": float(settings.rsi_period),
            "oversold": settings.rsi_oversold,
            "overbought": settings.rsi_overbought,
        }

    @classmethod
    def validate(cls, params: Mapping[str, float]) -> Params:
        period = whole(params, "period", 2, 500)
        oversold = number(params, "oversold", 0, 100)
        overbought = number(params, "overbought", 0, 100)
        if oversold >= overbought:
            raise StrategyError(
                f"oversold ({oversold:g}) must be below overbought ({overbought:g})"
            )
        return {"period": float(period), "oversold": oversold, "overbought": overbought}

    @property
    def min_bars(self) -> int:
        return self.period + 2  # first RSI at index ``period``, a crossing needs one more

    def update(self, bar: Bar) -> Signal | None:
        signal = self.step(bar)
        if signal is None and self._fresh:
            return self.latest()
        return signal

    def step(self, bar: Bar) -> Signal | None:
        close = float(bar.close)
        raw = self._rsi.update(close)
        moves = self._moves.update(close)
        if raw != raw or moves != moves:  # NaN: still warming up
            self._fresh = False
            return None
        self._fresh = True
        current = NEUTRAL if moves <= 1e-12 * abs(close) else raw
        previous, self._previous = self._previous, current
        action, confidence = _HOLD, 0.5
        if previous is not None:
            if previous > self.oversold >= current:
                action, confidence = _BUY, min(1.0, (self.oversold - current) / 30.0 + 0.5)
            elif previous < self.overbought <= current:
                action, confidence = _SELL, min(1.0, (current - self.overbought) / 30.0 + 0.5)
        self._verdict = (bar, action, confidence, current, previous)
        return None if action is _HOLD else self.latest()

    def latest(self) -> Signal | None:
        if self._verdict is None:
            return None
        bar, action, confidence, current, previous = self._verdict
        values = {"rsi": current}
        if previous is not None:
            values["previous_rsi"] = previous
        return self.make_signal(bar, action, confidence, values)
