"""app.indicators against TA-Lib (the reference traders compare with), batch and streaming."""

from __future__ import annotations

import copy
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.indicators import MacdValue, StreamingMACD, StreamingRSI, macd, rsi
from app.indicators._batch import SMALL
from app.indicators._engine import CHUNK

talib = pytest.importorskip("talib")

RSI_PERIODS = [2, 7, 14, 21]
MACD_PARAMS = [(12, 26, 9), (5, 35, 5), (3, 10, 16)]
SEEDS = [0, 1, 2]


def walk(n: int, seed: int = 0, scale: float = 100.0, vol: float = 0.01) -> np.ndarray:
    """Geometric random walk; log-volatility shrinks with length so prices stay in range."""
    rng = np.random.default_rng(seed)
    step = vol / max(1.0, math.sqrt(n / 1000.0))
    return scale * np.exp(np.cumsum(rng.normal(0.0, step, n)))


def assert_same(ours: np.ndarray, ref: np.ndarray, closes: np.ndarray, *, price_like: bool) -> None:
    """NaN exactly where TA-Lib is NaN; elsewhere equal within 1e-9 (abs and rel).

    MACD values are differences of price-level EMAs, so their rounding scales with
    the price: allow an extra 1e-14 of the largest |close| (~45 ulps) there.
    """
    assert ours.dtype == np.float64 and ours.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    atol = 1e-9 + (1e-14 * float(np.max(np.abs(closes), initial=0.0)) if price_like else 0.0)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=atol, equal_nan=True)


def check_rsi(x: np.ndarray, n: int) -> None:
    assert_same(rsi(x, n), talib.RSI(x, n), x, price_like=False)


def check_macd(x: np.ndarray, params: tuple[int, int, int]) -> None:
    for ours, ref in zip(macd(x, *params), talib.MACD(x, *params), strict=True):
        assert_same(ours, ref, x, price_like=True)


# --------------------------------------------------------------------------- batch vs TA-Lib


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", RSI_PERIODS)
def test_rsi_matches_talib_on_random_walks(seed: int, n: int) -> None:
    for length in [0, 1, n, n + 1, 34, 35, 1000, SMALL, SMALL + 1, 100_000]:
        check_rsi(walk(length, seed), n)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("params", MACD_PARAMS)
def test_macd_matches_talib_on_random_walks(seed: int, params: tuple[int, int, int]) -> None:
    first = params[1] + params[2] - 2
    for length in [0, 1, 34, 35, first, first + 1, 1000, SMALL, SMALL + 1, 100_000]:
        check_macd(walk(length, seed), params)


def test_default_parameters_match_talib() -> None:
    x = walk(3000, 5)
    assert_same(rsi(x), talib.RSI(x), x, price_like=False)
    for ours, ref in zip(macd(x), talib.MACD(x), strict=True):
        assert_same(ours, ref, x, price_like=True)
    assert int(np.isnan(macd(x)[0]).sum()) == 33
    assert int(np.isnan(rsi(x)).sum()) == 14


@pytest.mark.parametrize("length", [2 * CHUNK + 12_345, CHUNK, CHUNK + 1])
def test_long_series_across_chunks(length: int) -> None:
    x = walk(length, 9)
    for n in (2, 14):
        check_rsi(x, n)
    for params in [(12, 26, 9), (5, 35, 5)]:
        check_macd(x, params)


@pytest.mark.parametrize("scale", [0.01, 1.0, 100.0, 1e4, 1e5])
def test_price_scales(scale: float) -> None:
    x = walk(20_000, 3, scale=scale)
    for n in RSI_PERIODS:
        check_rsi(x, n)
    for params in MACD_PARAMS:
        check_macd(x, params)


@pytest.mark.parametrize("length", [10, 100, 5000])
def test_constant_series(length: int) -> None:
    x = np.full(length, 42.5)
    for n in RSI_PERIODS:
        check_rsi(x, n)
        assert np.all(rsi(x, n)[n:] == 0.0)  # TA-Lib: 0 when gains and losses are both 0
    for params in MACD_PARAMS:
        check_macd(x, params)


@pytest.mark.parametrize("length", [60, 5000])
def test_monotonic_series(length: int) -> None:
    up = np.linspace(10.0, 500.0, length)
    down = up[::-1].copy()
    for n in RSI_PERIODS:
        check_rsi(up, n)
        check_rsi(down, n)
        assert np.all(rsi(up, n)[n:] == 100.0) and np.all(rsi(down, n)[n:] == 0.0)
    for params in MACD_PARAMS:
        check_macd(up, params)
        check_macd(down, params)


def test_flat_stretches_keep_the_ratio_like_talib() -> None:
    # both Wilder averages decay at the same rate over identical closes: the RSI holds
    rng = np.random.default_rng(4)
    x = np.concatenate([100 + np.cumsum(rng.normal(0, 1, 300)), np.full(3000, 100.0)])
    x = np.concatenate([np.full(50_000, 7.0), x, 100 + np.cumsum(rng.normal(0, 1, 500))])
    for n in (7, 14, 21):
        check_rsi(x, n)
    for params in MACD_PARAMS:
        check_macd(x, params)


def test_other_periods_match_talib() -> None:
    x = walk(30_000, 8)
    for n in (3, 50, 200, 1000):
        check_rsi(x, n)
    for params in [(2, 3, 1), (9, 26, 9), (12, 26, 26), (50, 200, 50), (2, 100, 2)]:
        check_macd(x, params)


# --------------------------------------------------------------------------- inputs and errors


@pytest.mark.parametrize("n", [1, 2, 14])
def test_short_input_gives_all_nan(n: int) -> None:
    for length in range(n + 1):
        out = rsi(np.arange(length, dtype=float) + 1.0, n)
        assert out.shape == (length,) and out.dtype == np.float64 and np.isnan(out).all()
    for length in range(34):
        outs = macd([100.0 + i for i in range(length)])
        assert all(o.shape == (length,) and np.isnan(o).all() for o in outs)


def test_input_types_are_converted() -> None:
    x = [100.0, 101.5, 99.25, 98.0, 102.75, 103.0, 101.0, 104.5, 105.0, 103.25] * 4
    ref_rsi, ref_macd = rsi(np.array(x), 5), macd(np.array(x), 3, 10, 4)
    for variant in (
        tuple(x),
        [Decimal(str(v)) for v in x],
        [Fraction(v) for v in x],
        np.array(x, dtype=np.float32),
        np.array(x)[::-1][::-1],  # non-contiguous view
    ):
        np.testing.assert_allclose(rsi(variant, 5), ref_rsi, rtol=1e-12, equal_nan=True)
        for a, b in zip(macd(variant, 3, 10, 4), ref_macd, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)
    ints = np.array([100, 102, 101, 105, 104, 103, 108, 107, 110, 109] * 3, dtype=np.int32)
    np.testing.assert_allclose(rsi(ints, 5), talib.RSI(ints.astype(float), 5), atol=1e-9)


def test_input_array_is_not_modified() -> None:
    x = walk(5000, 2)
    before = x.copy()
    rsi(x)
    macd(x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("length", [5, 40, 5000])
def test_nan_or_inf_closes_raise(bad: float, length: int) -> None:
    x = walk(length, 1)
    x[3] = bad
    with pytest.raises(ValueError, match=r"closes\[3\]"):
        rsi(x, 2)
    with pytest.raises(ValueError, match=r"closes\[3\]"):
        macd(x)
    x = walk(length, 1)
    x[-1] = bad
    with pytest.raises(ValueError, match=rf"closes\[{length - 1}\]"):
        rsi(x)
    with pytest.raises(ValueError, match=rf"closes\[{length - 1}\]"):
        macd(x, 3, 10, 16)


@pytest.mark.parametrize("bad", [0, -3, 2.0, 14.5, "14", None, True])
def test_bad_periods_raise(bad: object) -> None:
    x = walk(100)
    with pytest.raises(ValueError, match="period"):
        rsi(x, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="period"):
        StreamingRSI(bad)  # type: ignore[arg-type]
    for kwargs in ({"fast": bad}, {"slow": bad}, {"signal": bad}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            macd(x, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            StreamingMACD(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("fast", "slow"), [(26, 12), (12, 12)])
def test_fast_not_below_slow_raises(fast: int, slow: int) -> None:
    with pytest.raises(ValueError, match=r"fast .* slow"):
        macd(walk(100), fast, slow, 9)
    with pytest.raises(ValueError, match=r"fast .* slow"):
        StreamingMACD(fast, slow, 9)


def test_non_numeric_input_raises() -> None:
    bad_inputs: list[Any] = ["123", [1.0, "x"], [[1.0, 2.0]], [1 + 2j, 3.0], [None, 1.0]]
    for bad in bad_inputs:
        with pytest.raises((TypeError, ValueError)):
            rsi(bad)


# ---------------------------------------------------------------- degenerate periods (no TA-Lib)


def test_period_one_and_ema_one() -> None:
    x = np.array([5.0, 6.0, 6.0, 4.0, 7.0, 7.5, 7.0])
    np.testing.assert_array_equal(rsi(x, 1), [math.nan, 100, 0, 0, 100, 100, 0])
    line, sig, hist = macd(walk(3000, 6), 1, 5, 1)  # EMA(1) is the price; signal(1) the line
    x = walk(3000, 6)
    slow = talib.EMA(x, 5)
    np.testing.assert_allclose(line[4:], (x - slow)[4:], atol=1e-9)
    np.testing.assert_array_equal(sig, line)
    np.testing.assert_array_equal(hist[4:], 0.0)
    streaming = StreamingMACD(1, 5, 1)
    values = np.array([streaming.update(c) for c in x])
    np.testing.assert_allclose(values[:, 0], line, atol=1e-9, equal_nan=True)


# --------------------------------------------------------------------------- streaming


@pytest.mark.parametrize("n", RSI_PERIODS)
def test_streaming_rsi_equals_batch_at_every_index(n: int) -> None:
    x = walk(5000, 11)
    s = StreamingRSI(n)
    values = np.array([s.update(c) for c in x])
    batch = rsi(x, n)
    np.testing.assert_array_equal(np.isnan(values), np.isnan(batch))
    np.testing.assert_allclose(values, batch, rtol=1e-12, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(values, talib.RSI(x, n), rtol=1e-12, atol=1e-12, equal_nan=True)
    assert s.count == len(x) and s.ready and s.value == values[-1]


@pytest.mark.parametrize("params", MACD_PARAMS)
def test_streaming_macd_equals_batch_at_every_index(params: tuple[int, int, int]) -> None:
    x = walk(5000, 12)
    s = StreamingMACD(*params)
    values = [s.update(c) for c in x]
    assert all(isinstance(v, MacdValue) for v in values)
    cols = np.array(values).T
    for got, batch, ref in zip(cols, macd(x, *params), talib.MACD(x, *params), strict=True):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(batch))
        np.testing.assert_allclose(got, batch, rtol=1e-12, atol=1e-12, equal_nan=True)
        assert_same(got, ref, x, price_like=True)
    assert s.count == len(x) and s.ready and s.value == values[-1]


def test_streaming_not_ready_until_first_value() -> None:
    s = StreamingRSI(14)
    for i in range(14):
        assert math.isnan(s.update(100.0 + i)) and not s.ready and math.isnan(s.value)
    assert s.update(120.0) == 100.0 and s.ready and s.count == 15
    m = StreamingMACD()
    for i in range(33):
        v = m.update(100.0 + (i % 5))
        assert all(math.isnan(f) for f in v) and not m.ready
    v = m.update(101.0)
    assert m.ready and not any(math.isnan(f) for f in v) and m.value == v
    assert v.histogram == v.macd - v.signal


@pytest.mark.parametrize("split", [0, 1, 10, 14, 15, 33, 34, 2000, 5000])
def test_from_history_then_update_equals_batch(split: int) -> None:
    x = walk(5000, 13)
    r = StreamingRSI.from_history(x[:split], 14)
    m = StreamingMACD.from_history(list(x[:split]), 12, 26, 9)
    assert r.count == m.count == split
    rs = [r.update(c) for c in x[split:]]
    ms = [m.update(c) for c in x[split:]]
    np.testing.assert_allclose(rs, rsi(x)[split:], rtol=1e-12, atol=1e-12, equal_nan=True)
    for got, batch in zip(np.array(ms).T.reshape(3, -1), macd(x), strict=True):
        np.testing.assert_allclose(got, batch[split:], rtol=1e-12, atol=1e-12, equal_nan=True)


def test_warm_equals_update_and_copies_are_independent() -> None:
    x = walk(3000, 14).tolist()
    a, b = StreamingRSI(7), StreamingRSI(7)
    assert a.warm(x) == [b.update(c) for c in x][-1]
    c, d = StreamingMACD(5, 35, 5), StreamingMACD(5, 35, 5)
    assert c.warm(x) == [d.update(v) for v in x][-1]
    twin = copy.deepcopy(c)
    assert twin.update(101.0) == c.update(101.0)
    c.update(99.0)
    assert twin.count == c.count - 1


def test_streaming_rejects_nan_and_keeps_state() -> None:
    s, m = StreamingRSI(3), StreamingMACD(3, 5, 2)
    for v in (10.0, 11.0, 10.5, 12.0, 11.0, 12.5):
        s.update(v)
        m.update(v)
    before = (s.value, s.count, m.value, m.count)
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match="close #6"):
            s.update(bad)
        with pytest.raises(ValueError, match="close #6"):
            m.update(bad)
    with pytest.raises(ValueError, match="close #7"):
        s.warm([1.0, math.nan])  # validated before anything is applied
    with pytest.raises(ValueError, match="close #8"):
        m.warm([1.0, 2.0, -math.inf])
    assert (s.value, s.count, m.value, m.count) == before


# --------------------------------------------------------------------------- property


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.floats(min_value=0.01, max_value=1e5, allow_nan=False, allow_infinity=False),
        max_size=400,
    ),
    st.sampled_from(RSI_PERIODS),
    st.sampled_from(MACD_PARAMS),
)
def test_property_batch_equals_talib(
    prices: list[float], n: int, params: tuple[int, int, int]
) -> None:
    x = np.array(prices, dtype=np.float64)
    ours = rsi(x, n)
    assert_same(ours, talib.RSI(x, n), x, price_like=False)
    valid = ours[~np.isnan(ours)]
    assert np.all((valid >= 0.0) & (valid <= 100.0))
    check_macd(x, params)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=SMALL + 1, max_value=3000),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.sampled_from([0.01, 1.0, 1e3, 1e5]),
)
def test_property_vectorised_path_equals_talib(length: int, seed: int, scale: float) -> None:
    x = walk(length, seed, scale=scale, vol=0.05)
    ours = rsi(x, 14)
    assert_same(ours, talib.RSI(x, 14), x, price_like=False)
    assert np.all((ours[14:] >= 0.0) & (ours[14:] <= 100.0))
    check_macd(x, (12, 26, 9))
