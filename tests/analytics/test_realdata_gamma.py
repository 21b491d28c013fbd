"""Dealer GEX on a real SPY chain (yfinance, 2026-05-01), compared in sign with SqueezeMetrics'
published GEX for that day. Skipped without ../shared/realdata."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.gamma import clean_chain, gex_by_strike, zero_gamma_level


@pytest.fixture(scope="module")
def real_chain():
    from tests.conftest import REALDATA

    path = REALDATA / "options" / "spy_chain_2026-05-01_yfinance_enriched.csv.gz"
    if not path.exists():
        pytest.skip("../shared/realdata is not present")
    raw = pd.read_csv(path)
    chain = pd.DataFrame({"expiry": pd.to_datetime(raw["expiry"]), "strike": raw["strike"],
                          "kind": np.where(raw["option_type"] == "call", "C", "P"),
                          "open_interest": raw["openInterest"],
                          "implied_vol": raw["impliedVolatility"]})
    near = chain[chain["expiry"] <= pd.Timestamp("2026-05-01") + pd.Timedelta(days=90)]
    return near, float(raw["S"].iloc[0]), float(raw["r"].iloc[0]), float(raw["q"].iloc[0]), \
        REALDATA


def test_real_spy_gex_is_sensible(real_chain):
    chain, spot, rate, div, realdata = real_chain
    as_of = pd.Timestamp("2026-05-01")
    clean, dropped = clean_chain(chain, as_of)
    assert len(clean) > 1000 and sum(dropped.values()) > 0
    dealer = gex_by_strike(clean, spot, as_of, rate, div)["net_gex"].sum()
    published = pd.read_csv(realdata / "options" / "squeezemetrics_DIX_GEX_2011_2026.csv",
                            parse_dates=["date"], index_col="date")["gex"]
    assert np.sign(dealer) == np.sign(published.loc["2026-05-01"])
    assert 1e8 < abs(dealer) < 5e10, "SPY alone: hundreds of millions to tens of billions per 1%"
    zero = zero_gamma_level(clean, spot, as_of, rate, div)
    assert zero is None or 0.8 * spot <= zero <= 1.2 * spot
