"""Momentum monitor: the decile long/short, its legs versus the benchmark, high beta, today's
move in sigma and "worst day since", and the drawdown."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from analytics import formatting as fmt
from analytics.snapshot import SPARK_DAYS, MomentumToday, MomentumView
from gui import theme
from gui.panels.base import WindowedPanel, headline_label, note_label
from gui.widgets.chart import TimeSeriesChart
from gui.widgets.heat_table import Fmt, HeatTable
from gui.widgets.sparkline import Sparkline

CONTRIBUTOR_FORMATS = {"weight": Fmt("{:.2f}%", 100.0), "return": Fmt("{:+.2f}%", 100.0, 8.0),
                       "contribution": Fmt("{:+.1f}", 1e4, 10.0),
                       "momentum_rank": Fmt("{:.0f}")}
CONTRIBUTOR_HEADERS = {"leg": "Leg", "sector": "Sector", "weight": "Weight",
                       "return": "Return 1d", "contribution": "Contribution (bp)",
                       "momentum_rank": "12-1 rank"}
CRASH_SIGMA = -3.0           # days the radar lights red on σ alone: marked on the chart
CUMULATIVE_TIP = ("Compounded daily returns since the window start, in percent. Legs are "
                  "shown minus the equal-weighted constituents. Hover for each day's value.")
CONTRIBUTORS_TAB = 1
BAND_SIGMA = 2.0            # the daily-bars view's band: ±2σ of the trailing 63-day vol
MODES = ("Cumulative", "Daily bars ±2σ")
SERIES = {"long_short": "Momentum L/S", "long_excess": "Long leg − equal-weighted",
          "short_excess": "Short leg − equal-weighted", "high_beta": "High beta L/S"}
DRAWDOWN = "L/S drawdown from the window's high"


def since_words(today: MomentumToday) -> str:
    """'worst day since ...' on a down day, 'best day since ...' on an up day."""
    return fmt.since(today.long_short, today.best_since, today.worst_since, "day",
                     today.history_start)


def window_drawdown(cumulative):
    """Drawdown from the highest point inside the chart window (the window's start counts as
    a high), from the compounded return since the window start."""
    wealth = 1.0 + cumulative
    return wealth / np.maximum(wealth.cummax(), 1.0) - 1.0


class MomentumPanel(WindowedPanel[MomentumView]):
    panel_id = "momentum"
    title = "Momentum monitor"
    description = "Decile 12-1 momentum long/short of the constituents, its legs and high beta."
    default_area = Qt.DockWidgetArea.LeftDockWidgetArea
    view_field = "momentum"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = headline_label("Momentum L/S: waiting for data", bigger=4)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.reading = QLabel("")
        self.legs = QLabel("")
        self.legs.setTextFormat(Qt.TextFormat.RichText)
        self.recent = QLabel("")
        self.recent.setObjectName("muted")
        for label in (self.reading, self.legs, self.recent):
            label.setWordWrap(True)
        self.spark = Sparkline(bars=True)
        self.mode = QComboBox()
        self.mode.addItems(MODES)
        self.mode.setToolTip("Cumulative: the legs and high beta compounded over the window. "
                             "Daily bars: each day's L/S return with the ±2σ band of the "
                             "trailing 63-day vol known at the previous close")
        self.mode.currentTextChanged.connect(lambda _mode: self.redraw())
        top = QHBoxLayout()            # the headline gets the panel's whole width
        top.addWidget(self.headline, 1)
        top.addWidget(self.spark, 0, Qt.AlignmentFlag.AlignTop)
        controls = QWidget()           # the chart's controls sit beside its tabs
        controls_layout = QHBoxLayout(controls)
        controls_layout.setContentsMargins(0, 0, 0, 2)
        controls_layout.addWidget(self.mode)
        controls_layout.addWidget(self.selector)
        self.chart = TimeSeriesChart(units="%", scale=100.0, y_label="cumulative return")
        self.chart.setToolTip(CUMULATIVE_TIP)
        self.drawdown = TimeSeriesChart(units="%", scale=100.0, y_label="drawdown")
        self.drawdown.setToolTip("Momentum L/S drawdown from its highest point inside the "
                                 "chart window (compounded)")
        self.drawdown.link_x(self.chart)
        self.drawdown.setMinimumHeight(125)     # room for its axis title, "drawdown (%)"
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart)
        split.addWidget(self.drawdown)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        self.sector_sums = note_label("")
        self.contributors = HeatTable()
        self.contributors.setToolTip(
            "Today's members of each leg: weight 1/n (equal-weighted legs), the day's return, "
            "the contribution to the leg's return (weight x return, in basis points; a leg's "
            "contributions sum to its return) and the 12-1 momentum rank (1 = strongest)")
        who = QWidget()
        who_layout = QVBoxLayout(who)
        who_layout.setContentsMargins(0, 0, 0, 0)
        who_layout.addWidget(self.sector_sums)
        who_layout.addWidget(self.contributors, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(split, "Chart")
        self.tabs.addTab(who, "Contributors")
        self.tabs.setTabToolTip(CONTRIBUTORS_TAB, "Who moved each leg today, and the sector sums")
        self._pending: pd.DataFrame | None = None
        self.tabs.currentChanged.connect(lambda _index: self._fill_contributors())
        self.tabs.setCornerWidget(controls, Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.reading)
        layout.addWidget(self.legs)
        layout.addWidget(self.recent)
        layout.addWidget(self.tabs, 1)

    def view_state(self) -> dict:
        return {**super().view_state(), "mode": self.mode.currentText()}

    def apply_view_state(self, state: dict) -> None:
        super().apply_view_state(state)
        if state.get("mode") in MODES:
            self.mode.setCurrentText(state["mode"])

    def show_missing(self) -> None:
        self.headline.setText("Momentum L/S: n/a")
        self.reading.setText("Needs the benchmark and constituents with a year of history.")

    def view_steps(self, view: MomentumView) -> Iterator[None]:
        """The headline and legs, then the contributors' sector sums, the chart's curves one
        by one when they are built, the chart's series, the chart, the drawdown strip."""
        t, th = view.today, theme.current()
        colour = theme.colour_for(t.long_short, th)
        daily = view.factor["long_short"].loc[:t.day].iloc[-SPARK_DAYS:]
        before = f" · previous session {fmt.pct(daily.iloc[-2])}" if len(daily) >= 2 else ""
        self.headline.setText(
            f"Momentum L/S {fmt.day(t.day)}: <span style='color:{colour}'>"
            f"{fmt.pct(t.long_short)} ({fmt.sigma(t.sigma)}{self.shown.so_far})</span> · "
            f"{since_words(t)}{self.shown.so_far}{before}")
        self.spark.set_values(daily.tolist(), f"Momentum L/S daily returns, the last {len(daily)} "
                                              f"sessions to {fmt.day(t.day)} (bars; today last)")
        provisional = ", ".join(f"{ticker} {fmt.pct(ret, 0)}" for ticker, ret in t.provisional)
        self.reading.setText(view.reading[0].upper() + view.reading[1:] + (
            f" · provisional: {provisional} today may be a bad print (excluded if it reverses "
            "tomorrow)" if provisional else ""))
        bench = self.snapshot.benchmark if self.snapshot is not None else ""
        share = t.long_share_vs_benchmark
        share_words = (f"long leg {share:.0%} of the move" if share is not None
                       else "both legs moved the same way")
        self.legs.setText(
            f"Long leg (top decile) {fmt.pct(t.long)}, "
            f"<b>{fmt.pct(t.long_excess)} vs equal-weighted constituents</b> · Short leg "
            f"(bottom decile) {fmt.pct(t.short)}, <b>{fmt.pct(t.short_excess)} vs "
            f"equal-weighted constituents</b> ({fmt.pct(t.neutral)}) · High beta L/S "
            f"{fmt.pct(t.high_beta)} ({fmt.sigma(t.high_beta_sigma)})<br>"
            f"Against {bench} ({fmt.pct(t.benchmark)}): long "
            f"{fmt.pct(t.long_vs_benchmark)}, short {fmt.pct(t.short_vs_benchmark)}"
            f", {share_words}")
        recent = t.recent
        if recent is not None and recent.long_short < 0:
            since = "worst on record" if recent.worst_since is None else \
                f"worst since {fmt.day(recent.worst_since)}"
            self.recent.setText(f"Worst day of the last 10 sessions: {fmt.pct(recent.long_short)}"
                                f" on {fmt.day(recent.day)} ({fmt.sigma(recent.sigma)}, "
                                f"{since}). σ = daily move / trailing 63-day std.")
        else:
            self.recent.setText("No down day in the last 10 sessions. σ = daily move / "
                                "trailing 63-day std.")
        yield
        self._show_contributors(view)
        yield
        if self.mode.currentText() != MODES[1]:           # the cumulative chart's curves
            yield from self.chart.curve_steps(list(SERIES.values()), SERIES["long_short"])
            yield
        frames = self._chart_frames(view)
        yield
        line = self._draw_chart(view, *frames)
        yield
        self._draw_drawdown(line)

    def _show_contributors(self, view: MomentumView) -> None:
        table = view.contributors
        if table.empty:
            self.sector_sums.setText("Contributors: n/a (no ranked legs today)")
            self.contributors.setRowCount(0)
            self._pending = None
            return
        sums = table.groupby(["leg", "sector"])["contribution"].sum()
        words = []
        for leg in ("long", "short"):
            if leg in sums.index.get_level_values(0):
                top = sums[leg].reindex(sums[leg].abs().sort_values(ascending=False).index)[:4]
                parts = ", ".join(f"{sector} {fmt.pct(value)}" for sector, value in top.items())
                words.append(f"{leg.capitalize()} leg {fmt.pct(sums[leg].sum())}: {parts}")
        self.sector_sums.setText("By sector (contribution to the leg's return) · "
                                 + " · ".join(words))
        self._pending = table
        self._fill_contributors()

    def _fill_contributors(self) -> None:
        """Fill the contributors table when its tab is in front (a 100-row table costs the
        first refresh ~50 ms on the main thread; most refreshes never show it)."""
        if self._pending is None or self.tabs.currentIndex() != CONTRIBUTORS_TAB:
            return
        self.contributors.set_frame(self._pending, CONTRIBUTOR_FORMATS, index_label="Ticker",
                                    headers=CONTRIBUTOR_HEADERS)
        self._pending = None

    def redraw(self) -> None:
        view = self.view
        if view is not None:
            self._draw_drawdown(self._draw_chart(view, *self._chart_frames(view)))

    def _chart_frames(self, view: MomentumView) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The chart's cumulative and daily series in the selected window, named."""
        frame = view.cumulative[self.selector.current].rename(columns=SERIES)
        return frame, view.factor[list(SERIES)].reindex(frame.index).rename(columns=SERIES)

    def _draw_chart(self, view: MomentumView, frame: pd.DataFrame, daily: pd.DataFrame
                    ) -> pd.Series:
        """The chart in the selected mode; returns the L/S's cumulative line."""
        if self.mode.currentText() == MODES[1]:
            line = daily[SERIES["long_short"]]
            self.chart.set_bars(f"{SERIES['long_short']}, day", line, BAND_SIGMA * view.vol,
                                f"{BAND_SIGMA:.0f}σ (trailing 63-day vol)")
            self.chart.plot.setLabel("left", "daily return (%)")
            self.chart.setToolTip("Each day's momentum L/S return, in percent, with the ±2σ "
                                  "band of the trailing 63-day vol known at the previous close")
        else:
            self.chart.set_frame(frame, emphasis=SERIES["long_short"], daily=daily)
            self.chart.plot.setLabel("left", self.chart.y_label)
            self.chart.setToolTip(CUMULATIVE_TIP)
            line = frame[SERIES["long_short"]]
        crashes = view.sigma.reindex(line.index) <= CRASH_SIGMA
        self.chart.set_markers(f"day at or below {CRASH_SIGMA:.0f}σ", line[crashes],
                               theme.current().down)
        return frame[SERIES["long_short"]]

    def _draw_drawdown(self, cumulative: pd.Series) -> None:
        self.drawdown.set_frame(window_drawdown(cumulative).rename(DRAWDOWN).to_frame())
