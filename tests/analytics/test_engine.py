"""analytics.engine.compute on the simulated market."""
from __future__ import annotations

import json

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
    assert today["sigma"] <= -5
    assert today["worst_since"] is None and today["on_record"]
    assert today["long"] < -0.03 and today["short"] > 0.03
    assert "momentum unwind" in crash_snapshot.momentum.reading
    disp = crash_snapshot.dispersion
    assert disp.today["breadth"] >= 0.7 and disp.today["benchmark"] < 0
    crash_week = disp.ratio.loc["2026-01-28":"2026-02-04"]
    assert disp.ratio.max() == crash_week.max() and disp.ratio.idxmax() >= pd.Timestamp("2026-02-02")
    assert disp.today["ratio_pct"] >= 99


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
    from analytics.engine import describe_legs

    assert describe_legs(-0.05, 0.005, -6)[0].startswith("momentum unwind: long-side de-grossing")
    assert describe_legs(-0.005, 0.05, -6)[0].startswith("momentum unwind: short covering")
    assert "both legs" in describe_legs(-0.04, 0.04, -6)[0]
    assert describe_legs(-0.04, 0.04, -1)[0] == "no unusual momentum move today"
