"""Black-Scholes gamma and GEX profile against METHODS section 14 oracles."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.gamma import bs_gamma, gex_profile

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
