"""Regional flows and regime signals: oracles (docs/methods.md), planted demo events, causality."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.flows import implied_flows, period_flows
from analytics.regimes import (
    bill_to_bond_equivalent,
    curve_regime,
    fisher_z,
    period_returns,
    rolling_correlation_flip,
    streak_start,
    trailing_since,
)
from tests.analytics.causality import assert_causal

DATES = pd.bdate_range("2026-01-05", periods=6)


def test_etf_flow_oracle():
    so = pd.DataFrame({"X": [100.0e6, 102.5e6]}, index=DATES[:2])
    nav = pd.DataFrame({"X": [39.60, 40.00]}, index=DATES[:2])
    flows = implied_flows(so, nav, lag=0)
    assert flows.iloc[1, 0] == pytest.approx(100.0e6)
    lagged = implied_flows(so, nav)
    assert lagged.iloc[0, 0] == pytest.approx(100.0e6) and np.isnan(lagged.iloc[1, 0])


def test_flows_with_duplicate_and_missing_dates():
    so = pd.DataFrame({"X": [10.0, 11.0, 12.0, 13.0]},
                      index=pd.DatetimeIndex([DATES[0], DATES[1], DATES[1], DATES[4]]))
    prices = pd.DataFrame({"X": [2.0] * 6}, index=DATES)
    flows = implied_flows(so, prices, lag=0)["X"]
    assert flows.iloc[1] == pytest.approx((12 - 10) * 2.0), "duplicate day: the last report wins"
    assert flows.iloc[2] == 0 and flows.iloc[3] == 0, "no report: the count carries"
    assert flows.iloc[4] == pytest.approx(2.0)


def test_reverse_split_is_not_a_flow():
    # 1-for-10 reverse split on day 3; Yahoo closes are split-adjusted, so the price is flat
    so = pd.DataFrame({"X": [100.0, 101.0, 10.1, 10.2]}, index=DATES[:4])
    prices = pd.DataFrame({"X": [100.0, 100.0, 100.0, 100.0]}, index=DATES[:4])
    flows = implied_flows(so, prices, lag=0)["X"]
    assert flows.iloc[1] == pytest.approx(0.1 * 100.0), "1 old share = 0.1 new shares"
    assert flows.iloc[2] == 0.0
    assert flows.iloc[3] == pytest.approx(0.1 * 100.0)


def test_period_flows_sums():
    flows = pd.DataFrame({"X": np.ones(30)}, index=pd.bdate_range("2025-12-15", periods=30))
    table = period_flows(flows)
    assert table.loc["X", "1w"] == 5 and table.loc["X", "1m"] == 21
    assert table.loc["X", "YTD"] == (flows.index.year == 2026).sum()


def test_fisher_z_oracle():
    assert fisher_z(-0.2, 0.5, 60, 60) == pytest.approx(-4.015, abs=1e-3)


def test_irx_conversion_oracle():
    assert bill_to_bond_equivalent(4.00) == pytest.approx(4.097, abs=1e-3)


def test_curve_labels():
    assert curve_regime(-0.05, -0.30) == "bull flattening"
    assert curve_regime(0.20, 0.05) == "bear flattening"
    assert curve_regime(-0.30, -0.05) == "bull steepening"
    assert curve_regime(0.05, 0.20) == "bear steepening"
    assert curve_regime(0.10, -0.10) == "twist"


def test_incomplete_week_is_left_out_of_weekly_returns():
    days = pd.bdate_range("2026-01-05", "2026-02-04")            # ends on a Wednesday
    r = pd.Series(0.001, index=days)
    r.loc["2026-02-02":] = 0.05                                  # incomplete week: ignored
    assert period_returns(r).index[-1] == pd.Timestamp("2026-01-30")
    assert period_returns(r, include_last=True).index[-1] == pd.Timestamp("2026-02-04")


def test_trailing_since_judges_the_trailing_window_it_reports():
    """The judgement is about the same 5 sessions as the 1w column: its return equals
    last / level 5 rows earlier - 1, and only windows that do not overlap it compete."""
    days = pd.bdate_range("2025-11-03", "2026-02-04")
    r = pd.Series(0.001, index=days)
    r.loc["2025-12-08":"2025-12-12"] = -0.02                     # a bad week (-9.6%)
    r.loc["2026-01-28":] = -0.01                                 # today's 5 sessions: -4.9%
    level = (1 + r).cumprod()
    info = trailing_since(level)
    assert info["return"] == pytest.approx(level.iloc[-1] / level.iloc[-6] - 1)
    assert info["return"] < 0
    assert info["worst_since"] == pd.Timestamp("2025-12-16"), \
        "the last window at least as bad ends a few days after the bad week"
    assert trailing_since(level.iloc[:-3])["worst_since"] is not None
    up = trailing_since(1 / level)
    assert up["return"] > 0 and up["best_since"] == info["worst_since"]
    r.loc["2026-01-28":] = -0.05
    assert trailing_since((1 + r).cumprod())["worst_since"] is None, "worst on record"


def test_trailing_since_skips_windows_across_a_break():
    days = pd.bdate_range("2025-06-02", "2026-02-04")
    level = pd.Series(100.0 * 1.0005 ** np.arange(len(days)), index=days)
    level.loc["2025-09-01":] *= 1.3            # a series break: a fake +30% window
    level.iloc[-5:] *= 1.01 ** np.arange(1, 6)    # today's 5 sessions: +5%
    breaks = pd.Series(False, index=days)
    breaks.loc["2025-09-01"] = True
    assert trailing_since(level)["best_since"] is not None
    assert trailing_since(level, broken=breaks)["best_since"] is None, \
        "without the break today's +5% is the best 5 sessions on record"


def test_correlation_flip_with_hysteresis():
    rng = np.random.default_rng(4)
    n = 400
    dates = pd.bdate_range("2024-01-01", periods=n)
    a = rng.normal(0, 0.01, n)
    corr = np.where(np.arange(n) < 340, 0.7, -0.7)
    b = corr * a + np.sqrt(1 - corr ** 2) * rng.normal(0, 0.01, n)
    flip = rolling_correlation_flip(pd.Series(a, dates), pd.Series(b, dates))
    assert flip.state == "flipped" and flip.usual_sign == 1
    assert dates[340] < flip.flip_date < dates[-1]
    assert flip.z < -4, "the last 60 days against the 60 before: a significant break"
    assert not flip.lagged


def test_streak_start():
    flag = pd.Series([True, False, True, True], index=DATES[:4])
    assert streak_start(flag) == DATES[2]
    assert streak_start(pd.Series([True, False], index=DATES[:2])) is None


def test_causality(demo_market):
    prices = demo_market.close[["^N225", "JPY=X"]]
    assert_causal(lambda p: rolling_correlation_flip(p["^N225"].pct_change(),
                                                     p["JPY=X"].pct_change()).correlation, prices)
    so = demo_market.shares_outstanding[["EWY", "SPY"]]
    close = demo_market.close[["EWY", "SPY"]]
    assert_causal(lambda c: implied_flows(so.reindex(c.index).ffill(), c, lag=0), close)


def test_planted_events_recovered(universe, demo_market):
    from models.state import default_compute

    korea_week = default_compute(demo_market.until("2026-01-23"), universe)
    row = korea_week.regions.table.loc["Korea"]
    assert row["week vs history"].startswith("best 5 sessions in USD on record")
    snap = default_compute(demo_market, universe)
    tiles = snap.regimes.tiles
    japan = tiles["Japan equity / currency"]
    assert japan.state == "red" and japan.since >= pd.Timestamp("2025-08-01")
    assert tiles["Metals vs yields"].state in ("red", "amber")
    assert "bull flattening" in tiles["Curve 10y-3m"].value
    assert tiles["Cyclicals + defensives"].state == "amber"
    assert snap.regions.flows_non_us["1y"] > 3 * max(snap.regions.flows_us["1y"], 0)
    headline = snap.headline()
    assert {r["name"] for r in headline["regions"]} >= {"US", "Korea", "Japan"}
    assert set(headline["regimes"]["Japan equity / currency"]) == {"value", "state", "since"}
    curve = tiles["Curve 10y-3m"]
    assert curve.trail().index[-1] == snap.as_of and len(curve.trail()) == 20
    assert curve.change() == pytest.approx(curve.series.iloc[-1] - curve.series.iloc[-2])
    assert curve.change_text().endswith(" bp")


def test_tile_change_is_written_in_the_series_units():
    from analytics.snapshot import Tile

    def tile(values, units):
        series = pd.Series(values, index=pd.bdate_range("2026-02-02", periods=len(values)))
        return Tile("", 0.0, "green", None, "", series, units)

    assert tile([0.31, 0.27], "correlation").change_text() == "-0.04"
    assert tile([-40.0, -43.4], "bp").change_text() == "-3 bp"
    assert tile([0.010, 0.018], "return").change_text() == "+0.8 pp"
    assert tile([0.010, 0.0101], "log return").change_text() == "0.0 pp"
    assert tile([0.5], "bp").change_text() == "n/a"


def test_fx_alignment_is_chosen_on_the_last_year():
    """A vendor changed its FX bar times: lagged alignment for 1,000 days, same-day for the
    last 300. The tile must use today's alignment, not the full sample's."""
    rng = np.random.default_rng(4)
    days = pd.bdate_range("2020-01-01", periods=1300)
    fx = pd.Series(rng.normal(0, 0.005, 1300), index=days)
    noise = rng.normal(0, 0.004, 1300)
    equity = pd.Series(np.r_[0.8 * fx.shift(1).fillna(0).to_numpy()[:1000],
                             0.8 * fx.to_numpy()[1000:]] + noise, index=days)
    assert not rolling_correlation_flip(equity, fx).lagged
    assert rolling_correlation_flip(equity.iloc[:1000], fx.iloc[:1000]).lagged
    assert rolling_correlation_flip(equity, fx).current > 0.5
