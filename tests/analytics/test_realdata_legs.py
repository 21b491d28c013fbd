"""The momentum legs on the real S&P 500 member history (skipped without ../shared/realdata):
the float32 cut-offs give exactly the legs of a plain float64 sort on every day since 1976."""
from __future__ import annotations

import numpy as np
import pytest

from analytics.factors import momentum_legs
from models.sources.files import FileSource


@pytest.fixture(scope="module")
def members(universe):
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    market = FileSource(REALDATA / "yf_adjclose_2026" / "sp500_members_adjclose_wide.csv.gz",
                        constituents="file").load(universe)
    return market.close[list(market.constituents)]


def plain_legs(prices, lookback=252, skip=21, quantile=0.1):
    """The legs with one float64 sort of each day's ranked signals."""
    p = prices.to_numpy(dtype=float)
    signal = np.full(p.shape, np.nan)
    signal[lookback:] = p[lookback - skip:len(p) - skip] / p[:len(p) - lookback] - 1.0
    returns = np.full(p.shape, np.nan)
    returns[1:] = p[1:] / p[:-1] - 1.0
    ranked = np.where(np.isfinite(signal) & np.isfinite(returns), signal, np.nan)
    n = np.isfinite(ranked).sum(axis=1)
    k = np.floor(n * quantile + 1e-9).astype(int)
    ordered = np.sort(ranked, axis=1)
    last = p.shape[1] - 1
    top = np.take_along_axis(ordered, np.minimum(n - k, last)[:, None], axis=1)
    bottom = np.take_along_axis(ordered, np.maximum(k - 1, 0)[:, None], axis=1)
    with np.errstate(invalid="ignore"):
        return (ranked >= top) & (k > 0)[:, None], (ranked <= bottom) & (k > 0)[:, None]


def test_real_legs_equal_a_plain_float64_cut(members):
    long, short = momentum_legs(members)
    want_long, want_short = plain_legs(members)
    assert len(members) > 12_000 and long.to_numpy().sum() > 500_000
    assert np.array_equal(long.to_numpy(), want_long)
    assert np.array_equal(short.to_numpy(), want_short)
