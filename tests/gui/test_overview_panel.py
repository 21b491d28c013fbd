"""Market overview panel: what a user sees after a render."""
from __future__ import annotations

import pytest

from gui.panels.overview import MarketOverviewPanel
from models.state import default_compute


@pytest.fixture(scope="module")
def snapshot(universe, demo_market):
    return default_compute(demo_market, universe)


def test_table_and_chart(qtbot, snapshot):
    panel = MarketOverviewPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    assert panel.table.rowCount() == 12
    spy_1d = snapshot.overview.returns.loc["SPY", "1d"]
    assert panel.table.item(0, 2).text() == f"{spy_1d * 100:+.2f}%"
    assert "as of 2026-02-06" in panel.heading.text()
    assert len(panel.chart.series_names()) == 12


def test_window_selector_changes_chart(qtbot, snapshot):
    panel = MarketOverviewPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    button = next(b for b in panel.selector.buttons() if b.text() == "1M")
    button.click()
    assert panel.selector.current == "1M"
    assert len(panel.chart._x) == 22
    assert panel.view_state() == {"window": "1M"}


def test_table_sorts_numerically(qtbot, snapshot):
    panel = MarketOverviewPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    panel.table.sortItems(2)
    values = [float(t.rstrip("%")) for t in panel.table.column_texts(2)]
    assert values == sorted(values)


def test_crosshair_readout_has_date_and_units(qtbot, snapshot):
    panel = MarketOverviewPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    text = panel.chart.readout_text(len(panel.chart._x) - 1)
    assert "2026-02-06" in text and "SPY" in text and "%" in text
    spy = snapshot.overview.returns.loc["SPY", "1d"]
    assert f"(day {100 * spy:+.2f}%)" in text, "the day's own return beside the cumulative"
