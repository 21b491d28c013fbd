"""What keeps a refresh's drawing cheap, checked by what it does rather than by timing: the
charts' grid is opaque and beneath the data, a table refill sets each cell once, and a panel
is painted once after its changes have settled (README, "Performance")."""
from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QApplication

from gui import theme
from gui.widgets.chart import TimeSeriesChart
from gui.widgets.heat_table import Fmt, HeatTable


def test_grid_lines_are_opaque_blends_beneath_the_curves(qtbot):
    chart = TimeSeriesChart()
    qtbot.addWidget(chart)
    chart.resize(600, 300)
    chart.set_frame(pd.DataFrame({"a": [0.01, -0.02, 0.03]},
                                 index=pd.bdate_range("2026-01-05", periods=3)))
    chart.show()
    qtbot.waitExposed(chart)
    item = chart.plot.getPlotItem()
    image = QImage(600, 300, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            assert axis.grid is not False, f"{side}: the house style has a grid"
            assert axis.zValue() < item.vb.zValue(), f"{side}: the grid is beneath the data"
            _, ticks, _ = axis.generateDrawSpecs(painter)
            assert ticks and all(pen.color().alpha() == 255 for pen, _, _ in ticks)
    finally:
        painter.end()
    assert not item.getAxis("top").isVisible() and not item.getAxis("right").isVisible()


def test_an_axis_keeps_its_widest_label_space(qtbot):
    """Narrower labels after a refresh no longer resize the chart in the middle of a paint
    (a second layout and paint of the chart)."""
    chart = TimeSeriesChart()
    qtbot.addWidget(chart)
    axis = chart.plot.getPlotItem().getAxis("left")
    dates = pd.bdate_range("2025-01-01", periods=50)
    chart.set_frame(pd.DataFrame({"wide": [-123456.0] * 25 + [123456.0] * 25}, index=dates))
    chart.resize(600, 300)
    chart.show()
    qtbot.waitExposed(chart)
    chart.plot.grab()
    QApplication.processEvents()
    chart.plot.grab()
    wide = axis.width()
    chart.set_frame(pd.DataFrame({"narrow": [0.0] * 25 + [0.05] * 25}, index=dates))
    chart.plot.grab()
    QApplication.processEvents()
    chart.plot.grab()
    assert axis.width() == wide


def test_a_translucent_pen_keeps_its_colour_over_the_background():
    base = QColor(theme.current().base)
    pen = QPen(QColor(255, 255, 255, 64))
    blended = theme._over_base(pen).color()
    share = 64 / 255
    assert blended.alpha() == 255
    assert abs(blended.red() - (255 * share + base.red() * (1 - share))) <= 1
    assert abs(blended.blue() - (255 * share + base.blue() * (1 - share))) <= 1


def test_a_refill_sets_each_cell_once(qtbot):
    table = HeatTable()
    qtbot.addWidget(table)
    frame = pd.DataFrame({"1d": [0.01, -0.02], "Kind": ["basket", "pair"]}, index=["A", "B"])
    table.set_frame(frame, {"1d": Fmt("{:+.2f}%", 100, 2.0)})
    changes = []
    table.itemChanged.connect(changes.append)
    table.set_frame(frame, {"1d": Fmt("{:+.2f}%", 100, 2.0)})
    assert len(changes) == 2 * 3, "one change per cell: each item is complete when set"
    assert table.item(1, 1).text() == "-2.00%"
    assert table.item(1, 1).textAlignment() & Qt.AlignmentFlag.AlignRight


def test_panels_are_drawn_in_parts_and_painted_once_drawn(make_window, qtbot, crash):
    window = make_window()
    window.resize(1280, 770)
    window.show()
    qtbot.waitExposed(window)
    window.apply_layout("Laptop")
    radar = window.panels["radar"]
    steps = radar.draw_steps(crash)
    next(steps)
    assert radar.verdict.text().startswith("<span") and radar.timeline.rowCount() == 0, \
        "the verdict first, the timeline in a later part"
    list(steps)
    assert radar.timeline.rowCount() > 0
    window.dock_host.show_snapshot(crash)
    assert window.rendering
    QApplication.processEvents()
    assert not radar.updatesEnabled(), "held while the panel is drawn"
    momentum = window.panels["momentum"]
    qtbot.waitUntil(lambda: window.dock_host._drawing is not None
                    and window.dock_host._drawing[0] is momentum, timeout=10_000)
    assert not radar.updatesEnabled(), \
        "a drawn panel is held until every visible one is drawn (no paint beside a part)"
    qtbot.waitUntil(lambda: not window.rendering, timeout=10_000)
    plots = window.panels["momentum"].findChildren(theme.ThemedPlot)
    qtbot.waitUntil(lambda: radar.updatesEnabled() and all(p.updatesEnabled() for p in plots),
                    timeout=2000)
    assert window.panels["momentum"].updatesEnabled() and len(plots) == 2


def test_a_half_drawn_panel_given_up_is_released_with_nothing_else_to_draw(
        make_window, qtbot, crash):
    window = make_window()
    window.resize(1280, 770)
    window.show()
    qtbot.waitExposed(window)
    host = window.dock_host
    host.show_snapshot(crash)
    qtbot.waitUntil(lambda: host._drawing is not None, timeout=10_000)
    panel = host._drawing[0]
    host.deferred = True                    # the window goes away mid-drawing
    host.show_snapshot(crash)
    qtbot.waitUntil(lambda: panel.updatesEnabled(), timeout=2000)
    assert not window.rendering


def test_refresh_progress_never_resizes_the_window(make_window, qtbot):
    window = make_window()
    window.resize(1280, 770)
    window.show()
    qtbot.waitExposed(window)
    status = window.status
    before = (window.minimumSizeHint().width(), status.sizeHint().width())
    stage = "Downloading prices for a very long list of tickers, chunk 7 of 7"
    status.on_refresh_started()
    status.on_busy(True)
    status.on_progress(stage, 0.5)
    QApplication.processEvents()
    assert (window.minimumSizeHint().width(), status.sizeHint().width()) == before
    assert status.stage_label.toolTip() == stage
    assert status.stage_label.text().endswith("…") and len(status.stage_label.text()) < len(stage)
    status.on_busy(False)
    assert (window.minimumSizeHint().width(), status.sizeHint().width()) == before


def test_a_chart_builds_its_curves_one_per_part_and_set_frame_keeps_them(qtbot):
    chart = TimeSeriesChart()
    qtbot.addWidget(chart)
    names = ["a", "b", "c"]
    steps = chart.curve_steps(names, "a")
    next(steps)
    assert list(chart._curves) == ["a"], "one curve per part"
    assert len(list(steps)) == 1 and list(chart._curves) == names
    built = dict(chart._curves)
    frame = pd.DataFrame({"a": [0.01, 0.02], "b": [0.0, -0.01], "c": [0.02, 0.0]},
                         index=pd.bdate_range("2026-01-05", periods=2))
    chart.set_frame(frame, emphasis="a")
    assert chart._curves == built, "set_frame updates the curves built in parts in place"
    assert list(chart.curve_steps(names, "a")) == [], "nothing to build the second time"


def test_a_legend_box_and_a_plot_built_later_follow_the_theme(qtbot):
    """Switching to the light theme left each chart's legend box dark under dark text; a
    plot built after the switch (a panel first shown then) starts in the theme in use."""
    chart = TimeSeriesChart()
    qtbot.addWidget(chart)
    try:
        theme.apply_theme(theme.LIGHT)
        box = chart.plot.getPlotItem().legend.brush().color()
        assert (box.red(), box.green(), box.blue()) == QColor(theme.LIGHT.base).getRgb()[:3]
        later = theme.ThemedPlot()
        qtbot.addWidget(later)
        assert later.backgroundBrush().color() == QColor(theme.LIGHT.base)
    finally:
        theme.apply_theme(theme.DARK)
