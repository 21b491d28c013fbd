"""Sigma moves, worst-since, drawdown, percentile rank: hand oracles, French data, causality."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.stats import drawdown, percentile_rank, sigma_move, trailing_vol, worst_since
from tests.analytics.causality import assert_causal


def series(values, start="2026-01-05"):
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values)), dtype=float)


def test_sigma_move_hand_computed():
    r = series([0.01, -0.01, 0.02, -0.02, 0.05])
    z = sigma_move(r, window=4)
    assert np.isnan(z.iloc[3])
    assert z.iloc[4] == pytest.approx(0.05 / np.std([0.01, -0.01, 0.02, -0.02], ddof=1))
    rms = sigma_move(r, window=4, method="rms")
    assert rms.iloc[4] == pytest.approx(0.05 / np.sqrt(np.mean(np.square([0.01, 0.01, 0.02, 0.02]))))


def test_sigma_move_short_window_and_flat_series_are_nan():
    assert sigma_move(series([0.01, 0.02]), window=63).isna().all()
    flat = sigma_move(series([0.0] * 10 + [0.01]), window=5)
    assert np.isnan(flat.iloc[-1])


def test_ewma_seeded_like_methods_appendix():
    r = series(np.random.default_rng(1).normal(0, 0.01, 50))
    expected = r / np.sqrt((r ** 2).ewm(alpha=0.06, adjust=False).mean().shift(1))
    pd.testing.assert_series_equal(sigma_move(r, method="ewma"), expected, check_names=False)
    with pytest.raises(ValueError):
        trailing_vol(r, method="garch")


def test_worst_since():
    r = series([-0.05, 0.01, -0.03, 0.02, -0.04, 0.0])
    days = r.index
    assert worst_since(r, days[4]) == days[0]
    assert worst_since(r, days[2]) == days[0]
    assert worst_since(r, days[0]) is None
    assert worst_since(r, days[3], best=True) is None
    assert worst_since(r, days[5], best=True) == days[3]


def test_drawdown_compound_and_arithmetic():
    r = series([0.10, -0.50, 0.20])
    dd = drawdown(r)
    assert dd.iloc[0] == 0.0 and dd.iloc[1] == pytest.approx(-0.5)
    assert dd.iloc[2] == pytest.approx(1.1 * 0.5 * 1.2 / 1.1 - 1)
    assert drawdown(series([-0.1])).iloc[0] == pytest.approx(-0.1), "the start is the first peak"
    arithmetic = drawdown(r, compound=False)
    assert arithmetic.iloc[2] == pytest.approx(-0.3)


def test_percentile_rank_weak_definition():
    x = series([3.0, 1.0, 2.0, 3.0, 0.5])
    pct = percentile_rank(x)
    assert list(pct) == pytest.approx([100, 50, 200 / 3, 100, 20])
    excl = percentile_rank(x, include_current=False)
    assert np.isnan(excl.iloc[0]) and list(excl.iloc[1:]) == pytest.approx([0, 50, 100, 0])
    since = percentile_rank(x, start=x.index[2])
    assert since.index[0] == x.index[2] and since.iloc[0] == 100


def test_causality():
    r = series(np.random.default_rng(2).normal(0, 0.01, 300))
    prices = (1 + r).cumprod()
    for stat in (lambda p: sigma_move(p.pct_change(), 63),
                 lambda p: sigma_move(p.pct_change(), method="ewma"),
                 lambda p: drawdown(p.pct_change()), lambda p: percentile_rank(p, p.index[20])):
        assert_causal(stat, prices)


def test_french_daily_momentum_oracles(realdata):
    mom = pd.read_csv(realdata / "french" / "mom_daily_tidy.csv", parse_dates=["date"],
                      index_col="date")["Mom"] / 100
    day = pd.Timestamp("2020-11-09")
    # The oracle (docs/methods.md, "σ-move") is the 202412 vintage (r -14.34%, z63 -8.50);
    # this file is the 202511 vintage, which CRSP revisions move by a few hundredths.
    assert mom.loc[day] == pytest.approx(-0.1434, abs=0.002)
    assert sigma_move(mom, 63).loc[day] == pytest.approx(-8.50, abs=0.1)
    assert sigma_move(mom, 21).loc[day] == pytest.approx(-8.16, abs=0.1)
    assert sigma_move(mom, method="ewma").loc[day] == pytest.approx(-8.04, abs=0.1)
    assert worst_since(mom, day) == pd.Timestamp("1939-09-05")
    assert worst_since(mom, pd.Timestamp("2022-11-10")) == day
