"""The MACD strategy: BUY on a bullish crossover, SELL on a bearish one.

Bullish: previous MACD <= previous signal and MACD > signal; bearish the
mirror. Differences within 1e-9 of the price count as equal, so rounding
noise on flat prices never makes a crossover.

Confidence is scale-free: ``min(1, 0.5 + 0.5 * |histogram| / mean|histogram|)``
where the mean is over the previous :data:`CONFIDENCE_WINDOW` histogram
values. MACD and its histogram scale with the price, so the ratio (and the
confidence) is the same for a series and the series x 1000. With no history
of movement (mean 0) the confidence is 0.5.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping

from app.config import Settings
from app.core.models import Bar, Signal, SignalAction
from app.indicators import StreamingMACD
from app.strategy.base import Params, Strategy, StrategyError, whole

CONFIDENCE_WINDOW = 50
TOLERANCE = 1e-9
_BUY, _SELL, _HOLD = SignalAction.BUY, SignalAction.SELL, SignalAction.HOLD
_VALUE_NAMES = ("macd", "signal", "histogram", "previous_macd", "previous_signal",
                "previous_histogram")  # fmt: skip


def _side(diff: float, scale: float) -> int:
    if abs(diff) <= TOLERANCE * scale:
        return 0
    return 1 if diff > 0 else -1


class MacdStrategy(Strategy):
    name = "macd"
    description = "MACD crossover: BUY when MACD crosses above its signal line, SELL below"

    def __init__(self, params: Mapping[str, float]) -> None:
        super().__init__(params)
        self.fast = int(self.params["fast"])
        self.slow = int(self.params["slow"])
        self.signal_period = int(self.params["signal"])
        self._macd = StreamingMACD(self.fast, self.slow, self.signal_period)
        self._previous: tuple[float, float, float, int] | None = None
        self._abs_hist: deque[float] = deque(maxlen=CONFIDENCE_WINDOW)
        self._verdict: tuple[Bar, SignalAction, float, tuple[float, ...]] | None = None
        self._fresh = False  # whether the last bar fed gave a verdict

    @classmethod
    def params_from_settings(cls, settings: Settings) -> Params:
        return {
            "fast": float(settings.macd_fast),
            "slow": float(settings.macd_slow),
            "signal": float(settings.macd_signal),
        }

    @classmethod
    def validate(cls, params: Mapping[str, float]) -> Params:
        fast = whole(params, "fast", 1, 500)
        slow = whole(params, "slow", 1, 500)
        signal = whole(params, "signal", 1, 500)
        if fast >= slow:
            raise StrategyError(f"fast ({fast}) must be below slow ({slow})")
        return {"fast": float(fast), "slow": float(slow), "signal": float(signal)}

    @property
    def min_bars(self) -> int:
        return (
            self.slow + self.signal_period
        )  # first value at slow+signal-2, a cross needs one more

    def update(self, bar: Bar) -> Signal | None:
        signal = self.step(bar)
        if signal is None and self._fresh:
            return self.latest()
        return signal

    def step(self, bar: Bar) -> Signal | None:
        close = float(bar.close)
        macd, signal, hist = self._macd.update(close)
        if math.isnan(macd) or math.isnan(signal) or math.isnan(hist):
            self._fresh = False
            return None
        self._fresh = True
        side = _side(macd - signal, abs(close))
        previous, self._previous = self._previous, (macd, signal, hist, side)
        window = self._abs_hist
        magnitude = abs(hist)
        action, confidence = _HOLD, 0.5
        if previous is None:
            window.append(magnitude)
            self._verdict = (bar, action, confidence, (macd, signal, hist))
            return None
        if previous[3] != side and side != 0:
            mean_abs = sum(window) / len(window) if window else 0.0  # the previous bars only
            confidence = 0.5 if mean_abs <= 0 else min(1.0, 0.5 + 0.5 * magnitude / mean_abs)
            action = _BUY if side > 0 else _SELL
        window.append(magnitude)
        self._verdict = (bar, action, confidence, (macd, signal, hist, *previous[:3]))
        return None if action is _HOLD else self.latest()

    def latest(self) -> Signal | None:
        if self._verdict is None:
            return None
        bar, action, confidence, numbers = self._verdict
        values = dict(zip(_VALUE_NAMES, numbers, strict=False))
        return self.make_signal(bar, action, confidence, values)
