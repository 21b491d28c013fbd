"""Regional flows table (sorting, CSV, clipboard) and the regime board."""
from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtWidgets import QApplication

from gui.panels.regimes import RegimesPanel
from gui.panels.regions import RegionsPanel
from models.state import default_compute


@pytest.fixture(scope="module")
def snapshot(universe, demo_market):
    return default_compute(demo_market, universe)


def test_regions_table(qtbot, snapshot):
    panel = RegionsPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    assert panel.table.rowCount() == len(snapshot.regions.table) == 9
    assert panel.table.column_texts(0)[:3] == ["US", "Korea", "Japan"]
    assert "last year: non-US +$" in panel.split_text.text()
    headers = [panel.table.horizontalHeaderItem(c).text().replace("\n", " ")
               for c in range(panel.table.columnCount())]
    assert headers[:3] == ["Region", "Level", "1d"] and "Flows YTD $m" in headers
    assert panel.table.item(0, 0).toolTip().startswith("Index: ")


def test_regions_sorting_by_usd_week(qtbot, snapshot):
    panel = RegionsPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    column = [panel.table.horizontalHeaderItem(c).text()
              for c in range(panel.table.columnCount())].index("1w $")
    panel.table.sortItems(column)
    values = [float(t.rstrip("%")) for t in panel.table.column_texts(column)]
    assert values == sorted(values)


def test_regions_csv_and_clipboard(qtbot, snapshot, tmp_path):
    panel = RegionsPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    path = panel.export_csv(tmp_path / "regions.csv")
    frame = pd.read_csv(path, index_col="Region")
    assert list(frame.index[:2]) == ["US", "Korea"]
    table = snapshot.regions.table
    assert frame.loc["Korea", "1w $ %"] == pytest.approx(100 * table.loc["Korea", "1w USD"])
    assert frame.loc["US", "Flows YTD $m"] == pytest.approx(table.loc["US", "flows YTD"] / 1e6), \
        "the $m column holds millions, as on screen"
    assert frame.loc["Korea", "Level"] == pytest.approx(table.loc["Korea", "level"])
    text = panel.copy_to_clipboard()
    assert QApplication.clipboard().text() == text and text.splitlines()[1].startswith("US\t")
    assert "Flows 1w $m" in text.splitlines()[0]


def test_regime_board_tiles(qtbot, snapshot):
    panel = RegimesPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    assert set(panel.tiles) == set(snapshot.regimes.tiles)
    japan = panel.tiles["Japan equity / currency"]
    assert japan.state == "red" and japan.since.text().startswith("signal on since")
    assert panel.selected == next(n for n, t in snapshot.regimes.tiles.items() if t.state == "red")
    curve = snapshot.regimes.tiles["Curve 10y-3m"]
    tile = panel.tiles["Curve 10y-3m"]
    assert tile.change.text() == f"Δ 1d {curve.change_text()}" and tile.change.text().endswith(" bp")
    assert tile.spark.values == pytest.approx(list(curve.trail()))
    assert "last 20 sessions" in tile.spark.toolTip() and tile.spark.toolTip().endswith(" bp")
    panel.select("Curve 10y-3m")
    assert panel.detail.text().startswith("Curve 10y-3m:")
    assert panel.chart.series_names() == ["10y-3m (bp)"]


def test_a_tiles_chart_shows_returns_in_percent_and_says_its_units_once(qtbot, snapshot):
    """The tile says "+5.2%": its chart is in percent too (not fractions labelled "return"),
    and a series named with its units ("10y-3m (bp)") is not labelled twice."""
    panel = RegimesPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    left = panel.chart.plot.getPlotItem().getAxis("left")
    panel.select("Cyclicals + defensives")
    series = snapshot.regimes.tiles["Cyclicals + defensives"].series.dropna()
    assert panel.chart.scale == 100.0 and panel.chart.units == "%"
    assert left.labelText == "cyc - def 1m (%)"
    assert panel.chart.plot.getPlotItem().listDataItems()[0].yData[-1] == \
        pytest.approx(100 * series.iloc[-1])
    panel.select("Curve 10y-3m")
    assert panel.chart.scale == 1.0 and left.labelText == "10y-3m (bp)"
    panel.select("Japan equity / currency")
    assert panel.chart.scale == 1.0 and left.labelText.endswith("(correlation)")
