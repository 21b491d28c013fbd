"""Crash radar, event study and alerts as the user sees them."""
from __future__ import annotations

from gui.panels.alerts import RulesDialog
from gui.panels.events import OURS, EventsPanel
from gui.panels.radar import RadarPanel
from models.alerts import AlertBook


def test_radar_panel(qtbot, crash):
    panel = RadarPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    assert crash.radar.verdict in panel.verdict.text()
    assert panel.verdict.text().count("Momentum unwind") == 1
    states = panel.states()
    assert states["Momentum σ-move"] == "● signal" and states["Breadth vs index"] == "● signal"
    assert panel.table.rowCount() == len(crash.radar.signals)
    timeline = panel.timeline_states()
    assert panel.timeline.columnCount() == 20
    assert panel.timeline.horizontalHeaderItem(19).text() == "02-04"
    assert timeline["Momentum σ-move"][-1] == "R" and timeline["Worst light"][-1] == "R"
    assert set(timeline) >= {"Momentum σ-move", "Dispersion percentile", "Breadth vs index"}


def test_radar_rows_show_the_change_and_a_20_day_sparkline(qtbot, crash):
    from gui.widgets.grid import cell_text

    panel = RadarPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    radar = crash.radar
    headers = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    assert headers[4:6] == ["Δ 1d", "20 days"]
    rows = {cell_text(panel.table, r, 0): r for r in range(panel.table.rowCount())}
    sigma = radar.history[("Momentum σ-move", "value")]
    delta = float(cell_text(panel.table, rows["Momentum σ-move"], 4).rstrip("σ"))
    assert delta == round(sigma.iloc[-1] - sigma.iloc[-2], 1) < -5, "the crash day's jump in σ"
    flow = panel.table.item(rows["LETF flow % of ADV"], 4)
    assert flow.text() == "n/a" and flow.toolTip().endswith("n/a (today only)")
    sparks = panel.sparklines()
    assert sparks["Momentum σ-move"] == sigma.iloc[-20:].tolist()
    assert sparks["Dealer net gamma ($bn/1%)"] == [], "known for today only"
    tip = panel.table.item(rows["Breadth vs index"], 5).toolTip()
    assert tip.startswith("Breadth vs index, last 20 sessions") and "today 76" in tip


def test_events_panel_tests_against_other_days(qtbot, crash):
    panel = EventsPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    headers = [panel.table.horizontalHeaderItem(c).text()
               for c in range(panel.table.columnCount())]
    assert {"Welch t vs other days", "Bootstrap p", "Bear market (n, mean)",
            "Bull market (n, mean)"} <= set(headers)
    assert "on other days (bootstrap p" in panel.headline.text()


def test_events_panel_switches_series_and_threshold(qtbot, crash):
    panel = EventsPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    assert panel.source.currentText() == OURS
    assert panel.table.rowCount() == 3 and panel.dates.rowCount() == len(panel.study.events)
    assert panel.dates.item(0, 0).text() == "2026-02-04"
    assert panel.dates.item(0, 3).text() == "n/a", "no 21 days after the crash day yet"
    scored = int(panel.study.table.loc[21, "count"])
    assert f": {scored} events at" in panel.headline.text(), "the headline counts what the table scores"
    assert "too recent to score (2026-02-04)" in panel.headline.text()
    panel.threshold.setValue(-6.0)
    assert len(panel.study.events) <= 1
    panel.source.setCurrentText("AI beneficiaries")
    assert panel.headline.text().startswith("AI beneficiaries:")


def test_loading_a_french_file_from_the_window(make_window, qtbot, tmp_path):
    path = tmp_path / "F-F_Momentum_Factor_daily.CSV"
    rows = "\n".join(f"{d:%Y%m%d}, {v:.2f}" for d, v in
                     zip(__import__("pandas").bdate_range("2020-01-01", periods=300),
                         [0.3 * ((i * 7919) % 13 - 6) for i in range(300)]))
    path.write_text("header text\n\n,Mom\n" + rows + "\n", encoding="latin-1")
    window = make_window()
    window.load_factor(path)        # read on a worker thread, shown when it is done
    events = window.panels["events"]
    qtbot.waitUntil(lambda: events.source.currentText() == f"Mom ({path.name})", timeout=10_000)
    assert events.headline.text().startswith(f"Mom ({path.name})")


def test_rules_dialog_validates(qtbot):
    dialog = RulesDialog(["momentum.sigma <= -3"])
    qtbot.addWidget(dialog)
    dialog.editor.setPlainText("momentum.sigma <= -3\nnonsense rule")
    dialog.accept()
    assert "expected '<figure> <op> <number>'" in dialog.error.text() and dialog.book is None
    dialog.editor.setPlainText("momentum.sigma <= -3\nbreadth.fraction_beating_benchmark > 0.7")
    dialog.accept()
    assert [r.text for r in dialog.book.rules][1] == "breadth.fraction_beating_benchmark > 0.7"


def test_alerts_fire_once_in_the_window(make_window, make_state, qtbot, universe, demo_market):
    class CrashSource:
        name = "demo"

        def load(self, universe, progress=None):
            return demo_market.until("2026-02-04")

    window = make_window(make_state(CrashSource()))
    panel = window.panels["alerts"]
    panel.set_book(AlertBook.from_texts(["momentum.sigma <= -3", "dispersion.percentile > 101"]))
    for _ in range(2):
        with qtbot.waitSignal(window.state.snapshot_changed, timeout=20_000):
            window.state.refresh()
    assert panel.log.count() == 1, "fired on the first refresh only"
    assert "momentum.sigma <= -3" in panel.log.item(0).text()
    assert "fired" in panel.heading.text()
    assert window.settings.store.value("alerts/book")


def test_schedule_status_and_pause(make_window):
    window = make_window()
    assert window.status.schedule_label.text().startswith(("next refresh", "auto-refresh paused"))
    window._toggle_schedule(False)
    assert window.status.schedule_label.text() == "auto-refresh paused"
    window._toggle_schedule(True)
    assert window.status.schedule_label.text().startswith("next refresh")


def test_few_events_are_not_shaded(qtbot, crash):
    """Three events cannot carry a bright green '100% hit rate': rows under MIN_SHADED events
    keep the plain background, and the headline says the sample is too small."""
    from PySide6.QtGui import QColor

    from gui import theme
    from gui.panels.events import MIN_SHADED

    panel = EventsPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    assert int(panel.study.table.loc[21, "count"]) < MIN_SHADED
    base = QColor(theme.current().base)
    for r in range(panel.table.rowCount()):
        for c in range(panel.table.columnCount()):
            assert panel.table.item(r, c).background().color() == base
    assert f"too few events to judge (under {MIN_SHADED})" in panel.headline.text()
    panel.add_series("Loaded", crash.momentum.factor["long_short"])
    panel.threshold.setValue(-1.5)
    shaded = [panel.table.item(r, 2).background().color() != base
              for r in range(panel.table.rowCount())]
    counts = panel.study.table["count"].to_numpy()
    assert shaded == [bool(n >= MIN_SHADED) and panel.study.table["mean"].iloc[i] != 0
                      for i, n in enumerate(counts)]
