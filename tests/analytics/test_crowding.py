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


def _panel(rng, days, names):
    dates = pd.bdate_range("2014-01-01", periods=days)
    market = rng.normal(0.0004, 0.011, days)
    steps = market[:, None] * rng.uniform(0.6, 1.5, names) + rng.normal(0, 0.015, (days, names))
    close = pd.DataFrame(50 * np.exp(np.cumsum(steps, axis=0)), index=dates,
                         columns=[f"S{i:03d}" for i in range(names)])
    close.iloc[:days * 3 // 5, names - 5:] = np.nan              # late listers
    close = close.mask(rng.random(close.shape) < 0.003)          # missing prints
    return close, pd.Series(market, index=dates)


def test_average_correlation_over_blocks_of_names_equals_the_identity_in_pandas():
    """The per-day sums come from blocks of COLUMN_BLOCK names; over 150 names with
    listings, gaps and changing members they equal the identity computed on whole panels."""
    from analytics.rolling import COLUMN_BLOCK

    rng = np.random.default_rng(12)
    close, _ = _panel(rng, 900, 150)
    assert close.shape[1] > 2 * COLUMN_BLOCK
    r = close.pct_change(fill_method=None)
    held = r.notna() & (rng.random(r.shape) < 0.3)
    vol = r.rolling(63).std()
    use = held & vol.notna()
    with_vol, n = use.sum(axis=1), held.sum(axis=1)
    m1 = vol.where(use).sum(axis=1) / with_vol.clip(lower=1)
    m2 = (vol ** 2).where(use).sum(axis=1) / with_vol.clip(lower=1)
    basket_var = (r.where(held).sum(axis=1) / n.clip(lower=1)).rolling(63).std() ** 2
    expected = ((basket_var - m2 / n) / (m1 ** 2 - m2 / n)).where((n >= 3) & (with_vol >= 2))
    got = average_correlation(r, held)
    pd.testing.assert_series_equal(got, expected, check_names=False, rtol=1e-9, atol=1e-12)
    assert got.notna().sum() > 700


def test_theme_gauges_from_the_one_pass_equal_each_theme_on_its_own():
    """crowding_view sums every theme in the same pass over the panel as the momentum legs
    (a theme: its names every day); each theme's gauge, z-scores and 20-day trail equal
    ``crowding`` on the theme's own prices, across blocks of names and with late listers."""
    from analytics.crowding import crowding_view
    from analytics.factors import daily_returns, rolling_beta
    from analytics.params import EngineParams

    rng = np.random.default_rng(11)
    close, bench_r = _panel(rng, 3000, 140)
    themes = {"early": ("S001", "S002", "S070", "S130"), "late": ("S135", "S136", "S137"),
              "thin": ("S003", "S004", "NOPE")}
    params = EngineParams(benchmark="B", themes=themes)
    returns = daily_returns(close)
    beta = rolling_beta(returns, bench_r, window=252, min_periods=120)
    ls = returns.iloc[:, :3].mean(axis=1) - returns.iloc[:, 3:6].mean(axis=1)
    long = returns.notna() & (np.arange(140) < 3)
    short = returns.notna() & (np.arange(140) >= 127)
    view = crowding_view(close, bench_r, beta, returns, ls, long, short, params)
    assert list(view.gauges) == ["Momentum", "early", "late"], "a theme needs 3 names"
    alone = crowding(close, bench_r, ls, long, short)
    assert view.gauges["Momentum"] == alone.latest()
    pd.testing.assert_series_equal(view.momentum_score, alone.score)
    for theme in ("early", "late"):
        tickers = list(themes[theme])
        own = crowding(close[tickers], bench_r, returns[tickers].mean(axis=1) - bench_r,
                       pd.DataFrame(True, index=close.index, columns=tickers)).latest()
        got = view.gauges[theme]
        assert got.available == own.available == 5
        assert got.score == pytest.approx(own.score, abs=1e-9)
        assert got.trail == pytest.approx(own.trail, abs=1e-9) and len(got.trail) == 20
        assert got.z == pytest.approx(own.z, abs=1e-9)
        assert got.values == pytest.approx(own.values, rel=1e-9)


def test_the_pass_leaves_its_inputs_alone():
    """leg_sums works on copies of its inputs' blocks, whatever their layout: betas held
    column by column give blocks that are already column-major, and the residual must not be
    made in them."""
    from analytics.crowding import leg_sums
    from analytics.factors import daily_returns, rolling_beta

    close, bench_r = _panel(np.random.default_rng(13), 400, 65)
    returns = daily_returns(close)
    beta = rolling_beta(returns, bench_r)
    beta = pd.DataFrame(np.asfortranarray(beta.to_numpy()), index=beta.index,
                        columns=beta.columns, copy=False)
    assert beta.to_numpy().flags.f_contiguous
    before = [frame.to_numpy().copy() for frame in (close, returns, beta)]
    held = returns.notna().to_numpy()
    leg_sums(close, bench_r, beta, returns, {"all": held}, {"some": np.array([0, 64])})
    for frame, copy in zip((close, returns, beta), before):
        np.testing.assert_array_equal(frame.to_numpy(), copy)


def test_the_pass_gives_the_same_bits_on_two_threads():
    """Blocks of names summed on two threads are added in the blocks' order: the same sums,
    bit for bit, as on one."""
    from analytics.crowding import leg_sums
    from analytics.factors import daily_returns, rolling_beta
    from analytics.threads import executor

    close, bench_r = _panel(np.random.default_rng(17), 600, 300)
    returns = daily_returns(close)
    beta = rolling_beta(returns, bench_r)
    held = (returns.rank(axis=1, pct=True) > 0.9).to_numpy()
    baskets = {"wide": np.arange(0, 300, 7), "one block": np.array([1, 2, 3])}
    alone = leg_sums(close, bench_r, beta, returns, {"top": held}, baskets)
    with executor(2) as pool:
        shared = leg_sums(close, bench_r, beta, returns, {"top": held}, baskets, pool=pool)
    for one, two in zip(alone, shared):
        assert one.keys() == two.keys()
        for name in one:
            np.testing.assert_array_equal(one[name], two[name])
