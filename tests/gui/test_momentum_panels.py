"""Momentum, themes, dispersion and crowding panels on the simulated crash day."""
from __future__ import annotations

import pytest

from gui.panels.crowding import CrowdingPanel
from gui.panels.dispersion import DispersionPanel
from gui.panels.momentum import MomentumPanel
from gui.panels.themes import ThemesPanel
from models.state import default_compute


@pytest.fixture(scope="module")
def crash(universe, demo_market):
    return default_compute(demo_market.until("2026-02-04"), universe)


def make(qtbot, cls, snapshot):
    panel = cls()
    qtbot.addWidget(panel)
    panel.render(snapshot)
    return panel


def test_momentum_panel_words(qtbot, crash):
    panel = make(qtbot, MomentumPanel, crash)
    t = crash.momentum.today
    text = panel.headline.text()
    assert "Momentum L/S 2026-02-04" in text
    assert f"{100 * t['long_short']:+.2f}%" in text and f"{t['sigma']:+.1f}σ" in text
    assert "worst day on record (history since" in text
    assert panel.reading.text().startswith("Momentum unwind")
    legs = panel.legs.text()
    assert "vs equal-weighted constituents" in legs and "Against SPY" in legs
    assert "of the move vs the equal-weighted constituents" in panel.reading.text()
    assert "Worst day of the last 10 sessions" in panel.recent.text()
    assert set(panel.chart.series_names()) == {"Momentum L/S", "Long leg − equal-weighted",
                                               "Short leg − equal-weighted", "High beta L/S"}


def test_momentum_panel_window_selector(qtbot, crash):
    panel = make(qtbot, MomentumPanel, crash)
    panel.selector.set_window("1M")
    assert len(panel.chart._x) == 22 and len(panel.drawdown._x) == 22


def test_themes_table_and_selection(qtbot, crash):
    panel = make(qtbot, ThemesPanel, crash)
    assert panel.table.rowCount() == len(crash.baskets.table) == 17
    headers = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    assert headers == ["Basket", "Kind", "1d", "1w", "1m", "YTD", "1d σ", "1d vs history",
                       "Crowding 0-100"]
    assert len(panel.chart.series_names()) == 5, "the five most unusual baskets are charted"
    panel.table.clearSelection()
    panel.table.selectRow(0)
    assert panel.chart.series_names() == [panel.table.item(0, 0).text()]
    panel.table.sortItems(2)
    first = panel.table.item(0, 2).text()
    assert float(first.rstrip("%")) == min(float(t.rstrip("%")) for t in panel.table.column_texts(2))


def test_dispersion_words_and_start_date(qtbot, crash):
    panel = make(qtbot, DispersionPanel, crash)
    assert panel.ratio_text.text().startswith(f"Dispersion {crash.dispersion.today['ratio']:.1f}x")
    assert "percentile since 2023-01-01" in panel.ratio_text.text()
    assert "of members beat the falling SPY (-0.60%)" in panel.breadth_text.text()
    from PySide6.QtCore import QDate

    panel.start.setDate(QDate(2025, 6, 2))
    assert "since 2025-06-02" in panel.ratio_text.text()


def test_crowding_gauges(qtbot, crash):
    panel = make(qtbot, CrowdingPanel, crash)
    assert list(panel.gauges)[0] == "Momentum"
    assert len(panel.gauges) == len(crash.crowding.gauges)
    momentum = panel.gauges["Momentum"]
    assert momentum.value == pytest.approx(crash.crowding.gauges["Momentum"]["score"])
    assert "Comomentum" in momentum.toolTip()
    panel.show_detail("Software")
    assert panel.detail.text().startswith("Software:")
