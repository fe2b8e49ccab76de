"""Where the simulated market's path starts, kept in the database so a restart continues it.

The simulated path is a pure function of (seed, symbol, start price, anchor,
step) (see :mod:`app.marketdata.feeds.simpath`). Keeping the anchor and the
start price in the account's database makes the market after a restart the
same market, continued to the present as if it had kept trading while the app
was closed: a share bought at 49.91 is valued on the same path, and the fills'
markers stay on the candles they were made on.

A path whose anchor is older than :data:`MAX_AGE` (or a changed seed, start
price or step) starts again now, at the old path's last price, so the price
still continues; the candles before that point are generated anew.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.core.models import normalize_symbol
from app.marketdata.feeds.simpath import PathParams, PricePath
from app.storage.state_store import StateStore

KEY = "sim_market_origin"
MAX_AGE = timedelta(days=30)  # at one step a second, a month of path is ~0.2 s to regenerate


@dataclass(frozen=True, slots=True)
class Origin:
    """The path's start: ``anchor`` (epoch seconds) and ``start_price`` for the settings
    (``seed``, ``configured_price``, ``step``) it was made with."""

    seed: int
    configured_price: str
    step: float
    anchor: float
    start_price: str
    follow_nyse: bool
    symbol: str

    def matches(self, seed: int, price: Decimal, step: float, follow_nyse: bool) -> bool:
        return (self.seed, Decimal(self.configured_price), self.step, self.follow_nyse) == (
            seed, price, step, follow_nyse,
        )  # fmt: skip


def _load(store: StateStore) -> Origin | None:
    saved = store.load(KEY)
    if saved is None:
        return None
    try:
        return Origin(**json.loads(saved))
    except (TypeError, ValueError):
        return None  # an unreadable origin: the market starts again


def _save(store: StateStore, origin: Origin, now: datetime) -> None:
    store.save(KEY, json.dumps(asdict(origin)), now)


def continued_origin(
    store: StateStore,
    seed: int,
    configured_price: Decimal,
    step: float,
    follow_nyse: bool,
    symbol: str,
    now: datetime,
    params: PathParams | None = None,
) -> tuple[datetime, Decimal]:
    """The (anchor, start price) of the simulated market: the ones in ``store`` when they
    still apply, else a new origin at ``now`` (stored), priced where the old path left off."""
    now_ts = float(math.floor(now.timestamp()))
    old = _load(store)
    if old is not None and old.matches(seed, configured_price, step, follow_nyse):
        age = now_ts - old.anchor
        if 0 <= age <= MAX_AGE.total_seconds():
            return datetime.fromtimestamp(old.anchor, UTC), Decimal(old.start_price)
    start = configured_price
    if old is not None and old.matches(seed, configured_price, step, follow_nyse):
        start = _price_where_it_stopped(old, now_ts, params)
    origin = Origin(
        seed=seed, configured_price=str(configured_price), step=step, anchor=now_ts,
        start_price=str(start), follow_nyse=follow_nyse, symbol=normalize_symbol(symbol),
    )  # fmt: skip
    _save(store, origin, now)
    return datetime.fromtimestamp(now_ts, UTC), start


def _price_where_it_stopped(old: Origin, now_ts: float, params: PathParams | None) -> Decimal:
    """The old path's last price before ``now`` (at most :data:`MAX_AGE` after its anchor)."""
    path = PricePath(
        old.seed, old.symbol, Decimal(old.start_price), datetime.fromtimestamp(old.anchor, UTC),
        old.step, old.follow_nyse, params,
    )  # fmt: skip
    end = min(now_ts, old.anchor + MAX_AGE.total_seconds())
    k = path.step_at(end)
    if k < 0:
        return Decimal(old.start_price)
    window = int(4 * 86400 / old.step)  # long enough to reach back over a closed weekend
    _, last, _ = path.last_prices(max(0, k - window), k + 1)
    return Decimal(int(last[-1])).scaleb(-2) if len(last) else Decimal(old.start_price)
