"""Streaming RSI / MACD: O(1) per bar with plain Python floats (no numpy in the hot path).

The arithmetic is TA-Lib's own scalar code (RSI: ``avg*(n-1)`` plus the change,
times ``1/n``; EMA: ``(x - ema)*k + ema``; seeds summed left to right), so the
values equal ``talib.RSI`` / ``talib.MACD`` (bit for bit for RSI with the
bundled TA-Lib build) and the batch functions to ~1e-13.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple, Self

from app.indicators._engine import period as _period

_NAN = math.nan


class MacdValue(NamedTuple):
    """One MACD bar: the MACD line, its signal line and the histogram (NaN until ready)."""

    macd: float
    signal: float
    histogram: float


_MACD_NAN = MacdValue(_NAN, _NAN, _NAN)


def _finite(close: float, count: int) -> float:
    c = float(close)
    if c - c != 0.0:  # NaN or +-inf
        raise ValueError(f"close #{count} is {c}; NaN and infinite prices are not allowed")
    return c


def _floats(closes: Iterable[float], count: int) -> list[float]:
    """Closes as floats, all finite (else ValueError naming the stream position)."""
    vals = [float(c) for c in closes]
    if not math.isfinite(sum(vals)):
        for i, c in enumerate(vals):
            _finite(c, count + i)
    return vals


class StreamingRSI:
    """Incremental RSI: ``update(close)`` returns the same value as ``rsi(...)[-1]``.

    O(1) time and memory per bar; arithmetic mirrors TA-Lib's scalar code.
    """

    __slots__ = ("_count", "_gain", "_loss", "_n", "_nm1", "_prev", "_recip", "_value")

    def __init__(self, period: int = 14) -> None:
        self._n = _period(period, "period")
        self._nm1 = float(self._n - 1)
        self._recip = 1.0 / self._n
        self._count = 0
        self._prev = self._gain = self._loss = 0.0
        self._value = _NAN

    @classmethod
    def from_history(cls, closes: Iterable[float], period: int = 14) -> Self:
        """A new instance primed with past closes (oldest first)."""
        obj = cls(period)
        obj.warm(closes)
        return obj

    def warm(self, closes: Iterable[float]) -> float:
        """Feed past closes in order (same result as ``update`` on each); returns the value."""
        self._extend(_floats(closes, self._count), None)
        return self._value

    def _extend(self, vals: list[float], out: list[float] | None) -> None:
        """``update`` over finite floats; the steady state runs as one tight loop."""
        i, size = 0, len(vals)
        while i < size and self._count <= self._n:  # warm-up bars
            v = self.update(vals[i])
            if out is not None:
                out.append(v)
            i += 1
        if i == size:
            return
        g, loss, prev, m, r = self._gain, self._loss, self._prev, self._nm1, self._recip
        for c in vals[i:]:  # same arithmetic as update(): keep both in step
            d = c - prev
            prev = c
            g *= m
            loss *= m
            if d < 0.0:
                loss -= d
            else:
                g += d
            g *= r
            loss *= r
            if out is not None:
                total = g + loss
                out.append(100.0 * (g / total) if total != 0.0 else 0.0)
        self._gain, self._loss, self._prev = g, loss, prev
        self._count += size - i
        total = g + loss
        self._value = 100.0 * (g / total) if total != 0.0 else 0.0

    def update(self, close: float) -> float:
        """Add one close; returns the RSI (NaN until ``period + 1`` closes were seen)."""
        c = _finite(close, self._count)
        self._count += 1
        d = c - self._prev
        self._prev = c
        if self._count > self._n + 1:
            g = self._gain * self._nm1
            loss = self._loss * self._nm1
            if d < 0.0:
                loss -= d
            else:
                g += d
            g *= self._recip
            loss *= self._recip
        elif self._count > 1:  # warm-up: sum the first n changes
            if d < 0.0:
                self._loss -= d
            else:
                self._gain += d
            if self._count <= self._n:
                return _NAN
            g, loss = self._gain * self._recip, self._loss * self._recip
        else:
            return _NAN
        self._gain, self._loss = g, loss
        total = g + loss
        self._value = v = 100.0 * (g / total) if total != 0.0 else 0.0
        return v

    @property
    def value(self) -> float:
        """Latest RSI, NaN until ready."""
        return self._value

    @property
    def count(self) -> int:
        """Number of closes seen."""
        return self._count

    @property
    def ready(self) -> bool:
        """True once a value is available."""
        return self._count > self._n


class StreamingMACD:
    """Incremental MACD: ``update(close)`` returns the same values as ``macd(...)[i][-1]``.

    O(1) per bar; only the first ``slow`` closes and ``signal`` MACD values are
    buffered during warm-up (for the SMA seeds), then released.
    """

    __slots__ = (
        "_buf",
        "_count",
        "_fast",
        "_kf",
        "_kg",
        "_ks",
        "_n_fast",
        "_n_sig",
        "_n_slow",
        "_sig",
        "_slow",
        "_value",
    )

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        self._n_fast = _period(fast, "fast")
        self._n_slow = _period(slow, "slow")
        self._n_sig = _period(signal, "signal")
        if self._n_fast >= self._n_slow:
            raise ValueError(f"fast ({self._n_fast}) must be smaller than slow ({self._n_slow})")
        self._kf = 2.0 / (self._n_fast + 1)
        self._ks = 2.0 / (self._n_slow + 1)
        self._kg = 2.0 / (self._n_sig + 1)
        self._count = 0
        self._fast = self._slow = self._sig = 0.0
        self._buf: list[float] | None = []
        self._value = _MACD_NAN

    @classmethod
    def from_history(
        cls, closes: Iterable[float], fast: int = 12, slow: int = 26, signal: int = 9
    ) -> Self:
        """A new instance primed with past closes (oldest first)."""
        obj = cls(fast, slow, signal)
        obj.warm(closes)
        return obj

    def warm(self, closes: Iterable[float]) -> MacdValue:
        """Feed past closes in order (same result as ``update`` on each); returns the value."""
        self._extend(_floats(closes, self._count), None)
        return self._value

    def _extend(self, vals: list[float], out: tuple[list[float], ...] | None) -> None:
        """``update`` over finite floats; the steady state runs as one tight loop."""
        i, size = 0, len(vals)
        while i < size and self._buf is not None:  # warm-up bars
            v = self.update(vals[i])
            if out is not None:
                for lst, val in zip(out, v, strict=True):
                    lst.append(val)
            i += 1
        if i == size:
            return
        fast, slow, sig = self._fast, self._slow, self._sig
        kf, ks, kg = self._kf, self._ks, self._kg
        line = 0.0
        for c in vals[i:]:  # same arithmetic as update(): keep both in step
            fast = (c - fast) * kf + fast
            slow = (c - slow) * ks + slow
            line = fast - slow
            sig = (line - sig) * kg + sig
            if out is not None:
                out[0].append(line)
                out[1].append(sig)
                out[2].append(line - sig)
        self._fast, self._slow, self._sig = fast, slow, sig
        self._count += size - i
        self._value = MacdValue(line, sig, line - sig)

    def update(self, close: float) -> MacdValue:
        """Add one close; returns MacdValue (all NaN until ``slow + signal - 1`` closes)."""
        c = _finite(close, self._count)
        self._count += 1
        buf = self._buf
        if buf is None:  # steady state: TA-Lib's EMA step (x - ema)*k + ema
            self._fast = fast = (c - self._fast) * self._kf + self._fast
            self._slow = slow = (c - self._slow) * self._ks + self._slow
            line = fast - slow
            self._sig = sig = (line - self._sig) * self._kg + self._sig
            self._value = v = MacdValue(line, sig, line - sig)
            return v
        if self._count < self._n_slow:
            buf.append(c)
            return _MACD_NAN
        if self._count == self._n_slow:  # seed both EMAs with plain means
            buf.append(c)
            self._slow = _seq_sum(buf) / self._n_slow
            self._fast = _seq_sum(buf[self._n_slow - self._n_fast :]) / self._n_fast
            buf.clear()
        else:
            self._fast = (c - self._fast) * self._kf + self._fast
            self._slow = (c - self._slow) * self._ks + self._slow
        line = self._fast - self._slow
        buf.append(line)
        if len(buf) < self._n_sig:
            return _MACD_NAN
        self._sig = sig = _seq_sum(buf) / self._n_sig
        self._buf = None
        self._value = v = MacdValue(line, sig, line - sig)
        return v

    @property
    def value(self) -> MacdValue:
        """Latest MacdValue, NaN fields until ready."""
        return self._value

    @property
    def count(self) -> int:
        """Number of closes seen."""
        return self._count

    @property
    def ready(self) -> bool:
        """True once values are available."""
        return self._buf is None


def _seq_sum(values: list[float]) -> float:
    """Left-to-right float sum (as TA-Lib; builtin sum() is compensated on 3.12+)."""
    total = 0.0
    for v in values:
        total += v
    return total
