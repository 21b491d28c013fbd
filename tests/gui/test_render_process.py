"""The export's renderer processes: each draws its share of the panels from the snapshot it
is sent; one that dies leaves its share to the export, which draws it itself."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
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
    """Every panel of the registry has a measured drawing time. The panels drawn once the
    whole snapshot arrives (the export's tail) are balanced first: the two shares' tails
    differ by less than the cheapest panel's time, their totals by less than the costliest
    early panel's. A share lists its early panels first, then the rest, each costliest
    first."""
    from gui.render_process import drawn_early

    assert set(DRAW_MS) == {kind.panel_id for kind in PANELS}, "measure the new panel"
    parts = [share(PANELS, index, 2) for index in (0, 1)]
    early = [[DRAW_MS[k.panel_id] for k in part if drawn_early(k)] for part in parts]
    late = [[DRAW_MS[k.panel_id] for k in part if not drawn_early(k)] for part in parts]
    assert abs(sum(late[0]) - sum(late[1])) < min(DRAW_MS.values())
    assert abs(sum(early[0] + late[0]) - sum(early[1] + late[1])) < max(early[0] + early[1])
    for part, first, rest in zip(parts, early, late):
        assert [DRAW_MS[k.panel_id] for k in part] == first + rest
        assert first == sorted(first, reverse=True) and rest == sorted(rest, reverse=True)


def _pid(renderers, index: int) -> int:
    """The pid of share ``index``'s renderer (a forked one: the child of share 0's, once it
    is there)."""
    import time

    from gui.render_process import Forked

    proc = dict(renderers.started)[index]
    if not isinstance(proc, Forked):
        return proc.pid
    children = Path(f"/proc/{proc.group}/task/{proc.group}/children")
    deadline = time.monotonic() + 60
    while not children.read_text().split():
        assert time.monotonic() < deadline, "share 0's renderer never forked"
        time.sleep(0.02)
    return int(children.read_text().split()[0])


def _gone(pid: int) -> bool:
    """No such process, or one that has ended and not been reaped yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except FileNotFoundError:
        return True


def _all_gone(pids: list[int], within: float = 10.0) -> bool:
    """Whether every one of ``pids`` has ended within ``within`` seconds (a process closes
    its pipes a moment before it is marked as ended)."""
    import time

    deadline = time.monotonic() + within
    while not all(_gone(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "spawned"])
def test_renderers_write_their_shares_and_a_dead_one_leaves_its_share(universe, demo_market,
                                                                       tmp_path, monkeypatch,
                                                                       fork):
    """Share 0's renderer forks share 1's after its imports (Linux), or each is started on
    its own; either way a renderer that dies leaves its share to the export."""
    import gui.render_process

    if fork and not gui.render_process.can_fork():
        pytest.skip("renderers fork on Linux only")
    monkeypatch.setattr(gui.render_process, "can_fork", lambda: fork)
    snapshot = default_compute(demo_market.until("2026-02-04"), universe)
    renderers = Renderers(2)
    try:
        pids = [_pid(renderers, index) for index in (0, 1)]
        assert pids[0] != pids[1]
        os.kill(pids[1], signal.SIGKILL)
        written, left = renderers.export(snapshot, tmp_path, 800, 600)
    finally:
        renderers.close()
    assert left == [1]
    assert sorted(written) == sorted(f"{kind.panel_id}.png" for kind in share(PANELS, 0, 2))
    for name in written:
        assert QImage(str(tmp_path / name)).width() >= 800
    assert _all_gone(pids)


def test_renderers_sent_nothing_are_stopped_at_once():
    """An export that fails before it needs its renderers stops them all, the forked one
    too."""
    renderers = Renderers(2)
    pids = [_pid(renderers, index) for index in (0, 1)]
    renderers.close()
    assert _all_gone(pids), "a renderer outlived the export"


def _early_and_whole(universe, market):
    """(the early snapshot compute hands over, the whole snapshot)."""
    from analytics.engine import compute
    from models.refresh import engine_params

    early = []
    whole = compute(market, engine_params(universe, market), early=early.append)
    return early[0], whole


def test_the_early_views_are_drawn_before_the_rest_and_named_when_it_arrives(
        universe, demo_market, tmp_path):
    """Each renderer draws its panels of the early views while the app computes, staged in a
    hidden folder (not yet the export's files), then the rest; the staged files take their
    names when the whole snapshot arrives."""
    import time

    from gui.render_process import STAGING, drawn_early

    early, whole = _early_and_whole(universe, demo_market.until("2026-02-04"))
    kinds = [kind for kind in PANELS if drawn_early(kind)]
    renderers = Renderers(2)
    try:
        renderers.send_early(early, tmp_path, 800, 600)
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob(f"{STAGING}*/*.png"))) < len(kinds):
            assert time.monotonic() < deadline, "the early panels were not drawn"
            time.sleep(0.05)
        assert not list(tmp_path.glob("*.png")), "an early panel took its name too soon"
        written, left = renderers.export(whole, tmp_path, 800, 600)
    finally:
        renderers.close()
    assert left == [] and sorted(written) == sorted(f"{k.panel_id}.png" for k in PANELS)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(written)


def test_an_early_panel_draws_the_same_from_the_early_views_as_from_the_whole(
        qapp, universe, demo_market, tmp_path):
    """The panels drawn early read nothing the early snapshot lacks: the same pixels as from
    the whole snapshot, above the footer (its time is in minutes)."""
    from gui.export import export_panels
    from gui.render_process import drawn_early

    early, whole = _early_and_whole(universe, demo_market.until("2026-02-04"))
    for kind in (kind for kind in PANELS if drawn_early(kind)):
        images = []
        for name, snapshot in (("early", early), ("whole", whole)):
            path, = export_panels([kind()], tmp_path / name, 800, 600, snapshot)
            images.append(QImage(str(path)))
        a, b = images
        assert a.size() == b.size(), kind.panel_id
        above = a.height() - 30
        assert a.copy(0, 0, a.width(), above) == b.copy(0, 0, b.width(), above), kind.panel_id


def test_an_export_that_fails_after_the_early_views_leaves_no_file(universe, demo_market,
                                                                   tmp_path):
    early, _whole = _early_and_whole(universe, demo_market.until("2026-02-04"))
    (tmp_path / "overview.png").write_bytes(b"yesterday's export")
    renderers = Renderers(2)
    try:
        renderers.send_early(early, tmp_path, 800, 600)
    finally:
        renderers.close(timeout=60)
    assert dict(renderers.started)[0].returncode == 0
    assert [path.name for path in tmp_path.iterdir()] == ["overview.png"]
    assert (tmp_path / "overview.png").read_bytes() == b"yesterday's export"
