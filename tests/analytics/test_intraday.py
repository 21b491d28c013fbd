"""Intraday paths: the basket arithmetic against a direct computation, causality over bars,
and the simulated crash session (its last point is the daily figure so far)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.intraday import BAND_SIGMA, basket_paths, intraday_view
from analytics.session import NEW_YORK


def bars_frame(values: np.ndarray, tickers) -> pd.DataFrame:
    index = pd.date_range("2026-02-04 09:30", periods=len(values), freq="5min", tz=NEW_YORK)
    return pd.DataFrame(values, index=index, columns=tickers)


def test_basket_paths_equal_a_direct_computation():
    rng = np.random.default_rng(3)
    bars = 100 * np.exp(rng.normal(0, 0.01, (78, 40)).cumsum(axis=0))
    bars[5:9, 3] = np.nan                                   # a name without prints for a while
    previous = 100 * np.exp(rng.normal(0, 0.01, 40))
    groups = np.zeros((3, 40), bool)
    groups[0, :10], groups[1, 10:25], groups[2, [3]] = True, True, True
    got = basket_paths(bars, previous, groups)
    for k in range(3):
        members = np.flatnonzero(groups[k])
        for b in range(78):
            moves = [bars[b, j] / previous[j] - 1 for j in members if np.isfinite(bars[b, j])]
            want = np.mean(moves) if moves else np.nan
            assert got[b, k] == pytest.approx(want, abs=1e-15, nan_ok=True)
    assert np.isnan(got[6, 2])


def test_a_series_is_its_long_basket_minus_its_short_and_starts_at_zero():
    bars = bars_frame(np.array([[101.0, 99.0, 50.0], [102.0, 98.0, 51.0]]), ["A", "B", "C"])
    previous = pd.Series({"A": 100.0, "B": 100.0, "C": 50.0})
    view = intraday_view(bars, previous, {"L/S": (("A",), ("B",)), "C": (("C",), ())}, 0.01,
                         None)
    assert view.paths.index[0] == pd.Timestamp("2026-02-04 09:30", tz=NEW_YORK)
    assert view.paths.iloc[0].tolist() == [0.0, 0.0]
    assert view.paths["L/S"].tolist()[1:] == pytest.approx([0.02, 0.04])
    assert view.paths["C"].tolist()[1:] == pytest.approx([0.0, 0.02])
    assert view.paths.index[-1] == pd.Timestamp("2026-02-04 09:40", tz=NEW_YORK), \
        "a bar's value is observed at its end"
    assert view.band.iloc[-1] == pytest.approx(BAND_SIGMA * 0.01 * np.sqrt(10 / 390))
    assert view.members == {"L/S": 2, "C": 1}


def test_causal_over_bars():
    rng = np.random.default_rng(5)
    tickers = [f"T{i}" for i in range(30)]
    bars = bars_frame(100 * np.exp(rng.normal(0, 0.01, (78, 30)).cumsum(axis=0)), tickers)
    previous = pd.Series(100.0, index=tickers)
    baskets = {"L/S": (tuple(tickers[:10]), tuple(tickers[20:])), "All": (tuple(tickers), ())}
    full = intraday_view(bars, previous, baskets, 0.02, None).paths
    for k in (1, 20, 77):
        part = intraday_view(bars.iloc[:k], previous, baskets, 0.02, None).paths
        pd.testing.assert_frame_equal(part, full.iloc[:k + 1])


@pytest.fixture(scope="module")
def session(universe):
    from models.sources.demo import DemoSource
    from models.state import default_compute

    market = DemoSource(seed=7, end="2026-02-06", intraday="13:30").load(universe)
    return market, default_compute(market, universe)


def test_the_simulated_session_path_is_the_daily_figure_so_far(session):
    market, snapshot = session
    view, today = snapshot.intraday, snapshot.momentum.today
    assert snapshot.session == "open" and snapshot.as_of == pd.Timestamp("2026-02-04")
    assert view.as_of_time == pd.Timestamp("2026-02-04 13:30", tz=NEW_YORK)
    assert view.last["Momentum L/S"] == pytest.approx(today.long_short, abs=1e-14)
    assert view.last["Long leg"] == pytest.approx(today.long, abs=1e-14)
    assert view.last["Short leg"] == pytest.approx(today.short, abs=1e-14)
    bench = market.close["SPY"]
    assert view.last["SPY"] == pytest.approx(bench.iloc[-1] / bench.iloc[-2] - 1, abs=1e-14)
    assert view.sigma == pytest.approx(float(snapshot.momentum.vol.iloc[-1]))
    direct = market.intraday[list(snapshot.momentum.held["long"])].div(
        market.close[list(snapshot.momentum.held["long"])].iloc[-2]).sub(1).mean(axis=1)
    assert view.paths["Long leg"].iloc[1:].to_numpy() == pytest.approx(direct.to_numpy(),
                                                                       abs=1e-14)
