"""Leveraged-ETF rebalancing: the worked example of docs/methods.md, accounting checks, implied leverage."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.letf import flow_table, implied_leverage, letf_gamma, rebalance_flow
from tests.analytics.causality import assert_causal

EXAMPLE = pd.DataFrame({"underlying": ["IDX"] * 5, "leverage": [3.0, -3.0, 2.0, -1.0, 1.5],
                        "aum": [20e9, 3e9, 5e9, 2e9, 1e9]}, index=["L3", "S3", "L2", "S1", "L15"])


def test_worked_example_minus_two_percent():
    flows = rebalance_flow(EXAMPLE["aum"], EXAMPLE["leverage"], -0.02)
    assert list(flows / 1e9) == pytest.approx([-2.40, -0.72, -0.20, -0.08, -0.015])
    assert flows.sum() == pytest.approx(-3.415e9)
    assert letf_gamma(EXAMPLE["aum"], EXAMPLE["leverage"]).sum() == pytest.approx(-1.7075e9)


def test_direct_accounting():
    # 3x, A = 100, r = +10%: NAV 130, needs 390, holds 330 -> buys 60
    assert rebalance_flow(100.0, 3.0, 0.10) == pytest.approx(60.0)
    # -1x: NAV 90, needs -90, holds -110 -> buys 20
    assert rebalance_flow(100.0, -1.0, 0.10) == pytest.approx(20.0)
    assert rebalance_flow(100.0, 0.5, 0.10) < 0, "0 < L < 1 trades against the move"
    assert rebalance_flow(np.array([1.0, 2.0]), 2.0, 0.01).tolist() == pytest.approx([0.02, 0.04])


def test_flow_table_totals_and_adv():
    funds, by_underlying = flow_table(EXAMPLE, pd.Series({"IDX": -0.02}),
                                      adv=pd.Series({"IDX": 34.15e9}))
    assert funds["rebalance_usd"].sum() == pytest.approx(-3.415e9)
    row = by_underlying.loc["IDX"]
    assert row["rebalance_usd"] == pytest.approx(-3.415e9)
    assert row["letf_gamma_usd_per_pct"] == pytest.approx(-1.7075e9), \
        "gamma exposure: negative, the funds trade with the move"
    assert row["pct_of_adv"] == pytest.approx(0.10) and row["funds"] == 5


def test_funds_come_largest_first_with_their_share_of_the_gross():
    funds, _ = flow_table(EXAMPLE, pd.Series({"IDX": -0.02}))
    assert list(funds.index) == ["L3", "S3", "L2", "S1", "L15"], "largest |flow| first"
    assert funds["share_of_gross"].sum() == pytest.approx(1.0)
    assert funds.loc["L3", "share_of_gross"] == pytest.approx(2.40 / 3.415)
    mixed, _ = flow_table(EXAMPLE.assign(underlying=["IDX", "IDX", "B", "B", "B"]),
                          pd.Series({"IDX": -0.01, "B": 0.10}))
    size = mixed["rebalance_usd"].abs()
    assert size.is_monotonic_decreasing and list(mixed.index[:2]) == ["L3", "L2"]
    assert (mixed["rebalance_usd"] > 0).any() and (mixed["rebalance_usd"] < 0).any()
    assert mixed["share_of_gross"].sum() == pytest.approx(1.0), "gross: buyers and sellers"


def test_implied_leverage_recovers_multiple_and_flags_change():
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2025-01-01", periods=200)
    u = pd.Series(rng.normal(0, 0.02, 200), index=dates)
    fund = 1.5 * u.where(dates < dates[140], 0.0) + 2.0 * u.where(dates >= dates[140], 0.0)
    slope = implied_leverage(fund, u, window=60)
    assert slope.iloc[120] == pytest.approx(1.5) and slope.iloc[-1] == pytest.approx(2.0)
    assert np.isnan(slope.iloc[58])
    prices = pd.DataFrame({"u": 100 * (1 + u).cumprod(), "f": 100 * (1 + fund).cumprod()})
    assert_causal(lambda p: implied_leverage(p["f"].pct_change(), p["u"].pct_change()), prices)


def test_demo_flows_and_gamma_headline(universe, demo_market):
    from models.state import default_compute

    snap = default_compute(demo_market.until("2026-02-04"), universe)
    flows = snap.flows
    spy = demo_market.close["SPY"]
    r = spy.loc["2026-02-04"] / spy.loc["2026-02-03"] - 1
    upro = demo_market.shares_outstanding["UPRO"].loc["2026-02-03"] * \
        demo_market.close["UPRO"].loc["2026-02-03"]
    assert flows.funds.loc["UPRO", "rebalance_usd"] == pytest.approx(upro * 6 * r)
    assert flows.total_usd < -1e9, "a selloff day: billions of selling into the close"
    assert not flows.funds["leverage_flag"].any()
    headline = snap.headline()
    assert headline["letf"]["rebalance_total_usd"] == pytest.approx(flows.total_usd)
    assert snap.gamma is None, "no option chains before the as-of date of the chains"
    live = default_compute(demo_market, universe).headline()["gamma"]
    for name in ("SPY", "QQQ"):
        g = live[name]
        assert g["dealer_gex_usd_per_pct"] > 0
        assert g["letf_gamma_usd_per_pct"] < 0
        assert g["net_usd_per_pct"] == pytest.approx(g["dealer_gex_usd_per_pct"]
                                                     + g["letf_gamma_usd_per_pct"])
        assert 0.9 * g["spot"] < g["zero_gamma_level"] < g["spot"]


def test_percent_of_adv_is_against_the_underlyings_stocks(universe, demo_market):
    """SOXX's leveraged funds are hedged in semiconductor stocks, so their flow is measured
    against those stocks' dollar volume (the defect: 1,702.9% of SOXX's own ETF volume). An
    underlying without a stock list (IWM, single stocks) keeps its own volume; the radar's
    total counts every name once."""
    from models.state import default_compute

    snap = default_compute(demo_market.until("2026-02-04"), universe)
    flows = snap.flows
    market = demo_market.until("2026-02-04")
    dollars = (market.volume * market.close).iloc[-22:-1]
    stocks = [t for t in universe.underlying_stocks["SOXX"] if t in dollars.columns]
    soxx_adv = dollars[stocks].where(dollars[stocks] > 0).sum(axis=1).mean()
    row = flows.by_underlying.loc["SOXX"]
    assert row["adv_basis"] == f"{len(stocks)} stocks"
    assert row["pct_of_adv"] == pytest.approx(abs(row["rebalance_usd"]) / soxx_adv)
    own = abs(row["rebalance_usd"]) / dollars["SOXX"].mean()
    assert row["pct_of_adv"] < 0.5 < own, "a fraction of the stocks' volume, many times the ETF's"
    assert flows.by_underlying.loc["IWM", "adv_basis"] == "own volume"
    assert flows.by_underlying.loc["NVDA", "adv_basis"] == "own volume"
    behind = list(dict.fromkeys(
        [t for u in flows.by_underlying.index for t in universe.underlying_stocks.get(u, [])
         if t in dollars.columns]
        + [u for u in flows.by_underlying.index if u not in universe.underlying_stocks]))
    assert flows.adv_total == pytest.approx(dollars[behind].where(dollars[behind] > 0)
                                            .sum(axis=1).mean())
    assert flows.adv_total < flows.adv.sum(), "NVDA and friends counted once, not per index"
