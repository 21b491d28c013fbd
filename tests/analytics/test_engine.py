"""analytics.engine.compute on the simulated market."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.engine import EngineParams, compute


def test_compute_overview(universe, demo_market):
    params = EngineParams(benchmark="SPY", benchmark_name="S&P 500",
                          sector_etfs=dict(universe.cross_asset.sectors))
    snap = compute(demo_market, params)
    assert snap.simulated and snap.source == "demo" and str(snap.as_of.date()) == "2026-02-06"
    table = snap.overview.returns
    assert list(table.index[:2]) == ["SPY", "XLK"] and len(table) == 12
    assert list(table.columns) == ["name", "1d", "1w", "1m", "YTD"]
    spy = demo_market.close["SPY"]
    assert table.loc["SPY", "1w"] == spy.iloc[-1] / spy.iloc[-6] - 1
    assert set(snap.overview.cumulative) == {"1M", "3M", "YTD", "1Y", "All"}
    assert len(snap.overview.cumulative["1M"]) == 22
    headline = json.loads(json.dumps(snap.headline()))
    assert headline["source"] == "demo" and headline["simulated"] is True
    assert headline["as_of"] == "2026-02-06"


def test_missing_tickers_are_noted(demo_market):
    snap = compute(demo_market, EngineParams(benchmark="SPY", sector_etfs={"NOPE1": "Energy"}))
    assert snap.notes == ("no data for NOPE1",)
    assert list(snap.overview.returns.index) == ["SPY"]


@pytest.fixture(scope="module")
def crash_snapshot(universe, demo_market):
    from models.state import default_compute

    return default_compute(demo_market.until("2026-02-04"), universe)


def test_planted_crash_is_found(crash_snapshot):
    today = crash_snapshot.momentum.today
    assert crash_snapshot.as_of == pd.Timestamp("2026-02-04")
    assert today.sigma <= -5
    assert today.worst_since is None and today.on_record
    assert today.long < -0.03 and today.short > 0.03
    assert "momentum unwind" in crash_snapshot.momentum.reading
    disp = crash_snapshot.dispersion
    assert disp.today.breadth >= 0.7 and disp.today.benchmark < 0
    crash_week = disp.ratio.loc["2026-01-28":"2026-02-04"]
    assert disp.ratio.max() == crash_week.max() and disp.ratio.idxmax() >= pd.Timestamp("2026-02-02")
    assert disp.today.ratio_pct >= 99


def test_sigma_bands_come_from_the_vol_known_the_day_before(crash_snapshot):
    """The chart's ±2σ bands: vol is the trailing 63-day std up to the previous close, and
    σ = L/S / vol exactly (sigma_move)."""
    from analytics.stats import sigma_move

    mom = crash_snapshot.momentum
    ls = mom.factor["long_short"]
    pd.testing.assert_series_equal(mom.sigma, sigma_move(ls, 63), check_names=False)
    day = pd.Timestamp("2026-02-04")
    before = ls.loc[:day].iloc[-64:-1]
    assert mom.vol.loc[day] == pytest.approx(before.std(), rel=1e-9)
    assert mom.today.long_short < -6 * mom.vol.loc[day], "a -6σ day is outside the bands"


def test_crash_headline_keys(crash_snapshot):
    headline = json.loads(json.dumps(crash_snapshot.headline()))
    assert set(headline["momentum"]) >= {"long_short_1d", "long_1d", "short_1d", "sigma",
                                         "worst_since"}
    assert headline["momentum"]["worst_since"] is None
    assert headline["dispersion"]["ratio"] > 6 and headline["dispersion"]["percentile"] >= 99
    assert headline["breadth"]["fraction_beating_benchmark"] >= 0.7
    assert 0 <= headline["crowding"]["momentum"] <= 100
    assert set(headline["crowding"]["themes"]) >= {"AI beneficiaries", "Software"}


def test_themes_table_on_the_crash(crash_snapshot):
    table = crash_snapshot.baskets.table
    assert {"1d", "1w", "1m", "YTD", "sigma", "worst_since", "crowding", "kind"} <= set(table)
    assert table.loc["AI beneficiaries", "1d"] < -0.05
    assert table.loc["AI beneficiaries", "worst_since"].startswith("worst")
    assert (table["kind"] == "pair").sum() == 5


def test_describe_legs():
    from analytics.momentum import describe_legs

    degross = describe_legs(-0.05, 0.005, -6)
    assert degross.words.startswith("momentum unwind: long-side de-grossing")
    assert (degross.direction, degross.driver) == ("unwind", "long")
    squeeze = describe_legs(-0.005, 0.05, -6)
    assert squeeze.words.startswith("momentum unwind: short covering")
    assert (squeeze.direction, squeeze.driver) == ("unwind", "short")
    both = describe_legs(-0.04, 0.04, -6)
    assert "both legs" in both.words and both.driver == "both"
    calm = describe_legs(-0.04, 0.04, -1)
    assert calm.words == "no unusual momentum move today" and calm.direction == "none"
    assert describe_legs(-0.02, -0.01, -6).driver == "same_way"


def test_legs_are_read_against_the_equal_weighted_constituents(universe, demo_market):
    """The reading uses each leg minus the equal-weighted mean of the ranked names; a
    cap-weighted benchmark that moved differently only changes the second (SPY) line.
    Oracle: the 2026-02-04 shape, long -3.50%, short +2.64%, constituents +0.20% and SPY
    -0.48%: vs the constituents the long leg is 3.70 / 6.14 = 60% of the move (de-grossing);
    vs SPY it is 3.02 / 6.14 = 49%."""
    from analytics.factors import leg_attribution
    from analytics.momentum import describe_legs

    legs = describe_legs(-0.0350 - 0.0020, 0.0264 - 0.0020, -4.0)
    assert legs.long_share == pytest.approx(0.0370 / 0.0614) and legs.driver == "long"
    assert "long-side de-grossing" in legs.words and "equal-weighted constituents" in legs.words
    assert leg_attribution(-0.0350 + 0.0048, 0.0264 + 0.0048) == pytest.approx(0.0302 / 0.0614)
    snap = compute(demo_market, __import__("models.state", fromlist=["engine_params"])
                   .engine_params(universe, demo_market))
    f = snap.momentum.factor
    assert (f["long_excess"] - (f["long"] - f["neutral"])).abs().max() == 0
    spy = demo_market.close["SPY"].pct_change(fill_method=None)
    assert (f["long_vs_benchmark"] - (f["long"] - spy)).abs().max() < 1e-15
    headline = snap.headline()["momentum"]
    assert headline["legs_measured_against"] == "the equal-weighted constituents"
    assert {"neutral_1d", "long_share", "long_share_vs_benchmark"} <= set(headline)


def test_bad_prints_are_excluded_and_today_is_provisional(universe, demo_market):
    from dataclasses import replace

    from models.state import engine_params

    close = demo_market.close.copy()
    name = universe.constituents[5]
    close.iloc[-30, close.columns.get_loc(name)] *= 27.0      # a one-day print, undone
    close.iloc[-1, close.columns.get_loc(name)] *= 3.0        # today: cannot be judged yet
    market = replace(demo_market, close=close)
    snap = compute(market, engine_params(universe, market))
    day = close.index[-30]
    assert any(f"{name} {day:%Y-%m-%d}" in n and "bad print" in n for n in snap.notes)
    assert snap.momentum.today.provisional == ((name, pytest.approx(2.0, rel=0.2)),)
    assert any("provisional" in n for n in snap.notes)
    clean = compute(demo_market, engine_params(universe, demo_market)).momentum.factor
    ls = snap.momentum.factor["long_short"]
    assert abs(ls.loc[day] - clean["long_short"].loc[day]) < 0.01, "the print is not a move"


def test_leg_contributors_sum_to_each_leg(crash_snapshot):
    """Contributors: every member of each leg on the day once, weights 1/n, contributions
    summing to the leg's return within 1e-12; sector sums answer 'broad or one sector?'."""
    mom = crash_snapshot.momentum
    table, today = mom.contributors, mom.today
    for leg, total in (("long", today.long), ("short", today.short)):
        rows = table[table["leg"] == leg]
        assert len(rows) > 10 and rows.index.is_unique
        assert abs(rows["contribution"].sum() - total) <= 1e-12
        assert np.allclose(rows["weight"], 1 / len(rows))
        assert rows["contribution"].abs().is_monotonic_decreasing
        assert rows["sector"].ne("n/a").all()
    ranks = table["momentum_rank"]
    assert ranks[table["leg"] == "long"].max() < ranks[table["leg"] == "short"].min(), \
        "the long leg holds the strongest 12-1 names"
    by_sector = table.groupby(["leg", "sector"])["contribution"].sum()
    assert abs(by_sector["long"].sum() - today.long) <= 1e-12
