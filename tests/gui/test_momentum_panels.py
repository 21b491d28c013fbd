"""Momentum, themes, dispersion and crowding panels on the simulated crash day."""
from __future__ import annotations

import pandas as pd
import pytest

from gui.panels.crowding import CrowdingPanel
from gui.panels.dispersion import DispersionPanel
from gui.panels.momentum import MomentumPanel
from gui.panels.themes import ThemesPanel


def make(qtbot, cls, snapshot):
    panel = cls()
    qtbot.addWidget(panel)
    panel.show_snapshot(snapshot)
    return panel


def test_momentum_panel_words(qtbot, crash):
    panel = make(qtbot, MomentumPanel, crash)
    t = crash.momentum.today
    text = panel.headline.text()
    assert "Momentum L/S 2026-02-04" in text
    assert f"{100 * t.long_short:+.2f}%" in text and f"{t.sigma:+.1f}σ" in text
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
    assert [h.replace("\n", " ") for h in headers] == [
        "Basket", "Kind", "1d", "1w", "1m", "YTD", "1d σ", "1d vs history", "Crowding 0-100"]
    assert len(panel.chart.series_names()) == 5, "the five most unusual baskets are charted"
    panel.table.clearSelection()
    panel.table.selectRow(0)
    assert panel.chart.series_names() == [panel.table.item(0, 0).text()]
    panel.table.sortItems(2)
    first = panel.table.item(0, 2).text()
    assert float(first.rstrip("%")) == min(float(t.rstrip("%")) for t in panel.table.column_texts(2))


def test_dispersion_words_and_start_date(qtbot, crash):
    panel = make(qtbot, DispersionPanel, crash)
    assert panel.ratio_text.text().startswith(f"Dispersion {crash.dispersion.today.ratio:.1f}x")
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
    assert momentum.value == pytest.approx(crash.crowding.gauges["Momentum"].score)
    assert "Comomentum" in momentum.toolTip()
    gauge = crash.crowding.gauges["Momentum"]
    assert momentum.trail == pytest.approx(list(gauge.trail)) and len(momentum.trail) == 20
    assert momentum.caption == f"{gauge.band} · Δ 1d {gauge.change_text()}"
    assert f"{gauge.change_text()} since the previous session" in momentum.toolTip()
    panel.show_detail("Software")
    assert panel.detail.text().startswith("Software:")


def test_gauge_number_is_never_under_the_needle(qtbot):
    """The needle sweeps the upper half from the pivot; the number sits below the pivot, so no
    value can put the needle over it (the defect: 96 hidden under the needle)."""
    from gui.widgets.gauge import Gauge

    gauge = Gauge("Momentum")
    qtbot.addWidget(gauge)
    for size in ((110, 110), (290, 230), (400, 160)):
        gauge.resize(*size)
        for value in range(0, 101, 5):
            gauge.set_value(float(value), "crowded")
            g = gauge.layout_boxes()
            assert g["number"].top() > g["centre"].y() >= g["tip"].y()
            assert g["caption"].top() >= g["number"].bottom()
            assert g["caption"].bottom() <= gauge.height()


def test_capped_components_say_so(qtbot, crash):
    from analytics.snapshot import CrowdingGauge
    from gui.panels.crowding import breakdown

    text = breakdown("Momentum", CrowdingGauge(96.0, "crowded", 5,
                                               z={"comomentum": 3.0, "factor_volatility": -3.0,
                                                  "extension": 0.45}))
    assert "z +3.00 (capped: z-scores are limited to ±3)" in text
    assert "z -3.00 (capped" in text and "z +0.45\n" in text + "\n"


def test_drawdown_strip_is_measured_inside_the_window(qtbot, crash):
    """The strip under a 3-month chart shows the drawdown from the window's own high, not the
    drawdown since the history began (the defect: -88% inside a 3-month chart)."""
    from gui.panels.momentum import SERIES, window_drawdown

    panel = make(qtbot, MomentumPanel, crash)
    for window in ("1M", "3M", "1Y"):
        panel.selector.set_window(window)
        cumulative = crash.momentum.cumulative[window]["long_short"]
        shown = panel.drawdown._series["L/S drawdown from the window's high"] / 100
        expected = window_drawdown(cumulative).to_numpy()
        assert shown == pytest.approx(expected, nan_ok=True)
        wealth = 1 + cumulative
        assert shown.min() >= wealth.min() / max(wealth.max(), 1.0) - 1 - 1e-12
        assert shown[0] == 0.0
    assert SERIES["long_short"] in panel.chart.series_names()


def test_date_axis_labels_never_collide(qtbot):
    """One level of ticks whose labels fit: no 'Dec' beside '03', no clipped 'Ja02'; every
    tick sits on a trading day."""
    import pandas as pd

    from gui.widgets.chart import LABEL_PIXELS, TradingDayAxis

    axis = TradingDayAxis()
    for days, width in ((21, 300), (63, 1500), (63, 400), (252, 900), (6000, 1400)):
        axis.set_dates(pd.bdate_range(end="2026-02-04", periods=days))
        levels = axis.tickValues(0, days - 1, width)
        assert len(levels) == 1, "one level of ticks"
        values = levels[0][1]
        assert 1 <= len(values) <= max(2, width // LABEL_PIXELS)
        assert all(v == int(v) and 0 <= v < days for v in values), "ticks on trading days"
        labels = axis.tickStrings(values, 1.0, levels[0][0])
        assert len(set(labels)) == len(labels), labels
        assert all(len(label) >= 4 for label in labels), labels


def test_ticks_open_each_period_on_its_first_trading_day():
    """period_starts against pandas: the first trading day of each week / month / quarter /
    year of a calendar with holidays."""
    from gui.widgets.chart import period_starts

    dates = pd.bdate_range("2023-01-03", "2026-02-04").drop(pd.to_datetime(
        ["2024-01-01", "2025-01-01", "2026-01-01", "2025-12-25", "2024-07-04"]))
    assert dates[0].day_name() == "Tuesday", "the first date opens none of the periods"
    for unit, count, period in (("W", 1, "W-SUN"), ("M", 1, "M"), ("M", 3, "Q"), ("Y", 1, "Y")):
        first = pd.Series(dates, index=dates.to_period(period)).groupby(level=0).min()
        assert list(dates[period_starts(dates, unit, count)]) == list(first.iloc[1:]), unit
    weeks, fortnights = period_starts(dates, "W", 1), period_starts(dates, "W", 2)
    assert set(fortnights) <= set(weeks) and abs(len(weeks) - 2 * len(fortnights)) <= 2


def test_charts_have_no_weekend_gaps_and_read_out_the_day(qtbot, crash):
    """x is the trading-day number (Friday and Monday are neighbours); the crosshair shows
    the date, the cumulative value and the day's own return."""
    panel = make(qtbot, MomentumPanel, crash)
    panel.selector.set_window("1M")
    chart = panel.chart
    dates = chart.dates()
    assert list(chart._x) == list(range(len(dates)))
    friday = dates.get_loc(pd.Timestamp("2026-01-30"))
    assert dates[friday + 1] == pd.Timestamp("2026-02-02"), "Monday is the next x"
    text = chart.readout_text(len(dates) - 1)
    day = crash.momentum.today.long_short
    assert "2026-02-04" in text and f"(day {100 * day:+.2f}%)" in text


def test_daily_bars_view_with_two_sigma_bands(qtbot, crash):
    """Daily bars: one bar per day of the window, the band at ±2 x the trailing vol, the
    crash day below it and marked."""
    from gui.panels.momentum import MODES

    panel = make(qtbot, MomentumPanel, crash)
    panel.selector.set_window("3M")
    panel.mode.setCurrentText(MODES[1])
    chart, view = panel.chart, crash.momentum
    window = view.cumulative["3M"].index
    assert chart.bar_count() == len(window) and list(chart.dates()) == list(window)
    upper = chart._series["+2σ (trailing 63-day vol)"]
    assert upper[-1] == pytest.approx(200 * view.vol.loc[window[-1]])
    today = chart._series["Momentum L/S, day"][-1]
    assert today == pytest.approx(100 * view.today.long_short) and today < -upper[-1]
    assert chart.marker_count() >= 1
    assert panel.view_state()["mode"] == MODES[1]
    panel.mode.setCurrentText(MODES[0])
    assert chart.bar_count() == 0 and "Momentum L/S" in chart.series_names()


def test_crash_days_are_marked_on_the_chart(qtbot, crash):
    """Every day of the chart window at or below -3σ carries a marker on the L/S line; the
    crash day is one of them."""
    from gui.panels.momentum import CRASH_SIGMA

    panel = make(qtbot, MomentumPanel, crash)
    for window in ("3M", "All"):
        panel.selector.set_window(window)
        frame = crash.momentum.cumulative[window]
        expected = int((crash.momentum.sigma.reindex(frame.index) <= CRASH_SIGMA).sum())
        assert panel.chart.marker_count() == expected >= 1


def test_contributors_fill_when_their_tab_is_shown(qtbot, crash):
    """The Contributors tab: each leg's members today, largest contribution first; their
    contributions sum to the leg's return; filled only once the tab is in front."""
    from gui.panels.momentum import CONTRIBUTORS_TAB

    panel = make(qtbot, MomentumPanel, crash)
    assert panel.contributors.rowCount() == 0, "not filled while its tab is hidden"
    panel.tabs.setCurrentIndex(CONTRIBUTORS_TAB)
    table = panel.contributors
    table_view = crash.momentum.contributors
    assert table.rowCount() == len(table_view)
    for leg, want in (("long", crash.momentum.today.long), ("short", crash.momentum.today.short)):
        assert table_view.loc[table_view["leg"] == leg, "contribution"].sum() == pytest.approx(
            want, abs=1e-12)
    assert panel.sector_sums.text().startswith("By sector (contribution to the leg's return)")
    text = table.copy(headers=True).splitlines()
    assert text[0].split("\t")[0] == "Ticker" and len(text) == len(table_view) + 1
