"""Batch RSI and MACD over whole arrays (see ``_engine`` for the scan)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from app.indicators import _engine as eng
from app.indicators._engine import CHUNK, B, FloatArray, Lanes, buf, check_finite, emit, tload
from app.indicators._streaming import StreamingMACD, StreamingRSI

SMALL = 600  # up to this many closes a scalar loop (the streaming code) beats the setup


def rsi(closes: npt.ArrayLike | Iterable[object], period: int = 14) -> FloatArray:
    """Wilder's RSI, equal to ``talib.RSI(closes, period)`` (see the package docstring).

    Returns a float64 array as long as the input: NaN before index ``period``
    (all NaN when the input is that short).  Raises ValueError for a NaN/inf
    close (naming its index) or a bad period.
    """
    n = eng.period(period, "period")
    x = eng.closes(closes)
    size = x.size
    out = np.empty(size)
    out[: min(n, size)] = math.nan
    if size <= SMALL or n == 1:
        check_finite(x)
        if n == 1 and size > 1:  # period 1: each average is the last change itself
            out[1:] = np.where(np.diff(x) > 0, 100.0, 0.0)
        elif size > n:
            values: list[float] = []
            StreamingRSI(n)._extend(x.tolist(), values)
            out[:] = values
        return out
    a = (n - 1) / n
    lanes = Lanes([a, a])  # gains and absolute changes: the RSI is their ratio, so
    inv = (a ** -np.arange(B))[:, None]  # the a**-j scaling cancels and never is undone
    d0 = np.diff(x[: n + 1])
    seeds = (float(np.maximum(d0, 0.0).sum()), float(np.abs(d0).sum()))  # n * the averages
    with np.errstate(all="ignore"):
        for s in range(0, size - n, CHUNK):
            lo, length = n + s, min(CHUNK, size - n - s)  # bars lo..; change x[t] - x[t-1]
            kf, r = divmod(length, B)
            w = buf("w", 2 * B * (kf + (r > 0))).reshape(2, B, -1)
            d = w[1]
            np.subtract(
                x[lo : lo + kf * B].reshape(kf, B),
                x[lo - 1 : lo - 1 + kf * B].reshape(kf, B),
                out=d[:, :kf].T,
            )
            if r:
                d[:, kf] = 0.0
                d[:r, kf] = np.diff(x[lo + kf * B - 1 : lo + length])
            d *= inv
            np.maximum(d, 0.0, out=w[0])
            np.absolute(d, out=d)
            if s == 0:
                w[:, 0, 0] = seeds
            lanes.advance(w, x)
            zero = not (w[1, 0] > 0).all()  # a block starts with both averages 0
            q = np.divide(w[0], w[1], out=w[1])
            if zero:
                q[np.isnan(q)] = 0.0  # 0/0: TA-Lib reports 0
            emit(out, lo, length, q, 100.0)
    return out


def macd(
    closes: npt.ArrayLike | Iterable[object], fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """MACD, equal to ``talib.MACD(closes, fast, slow, signal)`` (see the package docstring).

    Returns ``(macd_line, signal_line, histogram)``: float64 arrays as long as
    the input, NaN before index ``slow + signal - 2``.  Raises ValueError for a
    NaN/inf close or bad periods (including ``fast >= slow``).
    """
    f, sl, sg = eng.period(fast, "fast"), eng.period(slow, "slow"), eng.period(signal, "signal")
    if f >= sl:
        raise ValueError(f"fast ({f}) must be smaller than slow ({sl})")
    x = eng.closes(closes)
    size = x.size
    first = sl + sg - 2
    outs = (np.empty(size), np.empty(size), np.empty(size))  # line, signal, histogram
    if size <= max(first, SMALL):
        check_finite(x)
        lists: tuple[list[float], ...] = ([], [], [])
        StreamingMACD(f, sl, sg)._extend(x.tolist(), lists)
        for arr, values in zip(outs, lists, strict=True):
            arr[:] = values
        return outs
    o = sl - 1  # both EMAs are seeded on bar o, the signal EMA on bar first
    periods = [f, sl] if f > 1 else [sl]  # EMA(1) is the price itself
    k = np.array([2.0 / (p + 1) for p in periods])
    ema = Lanes((1.0 - k).tolist())
    scale = k[:, None, None] * (ema.a[:, None] ** -np.arange(B))[:, :, None]
    seeds = [float(x[o + 1 - p : sl].sum()) / p for p in periods]
    comb = ema.pw[:, :, 0] * np.array([[1.0], [-1.0]])[: len(periods)]  # fast - slow
    kg = 2.0 / (sg + 1)
    sig = Lanes([1.0 - kg]) if sg > 1 else None
    scale_g = kg * (1.0 - kg) ** -np.arange(B) if sg > 1 else np.ones(B)
    pos, total, s = sg - 1, size - o, 0  # pos: index (from bar o) of the signal seed
    with np.errstate(all="ignore"):
        while s < total:
            length = min(max(CHUNK, pos + 1) if s == 0 else CHUNK, total - s)
            lo, kb = o + s, -(-length // B)
            w = buf("w", 3 * B * kb).reshape(3, B, kb)  # [fast,] slow, then MACD line
            lanes = w[2 - len(periods) : 2]
            tload(lanes[0], x, lo, length, scale[0])
            if f > 1:
                np.multiply(lanes[0], scale[1] / scale[0], out=lanes[1])
            else:
                tload(w[2], x, lo, length)
            if s == 0:
                lanes[:, 0, 0] = seeds
            ema.advance(lanes, x)
            m = w[2]
            if f > 1:
                np.einsum("lj,ljk->jk", comb, lanes, out=m)
            else:
                lanes *= ema.pw
                np.subtract(m, lanes[0], out=m)
            g = w[0]  # signal line
            if sig is None:
                g[:] = m
            else:
                np.multiply(m, scale_g[:, None], out=g)
                if s == 0:  # seed: mean of the first sg MACD values; nothing before it
                    c, j = divmod(pos, B)
                    seed = float(m[:, : c + 1].T.reshape(-1)[: pos + 1].sum()) / sg
                    g[:, :c] = 0.0
                    g[:j, c] = 0.0
                    g[j, c] = seed * scale_g[j] / kg
                sig.advance(w[:1], x)
                g *= sig.pw[0]
            emit(outs[0], lo, length, m)
            emit(outs[1], lo, length, g)
            hi = lo + length
            np.subtract(outs[0][lo:hi], outs[1][lo:hi], out=outs[2][lo:hi])
            s += length
    for arr in outs:
        arr[:first] = math.nan
    return outs
