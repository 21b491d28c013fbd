"""Event study on synthetic series with known events; French-format parsing; real oracle."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.events import decluster, event_study, forward_returns
from models.sources.files import FileDataError
from models.sources.french import read_french_daily


def synthetic():
    """Quiet +-0.5% alternating returns with two crashes followed by known paths."""
    dates = pd.bdate_range("2020-01-01", periods=400)
    r = pd.Series(np.where(np.arange(400) % 2 == 0, 0.005, -0.005), index=dates)
    r.iloc[100] = -0.10           # event 1: then +1% a day for 5 days
    r.iloc[101:106] = 0.01
    r.iloc[103] = -0.09           # within the cluster: not a new event
    r.iloc[300] = -0.10           # event 2: then -1% a day for 5 days
    r.iloc[301:306] = -0.01
    return r


def test_events_and_forward_returns():
    r = synthetic()
    study = event_study(r, threshold=-5, window=63, horizons=(1, 5, 21))
    assert list(study.events.index) == [r.index[100], r.index[300]]
    assert study.events["return"].tolist() == [-0.10, -0.10]
    fwd5 = forward_returns(r, 5)
    expected_1 = (1.01 ** 2) * 0.91 * (1.01 ** 2) - 1
    assert fwd5.iloc[100] == pytest.approx(expected_1)
    assert fwd5.iloc[300] == pytest.approx(0.99 ** 5 - 1)
    row = study.table.loc[5]
    assert row["count"] == 2 and row["mean"] == pytest.approx((expected_1 + 0.99 ** 5 - 1) / 2)
    assert row["hit_rate"] == 0.0, "both 5-day paths end below zero"
    assert study.table.loc[1, "mean"] == pytest.approx(0.0)
    assert study.path.loc[1, "mean"] == pytest.approx(0.0)
    assert study.path.loc[5, "mean"] == pytest.approx(row["mean"])
    others = fwd5.drop(r.index[[100, 103, 300]]).dropna()
    assert row["non_event_mean"] == pytest.approx(others.mean())
    assert row["non_event_count"] == len(others)


def test_welch_t_and_bootstrap_p_oracles():
    from analytics.events import bootstrap_p, welch_t

    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    # means 2.5 and 0.5; variances 5/3 and 0.3: t = 2 / sqrt(5/12 + 0.05)
    assert welch_t(a, b) == pytest.approx(2.0 / np.sqrt(5 / 12 + 0.05))
    rng = np.random.default_rng(5)
    base = rng.normal(0.0, 1.0, 5000)
    typical = base[:40] - base[:40].mean() + base.mean()
    assert bootstrap_p(typical, base) > 0.95, "a sample with the other days' mean is no event"
    assert bootstrap_p(typical - 0.5, base) < 0.005, "half a sigma lower over 40 draws is"
    assert bootstrap_p(base[:40], base) == bootstrap_p(base[:40], base), "fixed seed"


def test_events_split_by_market_state():
    """Daniel & Moskowitz: momentum crashes rebound in bear markets. The market halves over the
    first 600 days and then doubles: the day-700 event is a bear event only if the market is
    below its level 504 days before."""
    from analytics.events import market_state

    dates = pd.bdate_range("2010-01-01", periods=1400)
    market = pd.Series(np.r_[np.linspace(100, 50, 600), np.linspace(50, 200, 800)], dates)
    state = market_state(market)
    assert state.iloc[:505].eq("n/a").all() and state.iloc[505] == "bear"
    assert state.iloc[-1] == "bull"
    r = pd.Series(np.where(np.arange(1400) % 2 == 0, 0.005, -0.005), index=dates)
    r.iloc[700], r.iloc[1300] = -0.1, -0.1
    study = event_study(r, threshold=-5, market=market)
    assert study.events["state"].tolist() == ["bear", "bull"]
    assert study.by_state.loc[("bear", 21), "count"] == 1
    assert study.by_state.loc[("bull", 21), "count"] == 1
    assert study.by_state.loc[("bear", 21), "mean"] == pytest.approx(
        forward_returns(r, 21).iloc[700])


def test_clustering():
    dates = pd.bdate_range("2020-01-01", periods=10)
    assert decluster(dates, np.array([1, 2, 5, 9]), gap=3) == [1, 5, 9]
    r = synthetic()
    tight = event_study(r, threshold=-5, window=63, horizons=(1, 2))
    assert len(tight.events) == 3, "with a 2-day cluster window the day-103 drop counts"


def test_french_csv_layout(tmp_path):
    text = ("This file was created by CMPT_ME_PRIOR_RETS_DAILY using the 202412 CRSP database.\n"
            "\n,Mom   \n19261103,   0.54\n19261104,  -0.51\n20201109, -14.34\n\n"
            " Annual Factors: January-December \n,Mom\n 1927,  12.34\n")
    path = tmp_path / "F-F_Momentum_Factor_daily.CSV"
    path.write_text(text, encoding="latin-1")
    mom = read_french_daily(path)
    assert mom.name == "Mom" and len(mom) == 3
    assert mom.loc["2020-11-09"] == pytest.approx(-0.1434)
    bad = tmp_path / "bad.CSV"
    bad.write_text("no rows here\n", encoding="latin-1")
    with pytest.raises(FileDataError, match="bad.CSV: no daily rows"):
        read_french_daily(bad)


def test_methods_oracle_on_french_daily(realdata):
    mom = read_french_daily(realdata / "french" / "original" / "F-F_Momentum_Factor_daily.CSV")
    sample = mom.loc["1990":"2024-06-30"]
    study = event_study(sample, -4.0, 63, (1, 5, 21, 63, 126), cluster_days=21)
    assert study.table.loc[21, "count"] == 22
    assert study.table.loc[21, "mean"] == pytest.approx(-0.0238, abs=0.0005)
    assert len(event_study(sample, -3.0, 63, (1, 5, 21, 63, 126), cluster_days=21).events) == 51
