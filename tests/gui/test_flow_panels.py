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


def test_gamma_panel_without_chains(qtbot, crash):
    panel = GammaPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    assert "no option chain quoted on 2026-02-04" in panel.headline.text()
