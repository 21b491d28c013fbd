"""Intraday mode as the trader sees it: the intraday chart (ET axis, zero line, band,
legend), "intraday 13:30 ET" in the status bar, footers and the radar, "so far" on the
partial day's σ, the flows "into the close if it were now"; a close or a replay says none."""
from __future__ import annotations

import pytest

from gui.export import footer_text


@pytest.fixture(scope="module")
def session(universe):
    from models.sources.demo import DemoSource

    return DemoSource(seed=7, end="2026-02-06", intraday="13:30").load(universe)


@pytest.fixture(scope="module")
def live(universe, session):
    from models.state import default_compute

    return default_compute(session, universe)


def test_the_intraday_chart(qtbot, live):
    from gui.panels.intraday import IntradayPanel, SessionAxis

    panel = IntradayPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(live)
    assert list(panel.curves) == list(live.intraday.paths.columns)
    assert {"Momentum L/S", "Long leg", "Short leg", "High beta L/S", "SPY",
            "AI leaders vs software"} == set(panel.curves)
    x, y = panel.curves["Momentum L/S"].getData()
    assert x[0] == 0 and x[-1] == 240 and y[-1] == pytest.approx(
        100 * live.momentum.today.long_short)
    axis = panel.plot.getPlotItem().getAxis("bottom")
    assert isinstance(axis, SessionAxis)
    assert axis.tickStrings([0, 30, 390], 1, 30) == ["9:30", "10:00", "16:00"]
    text = panel.headline.text()
    assert "2026-02-04, 13:30 ET" in text and "SIMULATED" in text and "so far" in text
    assert panel.plot.getPlotItem().getAxis("left").labelText.startswith("return since")


def test_labels_say_intraday_and_so_far(qtbot, live):
    from gui.panels.flows import FlowsPanel
    from gui.panels.momentum import MomentumPanel
    from gui.panels.radar import RadarPanel
    from gui.status_bar import StatusBar

    assert live.as_of_words() == "2026-02-04 intraday 13:30 ET"
    assert "as of 2026-02-04 intraday 13:30 ET" in footer_text("Radar", live)
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show_snapshot(live)
    assert bar.as_of_label.text() == "As of: 2026-02-04 intraday 13:30 ET"
    radar = RadarPanel()
    qtbot.addWidget(radar)
    radar.show_snapshot(live)
    assert "intraday 13:30 ET" in radar.verdict.text()
    assert radar.table.item(0, 3).text().endswith("so far")
    momentum = MomentumPanel()
    qtbot.addWidget(momentum)
    momentum.show_snapshot(live)
    assert "σ so far)" in momentum.headline.text()
    from gui.panels.dispersion import DispersionPanel

    dispersion = DispersionPanel()
    qtbot.addWidget(dispersion)
    dispersion.show_snapshot(live)
    assert "so far" in dispersion.ratio_text.text() and "so far" in dispersion.breadth_text.text()
    flows = FlowsPanel()
    qtbot.addWidget(flows)
    flows.show_snapshot(live)
    assert "into the close if it were now (2026-02-04 intraday 13:30 ET" in flows.headline.text()
    assert flows.reset.text() == "Live moves"
    spy = live.flows.returns["SPY"]
    assert spy == pytest.approx(live.intraday.last["SPY"], abs=1e-14), \
        "the flows' 'today' is the benchmark's move so far"
    sso = live.flows.funds.loc["SSO"]
    assert sso["rebalance_usd"] == pytest.approx(sso["aum"] * 2 * 1 * spy)
    from gui.panels.gamma import GammaPanel

    gamma = GammaPanel()
    qtbot.addWidget(gamma)
    gamma.show_snapshot(live)
    assert "gamma at the live spot" in gamma.detail.text()


def test_a_close_has_no_intraday_path_and_says_why(qtbot, crash):
    from gui.panels.intraday import IntradayPanel

    panel = IntradayPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    assert crash.session == "closed" and crash.intraday is None
    assert panel.headline.text() == "Intraday session: none on 2026-02-04"
    assert "the data's last row is the 2026-02-04 close" in panel.detail.text()
    assert not panel.curves
    assert "intraday" not in footer_text("Radar", crash)


def test_the_window_downloads_bars_only_while_the_intraday_panel_is_shown(make_window, qtbot,
                                                                          live, session,
                                                                          crash):
    """A live (not simulated) session without bars: none downloaded while the intraday tab
    is hidden; shown, they arrive and are drawn, and a redraw of the same snapshot (a theme
    change) keeps them without a second download. A simulated session holds the schedule;
    the next real snapshot releases it."""
    import dataclasses
    import datetime as dt

    from PySide6.QtWidgets import QApplication

    from analytics.session import NEW_YORK

    asked = []

    def fetch(tickers):
        asked.append(tickers)
        return session.intraday[[t for t in tickers if t in session.intraday.columns]], []

    window = make_window()
    window.feed.fetch = fetch
    window.feed.clock = lambda: dt.datetime(2026, 2, 4, 13, 31, tzinfo=NEW_YORK)
    window.show()
    qtbot.waitExposed(window)
    window.apply_layout("Morning")
    real = dataclasses.replace(live, simulated=False, intraday=None)
    window.render_snapshot(real)
    QApplication.processEvents()
    assert window.docks["intraday"].visibleRegion().isEmpty() and asked == []
    assert window.status.intraday_label.text().startswith("5-minute bars: next when")
    panel = window.panels["intraday"]
    window.go_to("intraday")
    qtbot.waitUntil(lambda: len(asked) == 1 and bool(panel.curves), timeout=5000)
    assert window._downloading() is False
    assert window.status.intraday_label.text() == "5-minute bars: next 13:36 ET"
    drawn = panel.curves["Momentum L/S"].getData()[1][-1]
    assert drawn == pytest.approx(100 * live.momentum.today.long_short)
    window.render_snapshot(real)
    qtbot.waitUntil(lambda: not window.rendering, timeout=5000)
    assert panel.curves and len(asked) == 1, "the live path survives a redraw, no refetch"
    window.render_snapshot(live)
    assert window.status.schedule_label.text() == \
        "simulated session at 13:30 ET: no scheduled refresh"
    assert not window.status.intraday_label.isVisibleTo(window.status)
    window.render_snapshot(crash)
    assert window.status.schedule_label.text().startswith("next refresh"), "hold released"


def test_a_live_session_waiting_for_bars_says_so(qtbot, live):
    import dataclasses

    from gui.panels.intraday import IntradayPanel

    panel = IntradayPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(dataclasses.replace(live, simulated=False, intraday=None))
    assert panel.headline.text() == ("Intraday session 2026-02-04 intraday 13:30 ET: waiting "
                                     "for 5-minute bars")
