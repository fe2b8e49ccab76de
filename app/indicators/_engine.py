"""Blocked linear-recurrence engine behind the batch indicators (numpy only).

Wilder smoothing and the EMA are ``y[t] = a*y[t-1] + u[t]``.  A chunk of bars
is stored transposed in blocks of ``B`` (bar ``k*B + j`` at ``w[j, k]``) with
the inputs pre-multiplied by ``a**-j`` (at most ``a**-7``: no overflow).  Then
one block-local scan is ``B - 1`` contiguous row additions, and its last row
holds the block ends.  The block ends obey ``c[k] = a**B * c[k-1] + end[k]``,
solved the same way once more (rows of ``b`` ends scaled by ``(a**B)**-i``,
one cumsum, the row ends chained by a Python loop), and the carry entering
every block is added back to all its rows.  Two details matter for speed:
cumsum is latency-bound, so two chains share one complex cumsum (real and
imaginary parts); fresh MB-sized temporaries cost page faults, so work memory
is per-thread scratch reused across chunks and calls.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

B = 8  # block height of the transposed layout
CHUNK = 1 << 17  # bars per chunk (multiple of B): bounded memory, cache-sized
_LOOP_MAX = 256  # block-end chains this short are solved with a Python loop
_EXP_LIMIT = 600.0  # largest log-range a scaling factor A**-i may span (e**600 < 1e261)


def period(value: object, name: str) -> int:
    """Validate an indicator period: an int >= 1 (bool and float rejected)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def closes(values: npt.ArrayLike | Iterable[object]) -> FloatArray:
    """1-D contiguous float64 view/copy of the closes (any real dtype, lists, Decimals)."""
    if isinstance(values, str | bytes):
        raise TypeError("closes must be a sequence of numbers, not a string")
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"closes must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind not in "iufO":
        raise TypeError(f"closes must contain real numbers, got dtype {arr.dtype}")
    try:
        return np.ascontiguousarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError("closes must contain only real numbers") from exc


def check_finite(x: FloatArray) -> None:
    """Raise ValueError naming the first NaN/inf close, if any."""
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"closes[{i}] is {x[i]}; NaN and infinite prices are not allowed")


class _Scratch(threading.local):
    def __init__(self) -> None:
        self.bufs: dict[str, FloatArray] = {}


_scratch = _Scratch()


def buf(name: str, size: int) -> FloatArray:
    """Reusable per-thread 1-D float64 scratch memory (contents undefined)."""
    arr = _scratch.bufs.get(name)
    if arr is None or arr.size < size:
        arr = _scratch.bufs[name] = np.empty(size)
    return arr[:size]


def _loop(ends: FloatArray, big_a: FloatArray, c0: FloatArray, out: FloatArray) -> None:
    """Plain recurrence per lane: out[s, k] = c[k] = A*c[k-1] + ends[s, k], c[-1] = c0[s]."""
    for s in range(ends.shape[0]):
        c, a, row = float(c0[s]), float(big_a[s]), []
        for v in ends[s].tolist():
            c = a * c + v
            row.append(c)
        out[s] = row


@functools.lru_cache(maxsize=16)
def _tiles(big: tuple[float, ...], a: tuple[float, ...], b: int, rows: int) -> FloatArray:
    """Row-periodic factors [A**-i, a*A**i] (i = position in a b-long row), (2, 2, rows*b)."""
    i = np.arange(b, dtype=np.float64)
    bb, aa = np.array(big)[:, None], np.array(a)[:, None]
    out = np.stack([np.tile(bb**-i, (1, rows)), np.tile(aa * bb**i, (1, rows))])
    out.flags.writeable = False
    return out


class Lanes:
    """S (1 or 2) parallel recurrences y = a*y + u over consecutive chunks."""

    def __init__(self, a: list[float]) -> None:
        self.a = np.array(a, dtype=np.float64)
        self.big = self.a**B  # coefficient between block ends
        self.tail = (self.a ** (B - 1))[:, None]
        self.pw = (self.a[:, None] ** np.arange(B))[:, :, None]  # undoes the a**-j scaling
        self.carry = np.zeros(len(a))  # y just before the next chunk
        lam = float(-np.log(self.big).min()) if (self.big > 0).all() else math.inf
        b = 512
        while b > 8 and lam * (b - 1) > _EXP_LIMIT:
            b //= 2
        self.b = b if lam * (b - 1) <= _EXP_LIMIT else 0  # 0: loop only

    def advance(self, w: FloatArray, x: FloatArray) -> None:
        """Turn inputs u * a**-j, (S, B, K) transposed, into y * a**-j; carry the state."""
        lanes, _, k = w.shape
        for j in range(1, B):
            np.add(w[:, j], w[:, j - 1], out=w[:, j])
        ends = np.multiply(w[:, -1], self.tail, out=buf("ends", lanes * k).reshape(lanes, k))
        if not np.isfinite(ends).all():
            check_finite(x)
            raise ValueError("closes are too large: the indicator overflows")
        cin, self.carry = self._chain(ends)
        w += cin[:, None, :]

    def _chain(self, ends: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(a * c[k-1] for every block k, c[K-1])`` for c[k] = A*c[k-1] + ends[:, k]."""
        lanes, k = ends.shape
        res = buf("chain", lanes * (k + 1)).reshape(lanes, k + 1)
        res[:, 0] = self.a * self.carry
        b = self.b
        if b and k > _LOOP_MAX:
            # the complex parts: the two lanes, or one lane's two halves (whole rows first)
            half = min(-(-k // (2 * b)) * b, k)
            sizes = (k, k) if lanes == 2 else (half, k - half)
            src = (ends[0], ends[1]) if lanes == 2 else (ends[0, :half], ends[0, half:])
            dst = (
                (res[0, 1:], res[1, 1:])
                if lanes == 2
                else (res[0, 1 : 1 + half], res[0, 1 + half :])
            )
            big = self.big if lanes == 2 else self.big.repeat(2)
            rows = -(-sizes[0] // b)
            inv, apw = _tiles(
                tuple(big.tolist()), tuple(self.a.repeat(3 - lanes).tolist()), b, rows
            )
            zv = buf("zc", 2 * rows * b).reshape(rows * b, 2)
            for p in range(2):
                np.multiply(src[p], inv[p, : sizes[p]], out=zv[: sizes[p], p])
                zv[sizes[p] :, p] = 0.0
            z = zv.view(np.complex128).reshape(rows, b)
            sums = z.sum(axis=1)
            if np.isfinite(sums).all():  # else astronomically large values: loop below
                row_ends = np.stack([sums.real, sums.imag]) * (big ** (b - 1))[:, None]
                starts = np.empty((2, rows + 1))  # chain value entering each row, per part
                if lanes == 2:
                    starts[:, 0] = self.carry
                    _loop(row_ends, big**b, self.carry, starts[:, 1:])
                else:
                    seq = np.empty((1, 2 * rows + 1))
                    seq[0, 0] = self.carry[0]
                    _loop(row_ends.reshape(1, -1), self.big**b, self.carry, seq[:, 1:])
                    starts[0], starts[1] = seq[0, : rows + 1], seq[0, rows:]
                inj = starts[:, :-1] * big[:, None]
                z[:, 0] += inj[0] + 1j * inj[1]
                np.cumsum(z, axis=1, out=z)
                for p in range(2):
                    np.multiply(zv[: sizes[p], p], apw[p, : sizes[p]], out=dst[p])
                return res[:, :k], res[:, k] / self.a
        _loop(ends, self.big, self.carry, res[:, 1:])
        last = res[:, k].copy()
        res[:, 1:] *= self.a[:, None]
        return res[:, :k], last


def tload(
    dst: FloatArray, src: FloatArray, lo: int, length: int, factor: FloatArray | None = None
) -> None:
    """dst (B, K) = src[lo:lo+length] transposed, times factor (B, 1); tail zero-padded."""
    kf, r = divmod(length, B)
    block = src[lo : lo + kf * B].reshape(kf, B).T
    if factor is None:
        np.copyto(dst[:, :kf], block)
    else:
        np.multiply(block, factor, out=dst[:, :kf])
    if r:
        dst[:, kf] = 0.0
        dst[:r, kf] = src[lo + kf * B : lo + length]
        if factor is not None:
            dst[:r, kf] *= factor[:r, 0]


def emit(dst: FloatArray, lo: int, length: int, t: FloatArray, factor: float = 1.0) -> None:
    """dst[lo:lo+length] = factor * the (B, K) transposed block t, back in time order."""
    kf, r = divmod(length, B)
    np.multiply(t[:, :kf].T, factor, out=dst[lo : lo + kf * B].reshape(kf, B))
    if r:
        np.multiply(t[:r, kf], factor, out=dst[lo + kf * B : lo + length])
