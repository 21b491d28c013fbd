"""Main window: docks, View menu, layout persistence, refresh, errors, shutdown, export."""
from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtGui import QColor, QImage

from gui.panels import PANELS
from tests.gui.conftest import FakeSource


def wait_for_snapshot(qtbot, state, window=None, timeout=10_000):
    with qtbot.waitSignal(state.snapshot_changed, timeout=timeout) as blocker:
        state.refresh()
    if window is not None:
        qtbot.waitUntil(lambda: not window.rendering, timeout=timeout)
    return blocker.args[0]


def test_window_builds_with_every_panel(make_window):
    window = make_window()
    assert set(window.panels) == {cls.panel_id for cls in PANELS}
    for panel_id, dock in window.docks.items():
        assert dock.objectName() == f"dock_{panel_id}"
        panel = window.panels[panel_id]                   # built when asked for
        assert dock.widget().widget() is panel, "inside a scroll area"
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Data", "&View", "&Help"]
    assert window.refresh_action.shortcut().toString() == "F5"
    for action in window.findChildren(type(window.refresh_action)):
        if action.text() and not action.isSeparator():
            assert action.toolTip(), action.text()


def test_a_hidden_panel_is_built_when_first_shown(make_window, qtbot):
    """Building every panel before the first frame cost 170 ms for panels hidden behind
    tabs (README, "Performance")."""
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    hidden = [pid for pid, dock in window.docks.items() if dock.visibleRegion().isEmpty()]
    assert hidden, "the default layout tabs some panels behind others"
    built = [pid for pid in hidden if window.panels.built(pid) is not None]
    assert built in ([], ["alerts"]), "only the alerts controller's own panel (no chart)"
    hidden = [pid for pid in hidden if pid != "alerts"]
    shown = [pid for pid in window.docks if pid not in hidden + ["alerts"]]
    assert all(window.panels.built(pid) is not None for pid in shown)
    window.go_to(hidden[0])
    qtbot.waitUntil(lambda: window.panels.built(hidden[0]) is not None, timeout=5000)
    assert window.docks[hidden[0]].widget().widget() is window.panels.built(hidden[0])


def test_view_menu_toggles_a_panel(make_window, qtbot):
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    dock = window.docks["overview"]
    toggle = dock.toggleViewAction()
    assert toggle.isChecked() and dock.isVisible()
    toggle.trigger()
    assert not dock.isVisible() and not toggle.isChecked()
    toggle.trigger()
    assert dock.isVisible()


def test_layout_round_trip_and_reset(make_window, make_state, settings, qtbot):
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    window.docks["overview"].setFloating(True)
    window.resize(1300, 950)
    window.save_settings()
    window.close()
    again = make_window(make_state())
    again.show()
    qtbot.waitExposed(again)
    assert again.docks["overview"].isFloating()
    assert (again.width(), again.height()) == (1300, 950)
    again.reset_layout()
    assert not again.docks["overview"].isFloating()


def test_refresh_fills_overview_and_status(make_window, qtbot):
    window = make_window()
    snapshot = wait_for_snapshot(qtbot, window.state, window)
    table = window.panels["overview"].table
    assert table.rowCount() == 12
    assert table.item(0, 0).text() == "SPY"
    assert table.horizontalHeaderItem(2).text() == "1d"
    assert table.item(0, 2).text().endswith("%")
    assert window.status.source_label.text() == "Source: fake1"
    assert window.status.as_of_label.text() == "As of: 2026-02-06"
    assert "SIMULATED" in window.windowTitle()
    assert not window.status.simulated_badge.isHidden()
    assert set(window.panels["overview"].chart.series_names()) == set(snapshot.overview.returns.index)


def test_real_data_has_no_simulated_badge(make_window, make_state, qtbot):
    window = make_window(make_state(FakeSource(seed=0)))
    wait_for_snapshot(qtbot, window.state)
    assert window.status.simulated_badge.isHidden()
    assert "SIMULATED" not in window.windowTitle()


def test_compute_error_shows_in_status_bar_and_keeps_snapshot(make_window, make_state, qtbot):
    calls = []

    def flaky(market, universe):
        from models.state import default_compute

        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("injected failure")
        return default_compute(market, universe)

    window = make_window(make_state(compute=flaky))
    first = wait_for_snapshot(qtbot, window.state, window)
    with qtbot.waitSignal(window.state.refresh_failed, timeout=10_000) as blocker:
        window.state.refresh()
    assert "injected failure" in blocker.args[0]
    assert "Traceback" in blocker.args[1]
    assert window.state.snapshot is first
    assert not window.status.error_button.isHidden()
    assert "injected failure" in window.status.error_button.text()
    assert window.panels["overview"].table.rowCount() == 12


def test_stale_result_is_dropped(make_state, qtbot):
    state = make_state(FakeSource(delay=0.3))
    seen = []
    state.snapshot_changed.connect(seen.append)
    state.refresh()
    second = state.refresh()
    qtbot.waitUntil(lambda: not state.busy, timeout=10_000)
    assert len(seen) == 1
    assert state.generation == second


@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_close_mid_refresh_is_clean(make_window, make_state, qtbot):
    started = threading.Event()
    window = make_window(make_state(FakeSource(delay=5.0, started=started)))
    window.show()
    window.state.refresh()
    assert started.wait(5)
    t0 = time.perf_counter()
    window.close()
    assert time.perf_counter() - t0 < 2.0
    assert not window.state.busy or window.state.shutdown(100)


def test_export_hidden_panel(make_window, qtbot, tmp_path):
    window = make_window()
    wait_for_snapshot(qtbot, window.state)
    window.docks["overview"].hide()
    path = window.export_panel("overview", tmp_path / "overview.png", 1200, 700)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1200, 700)
    colours = {image.pixel(x, y) for x in range(0, 1200, 37) for y in range(0, 650, 31)}
    assert len(colours) > 20, "blank image"


def test_watermark_only_for_simulated_data(make_window, make_state, qtbot, tmp_path):
    from gui import theme

    badge = QColor(theme.current().badge)

    def orange_share(path):
        image = QImage(str(path))
        hits = total = 0
        for x in range(400, 800, 4):
            for y in range(200, 500, 4):
                c = QColor(image.pixel(x, y))
                total += 1
                hits += c.red() > c.blue() + 40 and abs(c.hue() - badge.hue()) < 20
        return hits / total

    simulated = make_window()
    wait_for_snapshot(qtbot, simulated.state)
    simulated.export_panel("overview", tmp_path / "sim.png", 1200, 700)
    real = make_window(make_state(FakeSource(seed=0)))
    wait_for_snapshot(qtbot, real.state)
    real.export_panel("overview", tmp_path / "real.png", 1200, 700)
    assert orange_share(tmp_path / "sim.png") > orange_share(tmp_path / "real.png") + 0.02


def test_footer_text_names_panel_source_and_date(make_window, qtbot):
    from gui.export import footer_text

    window = make_window()
    snapshot = wait_for_snapshot(qtbot, window.state)
    text = footer_text("Market overview", snapshot)
    assert "Market overview" in text and "source: fake1" in text
    assert "as of 2026-02-06" in text and "SIMULATED" in text


def test_theme_switch_persists(make_window, settings):
    window = make_window()
    window.set_theme("light")
    assert settings.value("theme") == "light"
    window.set_theme("dark")


def test_followup_refresh_after_a_quick_cache_answer(make_state, qtbot):
    from dataclasses import replace

    class QuickThenLive(FakeSource):
        served = False

        def load(self, universe, progress=None):
            market = super().load(universe, progress)
            if not QuickThenLive.served:
                QuickThenLive.served = True
                return replace(market, source="yahoo cache (5 min old)", followup_refresh=True)
            return market

    state = make_state(QuickThenLive())
    seen = []
    state.snapshot_changed.connect(lambda s: seen.append(s.source))
    state.refresh()
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=10_000)
    assert seen == ["yahoo cache (5 min old)", "fake1"]


def test_open_data_takes_several_files_and_share_counts_reach_the_source(make_window,
                                                                        monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    chosen, shares, chains = [], [], []
    window = make_window(select_source=chosen.append, select_shares=shares.append,
                         select_options=chains.append)
    monkeypatch.setattr(window.state, "refresh", lambda: None)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *a, **k: (["/d/members.csv.gz", "/d/etfs.csv"], "")))
    window.open_data_dialog()
    assert chosen == ["/d/members.csv.gz;/d/etfs.csv"]
    window.open_shares_dialog()
    assert shares == [["/d/members.csv.gz", "/d/etfs.csv"]]
    window.open_options_dialog()
    assert chains == [["/d/members.csv.gz", "/d/etfs.csv"]]
    assert "Open option chain…" in [a.text() for a in window.menuBar().actions()[0].menu()
                                    .actions()]


def test_export_panel_dialog_lists_every_panel_without_building_them(make_window, qtbot,
                                                                   monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    before = {pid for pid in window.docks if window.panels.built(pid) is not None}
    asked = {}

    def get_item(parent, title, label, names, current, editable):
        asked.update(names=names, current=names[current])
        return names[current], False

    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    window.export_panel_dialog()
    assert asked["names"] == [cls.title for cls in PANELS]
    assert asked["current"] == PANELS[0].title
    assert {pid for pid in window.docks if window.panels.built(pid) is not None} == before
