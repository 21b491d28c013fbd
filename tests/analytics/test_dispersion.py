"""Dispersion ratio, breadth and average correlation against the oracles in docs/methods.md."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.dispersion import (
    advance_decline,
    breadth,
    dispersion_ratio,
    implied_average_correlation,
    realized_average_correlation,
    vol_cross_section,
)
from tests.analytics.causality import assert_causal


def one_day(member_returns, index_return):
    dates = pd.bdate_range("2026-02-03", periods=2)
    prices = pd.DataFrame([np.ones(len(member_returns)), 1 + np.array(member_returns)],
                          index=dates, columns=[f"S{i}" for i in range(len(member_returns))])
    return prices, pd.Series([1.0, 1 + index_return], index=dates)


def test_breadth_toy_oracle():
    prices, bench = one_day([-0.005, 0.005, 0.002, -0.03], -0.008)
    assert breadth(prices, bench).iloc[-1] == 0.75
    prices, bench = one_day([-0.01, 0.005, 0.002, -0.03], -0.008)
    assert breadth(prices, bench).iloc[-1] == 0.5
    ad = advance_decline(one_day([-0.005, 0.005, 0.002, -0.03], -0.008)[0]).iloc[-1]
    assert (ad["advancers"], ad["decliners"], ad["net"]) == (2, 2, 0)


def test_breadth_ties_and_missing_names():
    prices, bench = one_day([0.01, -0.01, 0.0], 0.0)
    prices.iloc[1, 2] = np.nan
    assert breadth(prices, bench).iloc[-1] == 0.5, "tie is not a beat; missing name not counted"


def test_dispersion_identity_oracle():
    n, sigma, rho = 500, 0.30, 0.2
    index_vol = np.sqrt(sigma ** 2 / n + rho * (sigma ** 2 - sigma ** 2 / n))
    assert index_vol == pytest.approx(0.1347, abs=1e-3)
    assert sigma / index_vol == pytest.approx(2.227, abs=1e-3)
    assert implied_average_correlation(index_vol, np.full(n, sigma)) == pytest.approx(0.2, abs=1e-12)


def test_ratio_to_correlation_oracle():
    assert implied_average_correlation(1 / 6.88, np.ones(500)) == pytest.approx(0.01916, abs=1e-4)


def test_implied_correlation_two_asset_toy():
    rho = implied_average_correlation(0.30, np.array([0.30, 0.40]), weights=[0.5, 0.5])
    assert rho == pytest.approx(0.4583, abs=1e-4)


def test_dispersion_ratio_rms_and_std():
    rng = np.random.default_rng(5)
    dates = pd.bdate_range("2026-01-05", periods=30)
    r = rng.normal(0, 0.02, (30, 4))
    prices = pd.DataFrame(np.cumprod(1 + r, axis=0), index=dates, columns=list("ABCD"))
    ir = rng.normal(0, 0.005, 30)
    bench = pd.Series(np.cumprod(1 + ir), index=dates)
    ratio = dispersion_ratio(prices, bench, window=5)
    member = np.sqrt((pd.DataFrame(r[-5:]) ** 2).mean()).mean()
    assert ratio.iloc[-1] == pytest.approx(member / np.sqrt(np.mean(ir[-5:] ** 2)))
    assert ratio.iloc[:5].isna().all(), "a full window is required"
    std = dispersion_ratio(prices, bench, window=5, method="std")
    assert std.iloc[-1] == pytest.approx(pd.DataFrame(r[-5:]).std().mean() / np.std(ir[-5:], ddof=1))


@pytest.mark.parametrize("method", ["rms", "std"])
@pytest.mark.parametrize("window", [5, 8, 21, 63])
def test_vol_cross_section_matches_pandas_rolling_on_dirty_data(method, window):
    """Blocks of rows with gaps, late listings and a delisting against pandas' rolling."""
    rng = np.random.default_rng(11)
    r = rng.normal(0, 0.02, (700, 300))
    r[rng.random(r.shape) < 0.01] = np.nan                  # missing prints
    r[:400, :40] = np.nan                                     # listed late
    r[500:, 290:] = np.nan                                    # delisted
    frame = pd.DataFrame(r)
    rolled = frame.rolling(window)
    vols = np.sqrt((frame ** 2).rolling(window).mean()) if method == "rms" else rolled.std()
    count, total, squares = vol_cross_section(r, window, method)
    np.testing.assert_array_equal(count, vols.notna().sum(axis=1))
    np.testing.assert_allclose(total, vols.sum(axis=1), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(squares, (vols ** 2).sum(axis=1), rtol=1e-12, atol=1e-15)


def test_vol_cross_section_is_causal_across_blocks():
    """Appending rows (so the last block of rows changes) leaves every earlier sum identical."""
    rng = np.random.default_rng(12)
    r = rng.normal(0, 0.02, (1000, 500))
    for method in ("rms", "std"):
        full = vol_cross_section(r, 21, method)
        for cut in (85, 99, 613):
            past = vol_cross_section(r[:cut], 21, method)
            for a, b in zip(past, full):
                np.testing.assert_array_equal(a, b[:cut])
    assert vol_cross_section(r[:3], 5)[0].tolist() == [0, 0, 0], "no complete window"


def test_realized_correlation_needs_two_members():
    dates = pd.bdate_range("2026-01-05", periods=40)
    rng = np.random.default_rng(13)
    prices = pd.DataFrame(np.cumprod(1 + rng.normal(0, 0.02, (40, 2)), axis=0), index=dates,
                          columns=["A", "B"])
    prices.iloc[:30, 1] = np.nan                               # B lists on day 30
    bench = prices["A"].copy()
    rho = realized_average_correlation(prices, bench, window=5)
    assert rho.iloc[:35].isna().all(), "one member has no pair"
    assert np.isfinite(rho.iloc[-1])


def test_realized_correlation_recovers_a_known_correlation():
    rng = np.random.default_rng(6)
    n, days = 50, 2000
    common = rng.normal(0, 0.01, (days, 1))
    r = common + rng.normal(0, np.sqrt(3) * 0.01, (days, n))      # corr = 1 / (1 + 3) = 0.25
    dates = pd.bdate_range("2015-01-01", periods=days)
    prices = pd.DataFrame(np.cumprod(1 + r, axis=0), index=dates)
    bench = pd.Series(np.cumprod(1 + r.mean(axis=1)), index=dates)
    rho = realized_average_correlation(prices, bench, window=21)
    assert rho.mean() == pytest.approx(0.25, abs=0.03)


def test_causality(demo_market, universe):
    prices = demo_market.close[universe.constituents[:60]]
    bench = demo_market.close["SPY"]
    assert_causal(lambda p, b: dispersion_ratio(p, b), prices, bench)
    assert_causal(lambda p, b: breadth(p, b), prices, bench)
    assert_causal(lambda p, b: realized_average_correlation(p, b), prices, bench)
