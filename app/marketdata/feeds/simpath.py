"""The simulated market's deterministic quote path for one symbol.

Step ``k`` is the instant ``anchor + k * step``. Steps come in chunks of
:data:`CHUNK` generated with numpy from a generator seeded by (seed, symbol,
chunk number), so the path is a pure function of the seed, the symbol, the
anchor and the step. The log price follows a geometric random walk whose
volatility has the intraday U shape of :mod:`app.marketdata.feeds.sessions`, with rare
jumps and a weak pull back to the start price (half-life ~six months) so a
simulated year stays plausible. Quotes are in whole cents with a 1-2 cent
spread (wider more often around the open and close) and the last trade
inside it; volume follows the volatility.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from app.core.models import Quote
from app.marketdata.feeds import sessions

CHUNK = 3600
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PathParams:
    """Knobs of the simulated market (defaults look like TQQQ)."""

    annual_vol: float = 0.65
    half_life_days: float = 180.0
    jumps_per_day: float = 2.0
    jump_sd: float = 0.008
    shares_per_day: float = 60_000_000.0


@dataclass(frozen=True, slots=True)
class Chunk:
    times: npt.NDArray[np.float64]
    last: IntArray  # cents
    bid: IntArray
    ask: IntArray
    bid_size: IntArray
    ask_size: IntArray
    volume: IntArray
    active: npt.NDArray[np.bool_]


def symbol_key(symbol: str) -> int:
    return zlib.crc32(symbol.encode())


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


class PricePath:
    """Lazily generated quote path (see the module docstring)."""

    def __init__(
        self,
        seed: int,
        symbol: str,
        start_price: Decimal,
        anchor: datetime,
        step: float,
        follow_nyse: bool,
        params: PathParams | None = None,
    ) -> None:
        if step <= 0:
            raise ValueError(f"quote interval must be positive, got {step}")
        self.seed = seed
        self.symbol = symbol
        self.step = float(step)
        self.anchor_ts = anchor.timestamp()
        self.follow_nyse = follow_nyse
        self.params = params or PathParams()
        self.mu = float(np.log(float(start_price)))
        day_vol = self.params.annual_vol / np.sqrt(252.0)
        per_day = sessions.trading_seconds_per_day(follow_nyse)
        self._sigma_sec = day_vol / np.sqrt(per_day)
        self._theta_sec = np.log(2.0) / (self.params.half_life_days * 86400.0)
        self._jump_p = self.params.jumps_per_day * self.step / per_day
        self._vol_per_sec = self.params.shares_per_day / per_day
        self._chunk_start: list[float] = [self.mu]  # log price at the start of each chunk
        self._played: tuple[int, Chunk] | None = None  # the newest chunk asked for, kept

    def time_of(self, k: int) -> float:
        return self.anchor_ts + k * self.step

    def step_at(self, ts: float) -> int:
        """The last step at or before epoch ``ts``."""
        return int((ts - self.anchor_ts) // self.step)

    def chunk(self, c: int) -> Chunk:
        """Chunk ``c``. Only the last one asked for is kept (the live quotes read one chunk
        for minutes on end); any other is generated again, in well under a millisecond. Keeping
        more would hold a chunk (200 KB) per symbol for every few minutes played."""
        if self._played is not None and self._played[0] == c:
            return self._played[1]
        while len(self._chunk_start) <= c:
            self._generate(len(self._chunk_start) - 1)
        chunk = self._generate(c)
        self._played = (c, chunk)
        return chunk

    def _generate(self, c: int) -> Chunk:
        rng = np.random.default_rng([self.seed & 0xFFFFFFFF, symbol_key(self.symbol), c])
        dt = self.step
        times = self.anchor_ts + (np.arange(CHUNK, dtype=np.float64) + c * CHUNK) * dt
        m, active = sessions.profile(times, self.follow_nyse)
        sig = self._sigma_sec * m * np.sqrt(dt)
        z = rng.standard_normal(CHUNK)
        jumps = np.where(
            (rng.random(CHUNK) < self._jump_p) & active,
            rng.normal(0.0, self.params.jump_sd, CHUNK),
            0.0,
        )
        x0 = self._chunk_start[c]
        pull = self._theta_sec * dt * (self.mu - x0)
        steps = np.where(active, sig * z - 0.5 * sig * sig + pull, 0.0) + jumps
        steps[0] = 0.0 if c == 0 else steps[0]
        logp = x0 + np.cumsum(steps)
        if len(self._chunk_start) == c + 1:
            self._chunk_start.append(float(logp[-1]))
        last = np.maximum(np.rint(np.exp(logp) * 100.0).astype(np.int64), 3)
        wide = rng.random(CHUNK) < np.clip(0.15 + 0.12 * m, 0.0, 0.8)
        spread = np.where(wide, 2, 1).astype(np.int64)
        below = (rng.random(CHUNK) * (spread + 1)).astype(np.int64)  # 0..spread
        bid = last - below
        ask = bid + spread
        noise = rng.lognormal(0.0, 0.6, CHUNK) * np.exp(-0.18)
        volume = np.where(active, np.rint(self._vol_per_sec * dt * m * m * noise), 0)
        bid_size = rng.integers(1, 30, CHUNK) * 100
        ask_size = rng.integers(1, 30, CHUNK) * 100
        return Chunk(times, last, bid, ask, bid_size, ask_size, volume.astype(np.int64), active)

    def quote(self, k: int) -> Quote | None:
        """The quote at step ``k`` (k >= 0), or None when the market is closed then."""
        if k < 0:
            raise ValueError("the simulated path starts at its anchor (step 0)")
        ch = self.chunk(k // CHUNK)
        i = k % CHUNK
        if not ch.active[i]:
            return None
        return Quote(
            symbol=self.symbol,
            bid=_cents(int(ch.bid[i])),
            ask=_cents(int(ch.ask[i])),
            last=_cents(int(ch.last[i])),
            bid_size=Decimal(int(ch.bid_size[i])),
            ask_size=Decimal(int(ch.ask_size[i])),
            time=datetime.fromtimestamp(float(ch.times[i]), UTC),
            volume=int(ch.volume[i]),
        )

    def last_prices(
        self, k_from: int, k_to: int
    ) -> tuple[npt.NDArray[np.float64], IntArray, IntArray]:
        """Times, last (cents) and volume of the active steps in ``[k_from, k_to)``."""
        ts: list[npt.NDArray[np.float64]] = []
        px: list[IntArray] = []
        vol: list[IntArray] = []
        k = max(0, k_from)
        while k < k_to:
            c, i = divmod(k, CHUNK)
            j = min(CHUNK, i + (k_to - k))
            ch = self.chunk(c)
            sel = ch.active[i:j]
            ts.append(ch.times[i:j][sel])
            px.append(ch.last[i:j][sel])
            vol.append(ch.volume[i:j][sel])
            k += j - i
        if not ts:
            empty = np.zeros(0, dtype=np.int64)
            return np.zeros(0), empty, empty
        return np.concatenate(ts), np.concatenate(px), np.concatenate(vol)
