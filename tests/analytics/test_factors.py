"""Momentum / high-beta legs on hand-computed small panels; baskets; causality."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.factors import (
    basket_returns,
    high_beta,
    leg_attribution,
    leg_masks,
    momentum,
    momentum_legs,
    pair_returns,
    rolling_beta,
)
from models.universe import Pair
from tests.analytics.causality import assert_causal

DATES = pd.bdate_range("2026-01-05", periods=6)


def panel():
    """Six tickers whose 3-day signals (lookback 3, skip 1) on the last day are known."""
    data = {
        "A": [100, 110, 120, 130, 140, 147],    # strongest past run
        "B": [100, 105, 110, 115, 120, 120],
        "C": [100, 101, 102, 103, 104, 106.08],
        "D": [100, 99, 98, 97, 96, 97.92],
        "E": [100, 95, 90, 85, 80, 80.8],
        "F": [100, 90, 80, 70, 60, 63],          # weakest past run
    }
    return pd.DataFrame(data, index=DATES, dtype=float)


def test_momentum_legs_hand_computed():
    prices = panel()
    out = momentum(prices, lookback=3, skip=1, quantile=1 / 3)
    # last day: signal = P[t-1] / P[t-3] - 1 -> A 140/120, B 120/110 top; E 80/90, F 60/80 bottom
    last = out.iloc[-1]
    assert last["long"] == pytest.approx(np.mean([147 / 140 - 1, 120 / 120 - 1]))
    assert last["short"] == pytest.approx(np.mean([80.8 / 80 - 1, 63 / 60 - 1]))
    assert last["long_short"] == pytest.approx(last["long"] - last["short"])
    assert last["neutral"] == pytest.approx(np.mean(prices.iloc[-1] / prices.iloc[-2] - 1))
    assert out.iloc[:3].isna().all().all(), "no full signal before lookback days"


def test_ties_at_the_breakpoint_are_included():
    signal = np.array([[3.0, 2.0, 2.0, 1.0, 0.0]])
    long, short = leg_masks(signal, np.ones_like(signal, bool), 0.2)
    assert long.tolist() == [[True, False, False, False, False]]
    long, short = leg_masks(signal, np.ones_like(signal, bool), 0.4)
    assert long.tolist() == [[True, True, True, False, False]]
    assert short.tolist() == [[False, False, False, True, True]]


def reference_legs(signal: np.ndarray, valid: np.ndarray, quantile: float):
    """``leg_masks`` the plain way, one row at a time on float64 values."""
    long, short = np.zeros(signal.shape, bool), np.zeros(signal.shape, bool)
    for i, (row, ok) in enumerate(zip(signal, valid)):
        values = np.sort(row[ok])
        k = int(np.floor(len(values) * quantile + 1e-9))
        if k > 0:
            long[i] = ok & (row >= values[-k])
            short[i] = ok & (row <= values[k - 1])
    return long, short


def test_cut_offs_are_exact_where_float32_cannot_tell_names_apart():
    """The cut-offs come from a float32 copy; names that round to the same float32 as a
    cut-off (1 + 1e-12 and 1, 1e39 and inf beyond float32's range) are cut on float64."""
    base = np.array([5.0, 4.0, 3.0, 2.0, 1.0 + 1e-12, 1.0, 0.5, 0.25, -1.0, -2.0])
    rows = [base, -base, np.where(base == 5.0, 1e39, base), np.where(base == 5.0, 3e39, base)]
    rows[3][1] = 2e39                     # two finite values beyond float32, both inf there
    signal = np.array(rows)
    valid = np.ones(signal.shape, bool)
    for quantile in (0.1, 0.5, 0.6):
        got = leg_masks(signal, valid, quantile)
        want = reference_legs(signal, valid, quantile)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1]), quantile
    long, short = leg_masks(signal, valid, 0.5)
    assert long[0].tolist() == [True] * 5 + [False] * 5, "1 + 1e-12 is above 1"


def test_leg_masks_match_the_plain_cut_on_near_ties():
    """Random panels with many values a float32 step apart and missing names."""
    rng = np.random.default_rng(3)
    signal = np.round(rng.normal(0, 1, (400, 60)), 2)
    signal += rng.integers(0, 3, signal.shape) * 1e-10          # ties in float32 only
    valid = rng.random(signal.shape) > 0.2
    for quantile in (0.1, 0.2, 1 / 3):
        got = leg_masks(signal, valid, quantile)
        want = reference_legs(signal, valid, quantile)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1]), quantile


def test_names_without_signal_or_return_are_left_out():
    prices = panel()
    prices.loc[DATES[-1], "A"] = np.nan          # no return today: out of the long leg
    prices.loc[DATES[2], "F"] = np.nan           # no signal base 3 days back: F out today
    long, short = momentum_legs(prices, lookback=3, skip=1, quantile=1 / 3)
    assert not long.loc[DATES[-1], "A"] and not short.loc[DATES[-1], "F"]
    out = momentum(prices, lookback=3, skip=1, quantile=1 / 3)
    assert np.isfinite(out.iloc[-1]["long_short"])


def test_a_zero_price_gives_no_infinite_signal():
    """A zero close at the signal's base makes P[t-skip] / P[t-lookback] infinite: that name
    is left out of the day's ranking, as a missing price is, not put at the top."""
    prices = panel()
    prices.loc[DATES[2], "F"] = 0.0
    long, short = momentum_legs(prices, lookback=3, skip=1, quantile=1 / 3)
    assert not long.loc[DATES[-1], "F"] and not short.loc[DATES[-1], "F"]
    out = momentum(prices, lookback=3, skip=1, quantile=1 / 3).iloc[-1]
    assert out["long"] == pytest.approx(147 / 140 - 1)     # k = floor(5 / 3) = 1 name a leg
    assert out["short"] == pytest.approx(80.8 / 80 - 1)
    assert out["neutral"] == pytest.approx(np.mean(prices.iloc[-1, :5] / prices.iloc[-2, :5] - 1))


def test_small_universe_gives_empty_legs():
    out = momentum(panel()[["A", "B"]], lookback=3, skip=1, quantile=0.1)
    assert out["long"].isna().all()


def test_cap_weighting_and_fallback(caplog):
    prices = panel()
    shares = pd.DataFrame(1.0, index=DATES, columns=prices.columns)
    shares["A"] = 3.0
    out = momentum(prices, lookback=3, skip=1, quantile=1 / 3, weighting="cap", shares=shares)
    cap_a, cap_b = 3 * 140, 1 * 120
    expected = (cap_a * (147 / 140 - 1) + cap_b * 0.0) / (cap_a + cap_b)
    assert out.iloc[-1]["long"] == pytest.approx(expected)
    equal = momentum(prices, lookback=3, skip=1, quantile=1 / 3, weighting="cap")
    assert "falling back to equal weights" in caplog.text
    pd.testing.assert_frame_equal(equal, momentum(prices, lookback=3, skip=1, quantile=1 / 3))


def test_rolling_beta_recovers_known_betas():
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2020-01-01", periods=400)
    m = pd.Series(rng.normal(0, 0.01, 400), index=dates)
    r = pd.DataFrame({"lo": 0.5 * m + rng.normal(0, 0.001, 400),
                      "hi": 2.0 * m + rng.normal(0, 0.001, 400)}, index=dates)
    beta = rolling_beta(r, m, window=252)
    assert beta.iloc[-1]["lo"] == pytest.approx(0.5, abs=0.02)
    assert beta.iloc[-1]["hi"] == pytest.approx(2.0, abs=0.02)
    assert beta.iloc[119].isna().all() and beta.iloc[121].notna().all()


def test_high_beta_picks_the_high_beta_names():
    rng = np.random.default_rng(4)
    dates = pd.bdate_range("2020-01-01", periods=300)
    m = rng.normal(0, 0.01, 300)
    betas = np.array([0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 0.6, 1.8, 1.1, 0.9])
    r = m[:, None] * betas + rng.normal(0, 0.002, (300, 10))
    prices = pd.DataFrame(100 * np.cumprod(1 + r, axis=0), index=dates,
                          columns=[f"S{i}" for i in range(10)])
    bench = pd.Series(100 * np.cumprod(1 + m), index=dates)
    out = high_beta(prices, bench, window=252, quantile=0.2)
    last = r[-1]
    assert out.iloc[-1]["long"] == pytest.approx(last[[5, 7]].mean())
    assert out.iloc[-1]["short"] == pytest.approx(last[[0, 6]].mean())


def test_baskets_skip_missing_members_and_pairs():
    prices = panel()
    prices.loc[DATES[-1], "B"] = np.nan
    out = basket_returns(prices, {"AB": ["A", "B", "ZZZ"]})
    assert out.iloc[-1]["AB"] == pytest.approx(147 / 140 - 1)
    pairs = pair_returns(panel(), [Pair("A vs F", ("A",), ("F",))])
    assert pairs.iloc[-1]["A vs F"] == pytest.approx((147 / 140 - 1) - (63 / 60 - 1))


def test_leg_attribution():
    assert leg_attribution(-0.04, 0.01) == pytest.approx(0.8)
    assert leg_attribution(-0.01, 0.04) == pytest.approx(0.2)
    assert leg_attribution(-0.02, -0.01) is None
    assert leg_attribution(float("nan"), 0.01) is None


def test_causality(demo_market, universe):
    prices = demo_market.close[universe.constituents[:80]]
    bench = demo_market.close["SPY"]
    assert_causal(lambda p: momentum(p), prices)
    assert_causal(lambda p, b: high_beta(p, b), prices, bench)
    assert_causal(lambda p: basket_returns(p, {"x": list(p.columns[:5])}), prices)


def test_membership_mask_oracle():
    from types import SimpleNamespace as Stay

    from analytics.factors import membership_mask

    days = pd.bdate_range("2024-01-01", periods=10)
    stays = [Stay(ticker="A", start=days[2].date(), end=days[4].date()),
             Stay(ticker="A", start=days[7].date(), end=None),
             Stay(ticker="B", start=pd.Timestamp("2023-01-01").date(), end=None),
             Stay(ticker="ZZ", start=days[0].date(), end=None)]
    mask = membership_mask(days, pd.Index(["A", "B", "C"]), stays)
    assert mask[:, 0].tolist() == [False, False, True, True, True, False, False, True, True, True]
    assert mask[:, 1].all() and not mask[:, 2].any()


def test_non_members_are_left_out_of_the_legs(universe, demo_market):
    """A name outside the index on a day is not ranked that day, whatever its momentum."""
    from dataclasses import replace
    from types import SimpleNamespace as Stay

    from analytics.engine import compute
    from models.state import engine_params

    params = engine_params(universe, demo_market)
    first = demo_market.close.index[0].date()
    joins = demo_market.close.index[-60].date()
    stays = [Stay(ticker=t, start=first, end=None) for t in params.constituents[1:]]
    stays.append(Stay(ticker=params.constituents[0], start=joins, end=None))
    snap = compute(demo_market, replace(params, membership=tuple(stays)))
    late = params.constituents[0]
    assert any(n.startswith("point-in-time members: ") for n in snap.notes)
    close = demo_market.close.copy()
    close.loc[:pd.Timestamp(joins) - pd.Timedelta(days=1), late] = np.nan
    absent = compute(replace(demo_market, close=close), params)
    before = slice(None, pd.Timestamp(joins) - pd.Timedelta(days=1))
    pd.testing.assert_frame_equal(snap.momentum.factor.loc[before, ["long", "short", "neutral"]],
                                  absent.momentum.factor.loc[before, ["long", "short", "neutral"]])
    pd.testing.assert_series_equal(snap.dispersion.breadth.loc[before],
                                   absent.dispersion.breadth.loc[before])
