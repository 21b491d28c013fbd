"""Every registered panel renders the simulated crash and the last day, and exports a
non-blank PNG of the requested width, never squeezed: the image holds the panel's minimum
content height at the export width, with every table row visible."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QTableWidget

from gui.export import FOOTER_HEIGHT, layout_for_export
from gui.panels import PANELS
from models.state import default_compute


@pytest.fixture(scope="module")
def snapshots(universe, demo_market):
    return {"crash": default_compute(demo_market.until("2026-02-04"), universe),
            "last": default_compute(demo_market, universe)}


@pytest.mark.parametrize("day", ["crash", "last"])
@pytest.mark.parametrize("cls", PANELS, ids=[cls.panel_id for cls in PANELS])
def test_panel_exports_non_blank_png(qtbot, snapshots, cls, day, tmp_path):
    panel = cls()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshots[day])
    image = QImage(str(panel.export_png(tmp_path / f"{cls.panel_id}.png", 1000, 700)))
    assert image.width() >= 1000 and image.height() >= 700
    colours = {image.pixel(x, y) for x in range(0, 1000, 23) for y in range(0, 660, 17)}
    assert len(colours) > 20, f"{cls.panel_id} looks blank"


@pytest.mark.parametrize("size", [(1600, 900), (1280, 720)], ids=["1600x900", "1280x720"])
@pytest.mark.parametrize("cls", PANELS, ids=[cls.panel_id for cls in PANELS])
def test_export_never_squeezes(qtbot, snapshots, cls, size, tmp_path):
    """The layout the PNG is grabbed from is at least the panel's minimum content size, its
    tables scroll-free, and the PNG holds that layout pixel for pixel (plus the footer)."""
    width, height = size
    panel = cls()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshots["crash"])
    clone = layout_for_export(panel, width, height)
    try:
        need = clone.minimumSizeHint()
        assert clone.height() >= need.height() and clone.width() >= need.width()
        assert clone.height() >= height - FOOTER_HEIGHT and clone.width() >= width
        for table in clone.findChildren(QTableWidget):
            if table.isVisibleTo(clone) and table.rowCount():
                assert table.verticalScrollBar().maximum() == 0, \
                    f"{cls.panel_id}: a table hides rows behind a scroll bar"
                assert table.horizontalScrollBar().maximum() == 0, \
                    f"{cls.panel_id}: a table hides columns behind a scroll bar"
        laid_out = (clone.width(), clone.height())
    finally:
        clone.close()
    image = QImage(str(panel.export_png(tmp_path / "p.png", width, height)))
    assert (image.width(), image.height() - FOOTER_HEIGHT) == laid_out


def test_flows_export_keeps_every_minus_sign(qtbot, snapshots, tmp_path):
    """The defect: 1,156 px of leveraged-ETF tables squeezed into 870 px dropped pixel rows,
    minus signs first. Now the image grows and each fund's row is in it."""
    from gui.panels.flows import FlowsPanel

    panel = FlowsPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshots["crash"])
    image = QImage(str(panel.export_png(tmp_path / "flows.png", 1600, 900)))
    clone = layout_for_export(panel, 1600, 900)
    try:
        funds = clone.funds
        assert funds.viewport().height() >= funds.verticalHeader().length()
        assert image.height() > 900
    finally:
        clone.close()


def copy_of(qtbot, panel, snapshot):
    """What export does: a fresh panel with the original's view state, rendered."""
    clone = type(panel)()
    qtbot.addWidget(clone)
    clone.apply_view_state(panel.view_state())
    clone.show_snapshot(snapshot)
    return clone


def test_exports_keep_what_the_user_chose(qtbot, snapshots):
    from gui.panels.alerts import AlertsPanel
    from gui.panels.events import EventsPanel
    from gui.panels.flows import FlowsPanel
    from gui.panels.gamma import GammaPanel
    from models.alerts import AlertBook, fired_messages

    crash, last = snapshots["crash"], snapshots["last"]
    flows = FlowsPanel()
    qtbot.addWidget(flows)
    flows.show_snapshot(crash)
    flows.spins["SPY"].setValue(-5.0)
    assert copy_of(qtbot, flows, crash).total_usd == pytest.approx(flows.total_usd)

    events = EventsPanel()
    qtbot.addWidget(events)
    events.show_snapshot(crash)
    events.add_series("Loaded", crash.momentum.factor["long_short"] * 2)
    events.threshold.setValue(-4.0)
    clone = copy_of(qtbot, events, crash)
    assert clone.source.currentText() == "Loaded" and clone.threshold.value() == -4.0

    gamma = GammaPanel()
    qtbot.addWidget(gamma)
    gamma.show_snapshot(last)
    gamma.choice.setCurrentText("QQQ")
    assert copy_of(qtbot, gamma, last).detail.text().startswith("QQQ")

    alerts = AlertsPanel()
    qtbot.addWidget(alerts)
    alerts.set_book(AlertBook.from_texts(["momentum.sigma <= -3"]))
    alerts.record(fired_messages(alerts.book.evaluate(crash.headline()), crash.source,
                                 crash.as_of))
    clone = copy_of(qtbot, alerts, crash)
    assert clone.log.count() == 1 and clone.rules.item(0).text() == "momentum.sigma <= -3"


def test_export_panels_writes_every_png_in_the_background(qapp, snapshots, tmp_path):
    from gui.export import export_panels

    paths = export_panels([kind() for kind in PANELS[:3]], tmp_path / "out", 800, 600,
                          snapshots["crash"])
    assert [p.name for p in paths] == [f"{cls.panel_id}.png" for cls in PANELS[:3]]
    for path in paths:                       # complete files once export_panels returns
        assert QImage(str(path)).width() >= 800


def test_a_png_that_cannot_be_written_is_an_error_naming_it(qapp, tmp_path):
    from gui.export import PngWriter

    (tmp_path / "taken").write_text("a file, not a folder")
    image = QImage(40, 30, QImage.Format.Format_ARGB32)
    image.fill(0)
    writer = PngWriter()
    writer.submit(image, tmp_path / "fine.png")
    writer.submit(image, tmp_path / "taken" / "radar.png")
    with pytest.raises(OSError, match="taken"):
        writer.close()
    assert (tmp_path / "fine.png").is_file()


def test_an_export_paints_its_charts_once(qapp, snapshots, tmp_path, monkeypatch):
    """Laying a copy out paints nothing: its charts are painted by the grab alone (settling
    the layout used to paint the momentum panel's charts three times over)."""
    import pyqtgraph as pg

    from gui.export import _lay_out, _render
    from gui.panels.momentum import MomentumPanel

    painted: list[object] = []
    paint = pg.GraphicsView.paintEvent
    monkeypatch.setattr(pg.GraphicsView, "paintEvent",
                        lambda view, event: (painted.append(view), paint(view, event))[1])
    clone = _lay_out(MomentumPanel(), 1600, 900, snapshots["crash"])
    assert painted == []
    image = _render(clone, MomentumPanel.title, 1600, 900, snapshots["crash"])
    assert painted and len(painted) == len(set(painted)), "each chart painted once"
    assert image.width() >= 1600
