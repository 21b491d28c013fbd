"""Trailing windows (analytics/rolling.py) against pandas' rolling, and causality.

Panels have gaps, late listings and names delisted at the end; for ``trailing_sums`` (the
streamed sums of the rolling beta) wide panels have the minimum block of rows, a 252-day
window forces the running-sum buffer to be compacted and the lengths leave a short last block
(padded with zeros).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.factors import rolling_beta
from analytics.rolling import RowRing, rolling_mean, rolling_rms, rolling_std, rolling_values, trailing_sums
from tests.analytics.causality import assert_causal


def returns_panel(rows: int = 701, cols: int = 4100, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.normal(0.0004, 0.02, (rows, cols))
    values[rng.random((rows, cols)) < 0.01] = np.nan          # gaps
    values[: rng.integers(0, rows // 2), : cols // 10] = np.nan  # late listings
    values[-5:, -3:] = np.nan                                  # delisted at the end
    return pd.DataFrame(values, index=pd.bdate_range("2020-01-01", periods=rows))


def pandas_rms(frame, window):
    return np.sqrt((frame ** 2).rolling(window).mean())


@pytest.mark.parametrize("window", [2, 5, 63, 252])
def test_wide_panel_matches_pandas(window):
    frame = returns_panel()
    for ours, theirs in ((rolling_mean, lambda f: f.rolling(window).mean()),
                         (rolling_rms, lambda f: pandas_rms(f, window))):
        got, want = ours(frame, window), theirs(frame)
        assert got.isna().equals(want.isna()), "NaN unless the whole window is present"
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9, atol=1e-12)
    got, want = rolling_std(frame, window), frame.rolling(window).std()
    assert got.isna().equals(want.isna())
    # a running variance: the absolute error stays ~1e-9 (returns of 2% a day), a
    # ten-millionth of a typical vol
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-8, atol=1e-8)


def test_series_and_price_levels_match_pandas():
    rng = np.random.default_rng(6)
    level = pd.Series(4000 * np.exp(np.cumsum(rng.normal(0, 0.01, 3000))),
                      index=pd.bdate_range("2010-01-01", periods=3000), name="SPX")
    level.iloc[[10, 500, 2999]] = np.nan
    got = rolling_std(level, 21)
    assert isinstance(got, pd.Series) and got.name == "SPX"
    pd.testing.assert_series_equal(got, level.rolling(21).std(), rtol=1e-9)
    pd.testing.assert_series_equal(rolling_mean(level, 200), level.rolling(200).mean(),
                                   rtol=1e-12)


def test_trailing_sums_are_window_sums_with_partial_starts():
    rng = np.random.default_rng(7)
    values = rng.normal(size=(333, 3))

    def fill(rows, blocks):
        blocks[0][:] = values[rows]

    got = np.concatenate([sums[0][10].copy() for _, sums in
                          trailing_sums(values.shape, 1, fill, [10])])
    cumulative = np.cumsum(values, axis=0)
    want = cumulative.copy()
    want[10:] -= cumulative[:-10]
    np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("order", ["C", "F"])
def test_row_ring_ratios_equal_direct_division_across_wrap_arounds(order):
    """Lagged ratios asked for block by block, as momentum asks for them (a ring of 7 rows
    wraps inside most requests), equal the division of the rows themselves."""
    rng = np.random.default_rng(3)
    values = np.asarray(rng.uniform(1, 2, (50, 9)), order=order)
    values[rng.random(values.shape) < 0.1] = np.nan
    ring = RowRing(values, 7)
    for start in range(4, 50, 3):
        count = min(3, 50 - start)
        out = np.empty((count, 9))
        ring.ratio(start, start - 4, count, out)
        np.testing.assert_array_equal(out, values[start:start + count]
                                      / values[start - 4:start - 4 + count])


def test_row_ring_refuses_rows_it_no_longer_holds():
    values = np.arange(40.0).reshape(20, 2) + 1
    ring = RowRing(values, 5)
    ring.ratio(10, 6, 1, np.empty((1, 2)))
    with pytest.raises(ValueError, match="has left the ring of 5 rows"):
        ring.ratio(12, 7, 1, np.empty((1, 2)))


def test_unknown_statistic_is_rejected():
    with pytest.raises(ValueError, match="unknown statistic 'median'"):
        rolling_values(np.zeros((5, 2)), 3, "median")


@pytest.mark.parametrize("cols", [1, 40, 4100])
def test_causality(cols):
    frame = returns_panel(rows=437, cols=cols)
    prices = 100 * (1 + frame.fillna(0)).cumprod().where(frame.notna())
    for window in (5, 63, 252):
        assert_causal(lambda f, w=window: rolling_rms(f, w), frame)
        assert_causal(lambda f, w=window: rolling_std(f, w), prices)
        assert_causal(lambda f, w=window: rolling_mean(f, w), prices)


def test_rolling_beta_matches_pandas_covariance():
    returns = returns_panel(rows=600, cols=30)
    market = pd.Series(np.random.default_rng(8).normal(0, 0.01, 600), index=returns.index)
    returns = returns.add(1.3 * market, axis=0)
    got = rolling_beta(returns, market, window=252, min_periods=120)
    paired = pd.DataFrame({c: market for c in returns}).where(returns.notna())
    windows = returns.rolling(252, min_periods=120)
    want = (windows.cov(paired) / paired.rolling(252, min_periods=120).var()).shift(1)
    assert got.isna().equals(want.isna())
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9)
    assert got.iloc[-1].mean() == pytest.approx(1.3, abs=0.1)
