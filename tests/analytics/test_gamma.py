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
