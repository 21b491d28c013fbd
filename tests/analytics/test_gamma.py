"""Black-Scholes gamma and GEX profile against the oracles in docs/methods.md, "Dealer gamma"."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.gamma import bs_gamma, default_grid, gex_profile, net_gex, zero_crossing

AS_OF = pd.Timestamp("2026-01-02")


def test_hull_gamma():
    assert bs_gamma(49, 50, 20 / 52, 0.20, rate=0.05) == pytest.approx(0.0655, abs=1e-4)


def test_atm_one_year_gamma():
    assert bs_gamma(100, 100, 1.0, 0.20, rate=0.05) == pytest.approx(0.018762, abs=1e-6)


def test_gamma_broadcasts():
    out = bs_gamma(np.array([[90.0], [100.0]]), np.array([95.0, 100.0, 105.0]), 0.5, 0.2)
    assert out.shape == (2, 3)
    assert out[1, 1] == pytest.approx(float(bs_gamma(100, 100, 0.5, 0.2)))


def test_gex_per_contract_oracle():
    chain = pd.DataFrame({"expiry": [AS_OF + pd.Timedelta(days=30)], "strike": [500.0],
                          "kind": ["C"], "open_interest": [1.0], "implied_vol": [0.15]})
    profile = gex_profile(chain, 500.0, AS_OF, grid=[500.0], rate=0.05)
    assert profile.iloc[0] == pytest.approx(4606.8, abs=0.1)


def test_toy_chain_gex_at_spot():
    chain = pd.DataFrame({"expiry": [AS_OF + pd.Timedelta(days=30)] * 2, "strike": [105.0, 95.0],
                          "kind": ["C", "P"], "open_interest": [1000.0, 1000.0],
                          "implied_vol": [0.2, 0.2]})
    assert gex_profile(chain, 100.0, AS_OF, grid=[100.0]).iloc[0] == pytest.approx(41864, abs=1)


def test_expired_contracts_are_ignored():
    chain = pd.DataFrame({"expiry": [AS_OF - pd.Timedelta(days=1)], "strike": [100.0],
                          "kind": ["C"], "open_interest": [1000.0], "implied_vol": [0.2]})
    assert gex_profile(chain, 100.0, AS_OF, grid=[100.0]).iloc[0] == 0.0


from analytics.gamma import clean_chain, gex_by_strike, zero_gamma_level  # noqa: E402

E30 = AS_OF + pd.Timedelta(days=30)


def chain(rows):
    return pd.DataFrame(rows, columns=["expiry", "strike", "kind", "open_interest", "implied_vol"])


def test_zero_gamma_toy_one():
    toy = chain([(E30, 105.0, "C", 1000.0, 0.2), (E30, 95.0, "P", 1000.0, 0.2)])
    assert zero_gamma_level(toy, 100.0, AS_OF) == pytest.approx(99.711, abs=0.001)


def test_zero_gamma_toy_two():
    toy = chain([(E30, 100.0, "C", 2000.0, 0.2), (E30, 110.0, "C", 1000.0, 0.2),
                 (E30, 100.0, "P", 1500.0, 0.2), (E30, 90.0, "P", 3000.0, 0.2)])
    assert gex_profile(toy, 100.0, AS_OF, grid=[100.0]).iloc[0] == pytest.approx(165097, abs=1)
    assert zero_gamma_level(toy, 100.0, AS_OF) == pytest.approx(99.101, abs=0.001)


def test_no_flip_returns_none():
    calls_only = chain([(E30, 100.0, "C", 1000.0, 0.2)])
    assert zero_gamma_level(calls_only, 100.0, AS_OF) is None


def test_gex_by_strike_signs_and_convention():
    toy = chain([(E30, 105.0, "C", 1000.0, 0.2), (E30, 95.0, "P", 1000.0, 0.2),
                 (E30, 105.0, "P", 10.0, 0.2)])
    table = gex_by_strike(toy, 100.0, AS_OF)
    assert table.loc[105.0, "call_gex"] > 0 and table.loc[95.0, "put_gex"] < 0
    assert table.loc[105.0, "net_gex"] == pytest.approx(table.loc[105.0, "call_gex"]
                                                        + table.loc[105.0, "put_gex"])
    assert table["net_gex"].sum() == pytest.approx(gex_profile(toy, 100.0, AS_OF, [100.0]).iloc[0])
    customers_long = gex_by_strike(toy, 100.0, AS_OF, dealer_call_sign=-1, dealer_put_sign=-1)
    assert (customers_long["net_gex"] < 0).all()


def test_dirty_chain_is_cleaned_with_counts():
    dirty = chain([(E30, 100.0, "C", 0.0, 0.2), (E30, 100.0, "P", np.nan, 0.2),
                   (E30, 90.0, "P", 10.0, 1e-5), (E30, 110.0, "C", 10.0, 12.0),
                   (AS_OF, 100.0, "C", 50.0, 0.2), (AS_OF - pd.Timedelta(days=3), 100.0, "P", 5.0, 0.3),
                   (E30, 105.0, "C", 25.0, 0.25)])
    clean, dropped = clean_chain(dirty, AS_OF)
    assert len(clean) == 1 and clean.iloc[0]["strike"] == 105.0
    assert dropped == {"expired": 2, "no_open_interest": 2, "implied_vol_out_of_range": 2}


def test_profile_is_fast_enough_shape():
    rng = np.random.default_rng(1)
    n = 5000
    big = chain([(AS_OF + pd.Timedelta(days=int(d)), float(k), "C" if c else "P", float(o), v)
                 for d, k, c, o, v in zip(rng.integers(1, 90, n), rng.integers(400, 600, n),
                                          rng.integers(0, 2, n), rng.integers(1, 5000, n),
                                          rng.uniform(0.1, 0.5, n))])
    profile = gex_profile(big, 500.0, AS_OF, grid=np.linspace(400, 600, 401))
    assert profile.shape == (401,) and np.isfinite(profile).all()


def test_continuous_rate_oracle():
    from analytics.gamma import continuous_rate

    # 4% bond-equivalent over 91 days: ln(1 + 0.04 x 91/365) x 365/91 = 3.9801%
    assert continuous_rate(0.04) == pytest.approx(0.039801, abs=1e-6)
    assert continuous_rate(0.0) == 0.0


def _bs_price(spot, strike, t, vol, rate, div, call):
    from math import erf, exp, log, sqrt

    d1 = (log(spot / strike) + (rate - div + vol * vol / 2) * t) / (vol * sqrt(t))
    d2 = d1 - vol * sqrt(t)
    n = lambda x: 0.5 * (1 + erf(x / sqrt(2)))  # noqa: E731
    if call:
        return spot * exp(-div * t) * n(d1) - strike * exp(-rate * t) * n(d2)
    return strike * exp(-rate * t) * n(-d2) - spot * exp(-div * t) * n(-d1)


def test_parity_spot_recovers_the_underlying():
    """Quotes priced off spot 201.72 (the 2015-01-05 SPY chain has no spot column): parity on
    the nearest live expiry gives it back; an expired expiry's stale quotes are ignored."""
    from analytics.gamma import parity_spot

    rows = []
    for days in (4, 32):
        for strike in np.arange(190.0, 215.0, 1.0):
            for call in (True, False):
                price = _bs_price(201.72, strike, days / 365, 0.15, 0.0002, 0.019, call)
                rows.append({"expiry": AS_OF + pd.Timedelta(days=days), "strike": strike,
                             "kind": "C" if call else "P", "bid": price - 0.02,
                             "ask": price + 0.02})
    stale = [{"expiry": AS_OF - pd.Timedelta(days=3), "strike": k, "kind": c, "bid": b,
              "ask": b + 0.1} for k in (200.0, 205.0, 210.0) for c, b in (("C", 9.0), ("P", 1.0))]
    chain = pd.DataFrame(rows + stale)
    # within the 4 days' dividend carry parity leaves out (1.9% x 4/365 x 201.72 = 0.04)
    assert parity_spot(chain, AS_OF) == pytest.approx(201.72, abs=0.05)
    assert parity_spot(chain.drop(columns=["bid", "ask"]), AS_OF) is None


def test_flip_uncertainty_near_and_far_from_the_flip():
    from analytics.gamma import flip_uncertainty

    chain = pd.DataFrame({"expiry": [AS_OF + pd.Timedelta(days=30)] * 2, "strike": [110.0, 90.0],
                          "kind": ["C", "P"], "open_interest": [1000.0, 1000.0],
                          "implied_vol": [0.2, 0.2]})
    zero = zero_gamma_level(chain, 100.0, AS_OF)
    far = flip_uncertainty(chain, 80.0, AS_OF, 0.04, 0.01, zero_gamma_level(chain, 80.0, AS_OF))
    assert far is None, "deep in put territory: short gamma whatever the carry"
    near = flip_uncertainty(chain, zero * 1.002, AS_OF, 0.04, 0.01, zero)
    assert near is not None and near.startswith(f"zero gamma {zero:.2f} is -0.20% from spot")


def test_top_strikes_are_the_largest_net_gamma_with_their_share():
    from analytics.gamma import top_strikes

    by_strike = pd.DataFrame({"call_gex": [1e8, 5e8, 2e8, 0.0], "put_gex": [-4e8, -1e8, 0.0, -3e8]},
                             index=pd.Index([90.0, 100.0, 110.0, 120.0], name="strike"))
    by_strike["net_gex"] = by_strike["call_gex"] + by_strike["put_gex"]
    top = top_strikes(by_strike, spot=100.0, count=3)
    assert list(top.index) == [100.0, 90.0, 120.0], "by |net|: +4e8, -3e8, -3e8 (stable)"
    assert list(top["from_spot"]) == pytest.approx([0.0, -0.1, 0.2])
    assert top["share"].tolist() == pytest.approx([4 / 12, 3 / 12, 3 / 12])
    assert top_strikes(by_strike, 100.0, 10)["share"].sum() == pytest.approx(1.0)


def test_net_gex_and_zero_crossing_agree_with_the_tables():
    toy = chain([(E30, 105.0, "C", 1000.0, 0.2), (E30, 95.0, "P", 1000.0, 0.2),
                 (E30, 105.0, "P", 10.0, 0.2), (E30 - pd.Timedelta(days=40), 90.0, "C", 5.0, 0.2)])
    for rate, div in ((0.0, 0.0), (0.04, 0.012)):
        assert net_gex(toy, 100.0, AS_OF, rate, div) == pytest.approx(
            gex_by_strike(toy, 100.0, AS_OF, rate, div)["net_gex"].sum(), rel=1e-12)
    profile = gex_profile(toy, 100.0, AS_OF, default_grid(100.0))
    assert zero_crossing(profile, 100.0) == zero_gamma_level(toy, 100.0, AS_OF)
