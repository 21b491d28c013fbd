"""The simulated market: determinism, coverage, realism and every planted event."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.gamma import gex_profile
from models.sources import open_source

END = pd.Timestamp("2026-02-06")


@pytest.fixture(scope="module")
def returns(demo_market):
    return demo_market.close.pct_change().iloc[1:]


def momentum_deciles(close, day):
    signal = close.shift(21) / close.shift(251) - 1
    s = signal.iloc[day]
    return s >= s.quantile(0.9), s <= s.quantile(0.1)


def rms(frame, window=5):
    return np.sqrt((frame ** 2).rolling(window).mean())


def test_deterministic_bit_identical(universe, demo_market):
    again = open_source("demo", seed=7, end="2026-02-06").load(universe)
    pd.testing.assert_frame_equal(again.close, demo_market.close, check_exact=True)
    pd.testing.assert_frame_equal(again.volume, demo_market.volume, check_exact=True)
    pd.testing.assert_frame_equal(again.options["SPY"], demo_market.options["SPY"], check_exact=True)
    other = open_source("demo", seed=8, end="2026-02-06").load(universe)
    assert not other.close.equals(demo_market.close)


def test_default_end_is_last_business_day_before_today(universe):
    market = open_source("demo").load(universe)
    today = pd.Timestamp.today().normalize()
    assert market.as_of < today and today - market.as_of <= pd.Timedelta(days=3)
    assert market.as_of.day_of_week < 5


def test_shape_coverage_and_labels(universe, demo_market):
    m = demo_market
    assert m.simulated and m.source == "demo" and m.as_of == END
    assert list(m.close.columns) == universe.all_tickers()
    assert 1040 <= len(m.close) <= 1050 and m.close.index[-1] == END
    assert (m.close.index.day_of_week < 5).all()
    assert not m.close.isna().any().any()
    assert (m.close.dtypes == np.float64).all()
    assert m.volume.shape == m.close.shape and (m.volume >= 0).all().all()
    assert (m.volume["SPY"] > 0).all() and (m.volume["^TNX"] == 0).all()
    so = m.shares_outstanding
    for t in ("SPY", "TQQQ", "EWY", "AAPL"):
        assert (so[t] > 0).all(), t


def test_realistic_levels_and_units(demo_market):
    last = demo_market.close.iloc[-1]
    assert 600 < last["SPY"] < 800 and 2.0 < last["^TNX"] < 6.0 and 2.0 < last["^IRX"] < 6.0
    assert 100 < last["JPY=X"] < 200 and 1000 < last["KRW=X"] < 2000 and 0.8 < last["EURUSD=X"] < 1.5
    vix = demo_market.close["^VIX"]
    assert 10 < vix.median() < 30 and vix.max() > 25


def test_statistical_ranges(universe, returns):
    annual = returns.std() * np.sqrt(252)
    assert 0.14 <= annual["SPY"] <= 0.21
    members = annual[universe.constituents]
    assert 0.25 <= members.median() <= 0.40
    assert members.quantile(0.05) >= 0.15 and members.quantile(0.95) <= 0.65
    corr = np.corrcoef(returns[universe.constituents].to_numpy().T)
    n = len(corr)
    average = (corr.sum() - n) / (n * n - n)
    assert 0.2 <= average <= 0.35
    kurtosis = returns["SPY"].kurt()
    assert kurtosis > 1.0, "fat tails"
    absolute = returns["SPY"].abs()
    assert absolute.autocorr(1) > 0.1, "volatility clustering"


def test_benchmark_and_sector_etfs_track_members(universe, returns):
    members = returns[universe.constituents]
    assert returns["SPY"].corr(members.mean(axis=1)) > 0.95
    tech = [t for t, s in universe.sectors.items() if s == "Information Technology"]
    assert returns["XLK"].corr(members[tech].mean(axis=1)) > 0.9
    smh = universe.themes["AI beneficiaries"]
    assert returns["SMH"].corr(returns[smh].mean(axis=1)) > 0.95


def test_leveraged_etfs_are_exact_multiples(universe, returns):
    for fund in universe.leveraged_etfs:
        cost = fund.multiple * returns[fund.underlying] - returns[fund.ticker]
        assert cost.std() < 1e-10, fund.ticker
        assert 0 < cost.mean() < 0.0005, fund.ticker


def test_leveraged_etf_sizes(demo_market):
    aum = (demo_market.shares_outstanding * demo_market.close).iloc[-1]
    assert 1e10 < aum["TQQQ"] < 1e11
    assert 1e8 <= aum["NVDL"] <= 1e10 and 1e8 <= aum["CONL"] <= 1e10


def test_option_chains_sane(demo_market):
    for underlying in ("SPY", "QQQ"):
        chain = demo_market.options[underlying]
        spot = demo_market.close[underlying].iloc[-1]
        assert set(chain["kind"]) == {"C", "P"}
        days = (chain["expiry"] - END).dt.days
        assert days.min() >= 1 and days.max() <= 90 and chain["expiry"].nunique() >= 10
        assert chain["strike"].min() <= 0.76 * spot and chain["strike"].max() >= 1.24 * spot
        assert (chain["open_interest"] > 0).all()
        near = chain[(chain["strike"] / spot - 1).abs() < 0.05]["open_interest"].mean()
        far = chain[(chain["strike"] / spot - 1).abs() > 0.15]["open_interest"].mean()
        assert near > 5 * far
        puts = chain[(chain["kind"] == "P") & (chain["expiry"] == chain["expiry"].min())]
        assert puts.sort_values("strike")["implied_vol"].is_monotonic_decreasing or \
            puts.iloc[0]["implied_vol"] > puts.iloc[-1]["implied_vol"], "downward skew"


def test_dealer_gamma_positive_at_spot_negative_below(demo_market):
    for underlying in ("SPY", "QQQ"):
        spot = demo_market.close[underlying].iloc[-1]
        profile = gex_profile(demo_market.options[underlying], spot, END,
                              grid=spot * np.array([0.9, 0.94, 0.96, 1.0]))
        assert profile.iloc[-1] > 0, underlying
        assert profile.iloc[1] < 0 and profile.iloc[2] < 0, underlying


def test_event1_momentum_crash(universe, demo_market, returns):
    close = demo_market.close[universe.constituents]
    day = -3
    top, bottom = momentum_deciles(close, day)
    members = returns[universe.constituents]
    today = members.iloc[day]
    assert members.index[day] == pd.Timestamp("2026-02-04")
    assert -0.05 <= today[top].mean() <= -0.03
    assert 0.03 <= today[bottom].mean() <= 0.05
    spy = returns["SPY"].iloc[day]
    assert -0.01 < spy < 0
    assert 0.7 <= (today > spy).mean() <= 0.85
    tops = close.shift(21) / close.shift(251) - 1
    upper = tops.ge(tops.quantile(0.9, axis=1), axis=0)
    lower = tops.le(tops.quantile(0.1, axis=1), axis=0)
    long_short = members.where(upper.iloc[1:]).mean(axis=1) - members.where(lower.iloc[1:]).mean(axis=1)
    sigma = long_short.iloc[day] / long_short.iloc[day - 63:day].std()
    assert sigma <= -5
    assert long_short.idxmin() == pd.Timestamp("2026-02-04")
    for theme in ("AI beneficiaries", "AI power & grid", "Memory chips"):
        assert -0.10 <= returns[universe.themes[theme]].iloc[day].mean() <= -0.05, theme


def test_event1_crowded_run_up(universe, demo_market):
    ai = demo_market.close[universe.themes["AI beneficiaries"]].mean(axis=1)
    software = demo_market.close[universe.themes["Software"]].mean(axis=1)
    assert ai.iloc[-25] / ai.iloc[-250] > 1.2
    assert ai.iloc[-25] / ai.iloc[-250] > software.iloc[-25] / software.iloc[-250] + 0.3


def test_event2_dispersion_week(universe, returns):
    ratio = rms(returns[universe.constituents]).mean(axis=1) / rms(returns["SPY"])
    before_crash = ratio.index.get_loc(pd.Timestamp("2026-02-03"))
    assert ratio.iloc[before_crash] >= 6
    assert ratio.iloc[:before_crash].max() < ratio.iloc[before_crash]


def test_event3_korea_best_week_and_japan_flip(demo_market):
    weekly = demo_market.close["^KS11"].resample("W-FRI").last().pct_change()
    best = weekly.idxmax()
    assert END - pd.Timedelta(days=31) <= best <= END
    assert weekly.max() >= 0.10
    assert demo_market.close["KRW=X"].loc[best] < demo_market.close["KRW=X"].loc[best - pd.Timedelta(days=7)]
    logs = np.log(demo_market.close[["^N225", "JPY=X"]]).diff()
    corr = logs["^N225"].rolling(60).corr(logs["JPY=X"])
    assert corr.iloc[-127] > 0 and corr.iloc[-1] < 0


def test_event4_metals_up_yields_down_curve_flatter(demo_market):
    c = demo_market.close
    month = c.iloc[-1] - c.iloc[-22]
    assert c["HG=F"].iloc[-1] > c["HG=F"].iloc[-22] and c["GC=F"].iloc[-1] > c["GC=F"].iloc[-22]
    assert month["^TNX"] <= -0.2

    def bey(discount):
        d = discount / 100
        return 100 * 365 * d / (360 - d * 91)

    slope = c["^TNX"] - bey(c["^IRX"])
    assert slope.iloc[-1] < slope.iloc[-22]


def test_event5_cyclicals_and_defensives_up(universe, demo_market):
    c = demo_market.close
    for etf in universe.cross_asset.cyclical + universe.cross_asset.defensive:
        assert c[etf].iloc[-1] / c[etf].iloc[-22] - 1 > 0.02, etf


def test_event6_non_us_creations_dwarf_us(universe, demo_market):
    so = demo_market.shares_outstanding
    flows = (so.diff() * demo_market.close[so.columns]).iloc[-252:].sum()
    foreign = flows[universe.region_etfs(domestic=False)].sum()
    domestic = flows[universe.region_etfs(domestic=True) + list(universe.cross_asset.sectors)].sum()
    assert foreign > 2e10
    assert foreign > 3 * max(domestic, 0)
