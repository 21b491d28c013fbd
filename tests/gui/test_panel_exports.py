"""Every registered panel renders the simulated crash and the last day, and exports a
non-blank PNG of the requested size."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

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
    panel.render(snapshots[day])
    image = QImage(str(panel.export_png(tmp_path / f"{cls.panel_id}.png", 1000, 700)))
    assert (image.width(), image.height()) == (1000, 700)
    colours = {image.pixel(x, y) for x in range(0, 1000, 23) for y in range(0, 660, 17)}
    assert len(colours) > 20, f"{cls.panel_id} looks blank"
