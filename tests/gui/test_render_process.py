"""The export's renderer processes: each draws its share of the panels from the snapshot it
is sent; one that dies leaves its share to the export, which draws it itself."""
from __future__ import annotations

from PySide6.QtGui import QImage

from gui.panels import PANELS
from gui.render_process import DRAW_MS, Renderers, share
from models.state import default_compute


def test_the_shares_deal_every_panel_once():
    parts = [share(PANELS, index, 2) for index in range(2)]
    assert sorted(kind.panel_id for part in parts for kind in part) == \
        sorted(kind.panel_id for kind in PANELS)
    assert not set(parts[0]) & set(parts[1])


def test_the_shares_are_balanced_by_each_panels_measured_drawing_time():
    """Every panel of the registry has a measured drawing time, and the two shares' totals
    differ by less than the cheapest panel's; each share draws its costliest first."""
    assert set(DRAW_MS) == {kind.panel_id for kind in PANELS}, "measure the new panel"
    costs = [[DRAW_MS[kind.panel_id] for kind in share(PANELS, index, 2)] for index in (0, 1)]
    assert abs(sum(costs[0]) - sum(costs[1])) < min(DRAW_MS.values())
    assert all(part == sorted(part, reverse=True) for part in costs)
    assert [kind.panel_id for kind in share(PANELS, 0, 1)][0] == "events"


def test_renderers_write_their_shares_and_a_dead_one_leaves_its_share(universe, demo_market,
                                                                       tmp_path):
    snapshot = default_compute(demo_market.until("2026-02-04"), universe)
    renderers = Renderers(2)
    try:
        renderers.started[1][1].kill()
        written, left = renderers.export(snapshot, tmp_path, 800, 600)
    finally:
        renderers.close()
    assert left == [1]
    assert sorted(written) == sorted(f"{kind.panel_id}.png" for kind in share(PANELS, 0, 2))
    for name in written:
        assert QImage(str(tmp_path / name)).width() >= 800
    assert all(proc.poll() is not None for _index, proc in renderers.started)
