"""Crowding gauge oracle, average-correlation oracle, z-scores, bands, causality."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.crowding import (
    average_correlation,
    band,
    crowding,
    crowding_score,
    normal_cdf,
    point_in_time_z,
)
from analytics.factors import momentum, momentum_legs
from tests.analytics.causality import assert_causal


def test_gauge_oracle():
    assert crowding_score([1.0, 2.0, 0.0, -0.5, 1.5]) == pytest.approx(78.8, abs=0.1)
    assert crowding_score({"a": 0.0}) == pytest.approx(50.0)
    assert crowding_score([1.0]) == pytest.approx(84.1, abs=0.05)
    assert crowding_score([2.0]) == pytest.approx(97.7, abs=0.05)
    assert crowding_score([-1.0]) == pytest.approx(15.9, abs=0.05)
    assert crowding_score([9.0]) == pytest.approx(100 * normal_cdf(3.0)), "winsorized at 3"
    assert np.isnan(crowding_score([np.nan]))
    assert crowding_score([np.nan, 1.0]) == pytest.approx(84.1, abs=0.05), "available only"


def test_bands():
    assert band(90) == "crowded" and band(50) == "neutral" and band(10) == "uncrowded"
    assert band(float("nan")) == "n/a"


def test_average_correlation_synthetic_oracle():
    rng = np.random.default_rng(7)
    days, n = 5000, 20
    g = rng.normal(0, 1.0, (days, 1))                      # a = 1
    e = g + rng.normal(0, np.sqrt(3.0), (days, n))         # b = 3 -> rho = 0.25
    dates = pd.bdate_range("2000-01-03", periods=days)
    returns = pd.DataFrame(e * 0.01, index=dates)
    members = pd.DataFrame(True, index=dates, columns=returns.columns)
    rho = average_correlation(returns, members, window=63)
    assert rho.mean() == pytest.approx(0.25, abs=0.02)


def test_point_in_time_z_uses_only_the_past():
    x = pd.Series(np.r_[np.zeros(300) + np.random.default_rng(8).normal(0, 1, 300), 10.0],
                  index=pd.bdate_range("2020-01-01", periods=301))
    z = point_in_time_z(x)
    assert z.iloc[-1] == 3.0, "winsorized"
    assert z.iloc[:252].isna().all()


def test_point_in_time_z_matches_pandas_rolling_on_gaps_and_infinities():
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(rng.normal(0, 1, (1200, 3)), columns=list("abc"),
                         index=pd.bdate_range("2019-01-01", periods=1200))
    frame.iloc[rng.random(frame.shape) < 0.05] = np.nan
    frame.iloc[:400, 1] = np.nan                               # starts late
    frame.iloc[700, 2] = np.inf                                # a degenerate day
    past = frame.shift(1).rolling(756, min_periods=252)
    sd = past.std()
    expected = ((frame - past.mean()) / sd.where(sd > 0)).clip(-3.0, 3.0)
    pd.testing.assert_frame_equal(point_in_time_z(frame), expected, rtol=1e-9)
    assert point_in_time_z(frame.iloc[:100]).isna().all().all(), "under a year of history"
    assert_causal(point_in_time_z, frame)


def test_average_correlation_needs_vols_for_a_pair():
    """Members too new for a 63-day vol give no correlation, not a division by zero."""
    days = pd.bdate_range("2025-01-01", periods=130)
    r = pd.DataFrame(np.random.default_rng(10).normal(0, 0.02, (130, 4)), index=days)
    r.iloc[:40] = np.nan                                       # all listed on day 40
    members = pd.DataFrame(True, index=days, columns=r.columns)
    rho = average_correlation(r, members)
    assert rho.iloc[:102].isna().all(), "no member has 63 days of returns yet"
    assert np.isfinite(rho.iloc[102:]).all()


def test_crowding_on_demo_momentum(demo_market, universe):
    prices = demo_market.close[universe.constituents]
    market = demo_market.close["SPY"].pct_change()
    ls = momentum(prices)["long_short"]
    long, short = momentum_legs(prices)
    result = crowding(prices, market, ls, long, short)
    latest = result.latest()
    assert 0 <= latest.score <= 100 and latest.available == 5
    assert set(latest.z) == {"comomentum", "factor_volatility", "pairwise_correlation",
                                "factor_reversal", "extension"}
    before_crash = result.score.loc[:"2026-02-03"].iloc[-1]
    assert before_crash >= 84, "the crowded run-up reads as crowded before the crash"
    assert latest.trail == tuple(result.score.iloc[-20:]) and latest.trail[-1] == latest.score
    assert latest.change() == pytest.approx(result.score.iloc[-1] - result.score.iloc[-2])
    crash = crowding(prices.loc[:"2026-02-04"], market.loc[:"2026-02-04"],
                     ls.loc[:"2026-02-04"], long.loc[:"2026-02-04"],
                     short.loc[:"2026-02-04"]).latest()
    assert crash.trail[-2] == before_crash


def test_gauge_change_in_points():
    from analytics.snapshot import CrowdingGauge

    assert CrowdingGauge(90.0, "crowded", 5, trail=(96.4, 90.0)).change_text() == "-6 pts"
    assert CrowdingGauge(90.0, "crowded", 5, trail=(90.2, 90.0)).change_text() == "0 pts"
    assert CrowdingGauge(90.0, "crowded", 5, trail=(90.0,)).change_text() == "n/a"


def test_causality(demo_market, universe):
    prices = demo_market.close[universe.constituents[:60]]

    def gauge(p):
        market = p.mean(axis=1).pct_change()
        long, short = momentum_legs(p)
        return crowding(p, market, momentum(p)["long_short"], long, short).score

    assert_causal(gauge, prices)


def test_theme_gauges_from_the_recent_rows_equal_the_whole_history():
    """crowding_view computes a theme's gauge on the last GAUGE_ROWS days only: on 12 years
    of a panel with listings, gaps and a theme of late listers, today's gauge, its z-scores
    and its 20-day trail equal the whole-history computation."""
    from analytics.crowding import GAUGE_ROWS, CrowdingInputs, crowding_from, crowding_view
    from analytics.factors import daily_returns, rolling_beta
    from analytics.params import EngineParams

    rng = np.random.default_rng(11)
    days = pd.bdate_range("2014-01-01", periods=3000)
    market = rng.normal(0.0004, 0.011, len(days))
    steps = market[:, None] * rng.uniform(0.6, 1.5, 30) + rng.normal(0, 0.015, (len(days), 30))
    close = pd.DataFrame(50 * np.exp(np.cumsum(steps, axis=0)), index=days,
                         columns=[f"S{i:02d}" for i in range(30)])
    close.iloc[:1800, 25:] = np.nan                              # late listers
    close = close.mask(rng.random(close.shape) < 0.003)          # missing prints
    bench_r = pd.Series(market, index=days)
    themes = {"early": ("S01", "S02", "S03", "S04"), "late": ("S25", "S26", "S27", "S28")}
    params = EngineParams(benchmark="B", themes=themes)
    returns = daily_returns(close)
    beta = rolling_beta(returns, bench_r, window=252, min_periods=120)
    names = list(close.columns)
    ls = returns.iloc[:, :3].mean(axis=1) - returns.iloc[:, 3:6].mean(axis=1)
    long = returns.notna() & (np.arange(30) < 3)
    short = returns.notna() & (np.arange(30) >= 27)
    view = crowding_view(close, names, bench_r, beta, returns, ls, long, short, params)
    inputs = CrowdingInputs.build(close, bench_r, beta, returns)
    assert len(days) > 1.9 * GAUGE_ROWS
    for theme, tickers in themes.items():
        whole = crowding_from(inputs, returns[list(tickers)].mean(axis=1) - bench_r,
                              pd.DataFrame(True, index=days, columns=list(tickers))).latest()
        got = view.gauges[theme]
        assert got.available == whole.available == 5
        assert got.score == pytest.approx(whole.score, abs=1e-9)
        assert got.trail == pytest.approx(whole.trail, abs=1e-9) and len(got.trail) == 20
        assert got.z == pytest.approx(whole.z, abs=1e-9)
        assert got.values == pytest.approx(whole.values, rel=1e-9)
