"""Leveraged-ETF flows (what-if) and dealer gamma panels."""
from __future__ import annotations

import pytest

from analytics.letf import rebalance_flow
from gui.panels.flows import FlowsPanel
from gui.panels.gamma import GammaPanel
from models.state import default_compute


@pytest.fixture(scope="module")
def last_day(universe, demo_market):
    return default_compute(demo_market, universe)


def test_flows_panel_today(qtbot, crash):
    panel = FlowsPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    billions = abs(crash.flows.total_usd) / 1e9
    assert panel.headline.text().startswith(
        f"Leveraged ETFs: -${billions:.2f}bn of selling into the 2026-02-04 close")
    assert panel.funds.rowCount() == len(crash.flows.funds)
    assert panel.underlyings.item(panel.underlyings.rowCount() - 1, 0).text() == "Total"


def test_what_if_slider_changes_total_as_the_formula_says(qtbot, crash):
    panel = FlowsPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    panel.sliders["SPY"].setValue(-500)          # S&P closes -5%
    assert panel.spins["SPY"].value() == pytest.approx(-5.0)
    funds = crash.flows.funds
    returns = crash.flows.returns.copy()
    returns["SPY"] = -0.05
    returns["QQQ"] = panel.spins["QQQ"].value() / 100
    expected = rebalance_flow(funds["aum"], funds["leverage"], funds["underlying"].map(returns)).sum()
    assert panel.total_usd == pytest.approx(expected)
    assert "what-if" in panel.headline.text() and "SPY -5.00%" in panel.headline.text()
    spy_funds = funds[funds["underlying"] == "SPY"]
    assert panel.by_underlying.loc["SPY", "rebalance_usd"] == pytest.approx(
        (spy_funds["aum"] * spy_funds["leverage"] * (spy_funds["leverage"] - 1) * -0.05).sum())
    panel.reset_what_if()
    assert panel.total_usd == pytest.approx(crash.flows.total_usd)


def test_gamma_panel_summary(qtbot, last_day):
    panel = GammaPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(last_day)
    assert [panel.choice.itemText(i) for i in range(panel.choice.count())] == ["SPY", "QQQ"]
    g = last_day.gamma.underlyings["SPY"]
    assert f"dealer GEX +${g.dealer_gex_usd_per_pct / 1e9:.2f}bn per 1%" in panel.detail.text()
    assert "zero gamma" in panel.detail.text()
    assert f"Spot {g.spot:.2f} from {g.spot_source}; rate" in panel.detail.text()
    assert "dividend yield" in panel.detail.text() and "chain quoted" in panel.detail.text()
    panel.choice.setCurrentText("QQQ")
    assert panel.detail.text().startswith("QQQ")
    assert "gamma" in panel.headline.text()


def test_largest_funds_and_strikes_with_the_most_gamma(qtbot, crash, last_day):
    """Who drove the flow: the funds table comes largest first and the line names the top
    five with their share; the gamma panel lists the strikes with the most dealer gamma."""
    from analytics.gamma import top_strikes

    flows = FlowsPanel()
    qtbot.addWidget(flows)
    flows.show_snapshot(crash)
    funds = crash.flows.funds
    biggest = funds["rebalance_usd"].abs().idxmax()
    assert flows.funds.item(0, 0).text() == biggest
    assert flows.largest.text().startswith(f"Largest funds in today's flow: {biggest} ")
    shares = [float(t.rstrip("%")) for t in flows.funds.column_texts(8)]
    assert sum(shares) == pytest.approx(100, abs=0.05 * len(shares))
    gamma = GammaPanel()
    qtbot.addWidget(gamma)
    gamma.show_snapshot(last_day)
    g = last_day.gamma.underlyings["SPY"]
    top = top_strikes(g.by_strike, g.spot)
    assert gamma.top.rowCount() == 10
    assert [gamma.top.item(r, 0).text() for r in range(3)] == [f"{k:g}" for k in top.index[:3]]
    assert gamma.top.item(0, 4).text() == f"{top['net_gex'].iloc[0] / 1e6:+,.0f}"


def test_gamma_panel_without_chains(qtbot, crash):
    panel = GammaPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    assert "no option chain quoted on 2026-02-04" in panel.headline.text()
