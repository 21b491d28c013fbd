"""analytics.engine.compute on the simulated market."""
from __future__ import annotations

import json

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
