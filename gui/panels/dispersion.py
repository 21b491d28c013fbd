"""Dispersion & breadth: single-stock vs index volatility, the share of stocks beating the
index, and the average correlation they imply."""
from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from analytics import formatting as fmt
from analytics.snapshot import SPARK_DAYS, DispersionView
from analytics.stats import percentile_rank
from gui.panels.base import WindowedPanel, headline_label, note_label
from gui.widgets.chart import TimeSeriesChart
from gui.widgets.sparkline import Sparkline


class DispersionPanel(WindowedPanel[DispersionView]):
    panel_id = "dispersion"
    title = "Dispersion & breadth"
    description = "Average stock 5-day vol / index 5-day vol, breadth, implied correlation."
    default_area = Qt.DockWidgetArea.LeftDockWidgetArea
    view_field = "dispersion"
    initial_window = "1Y"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ratio_text = headline_label("Dispersion: waiting for data")
        self.breadth_text = headline_label("")
        self.ratio_spark, self.breadth_spark = Sparkline(), Sparkline()
        self.correlation_text = note_label()
        self.start = QDateEdit(QDate(2023, 1, 1))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        self.start.setToolTip("Percentiles are measured from this date to today")
        self.start.dateChanged.connect(lambda _date: self._update_texts())
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Percentiles since"))
        bar.addWidget(self.start)
        bar.addStretch(1)
        bar.addWidget(self.selector)
        self.ratio_chart = TimeSeriesChart(units="x", scale=1.0, decimals=2,
                                           y_label="stock vol / index vol (5-day)")
        self.breadth_chart = TimeSeriesChart(units="%", scale=100.0, decimals=0,
                                             y_label="beating the index")
        self.corr_chart = TimeSeriesChart(units="", scale=1.0, decimals=2,
                                          y_label="avg correlation (21-day)")
        for chart in (self.breadth_chart, self.corr_chart):
            chart.link_x(self.ratio_chart)
        split = QSplitter(Qt.Orientation.Vertical)
        for chart in (self.ratio_chart, self.breadth_chart, self.corr_chart):
            split.addWidget(chart)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for text, spark in ((self.ratio_text, self.ratio_spark),
                            (self.breadth_text, self.breadth_spark)):
            row = QHBoxLayout()
            row.addWidget(text, 1)
            row.addWidget(spark, 0, Qt.AlignmentFlag.AlignTop)
            layout.addLayout(row)
        layout.addWidget(self.correlation_text)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

    def view_state(self) -> dict[str, Any]:
        return {**super().view_state(), "start": self.start.date().toString("yyyy-MM-dd")}

    def apply_view_state(self, state: dict[str, Any]) -> None:
        super().apply_view_state(state)
        if "start" in state:
            self.start.setDate(QDate.fromString(state["start"], "yyyy-MM-dd"))

    def show_missing(self) -> None:
        self.ratio_text.setText("Dispersion: n/a (needs the benchmark and constituents)")

    def show_view(self, view: DispersionView) -> None:
        self._update_texts()
        self.redraw()

    def _update_texts(self) -> None:
        view = self.view
        if view is None:
            return
        start = pd.Timestamp(self.start.date().toString("yyyy-MM-dd"))
        t, bench = view.today, self.shown.benchmark
        day = t.day
        ratio_pct = percentile_rank(view.ratio, start).get(day)
        breadth_pct = percentile_rank(view.breadth, start).get(day)
        since = f"since {start:%Y-%m-%d}{self.shown.so_far}"
        ratios = view.ratio.loc[:day].iloc[-SPARK_DAYS:]
        shares = view.breadth.loc[:day].iloc[-SPARK_DAYS:]
        before = (f" · previous session {fmt.multiple(ratios.iloc[-2])}"
                  if len(ratios) >= 2 else "")
        self.ratio_text.setText(
            f"Dispersion {fmt.multiple(t.ratio)}: the average stock's 5-day vol is "
            f"{fmt.multiple(t.ratio)} {bench}'s · {fmt.percentile(ratio_pct, 'percentile')} "
            f"{since}{before}")
        direction = "falling" if t.benchmark < 0 else "rising"
        before = (f" · previous session {fmt.pct(shares.iloc[-2], 0, sign=False)}"
                  if len(shares) >= 2 else "")
        self.breadth_text.setText(
            f"Breadth: {fmt.pct(t.breadth, 0, sign=False)} of members beat the "
            f"{direction} {bench} ({fmt.pct(t.benchmark)}) · "
            f"{fmt.percentile(breadth_pct, 'percentile')} {since} · {t.advancers} up, "
            f"{t.decliners} down{before}")
        self.ratio_spark.set_values(ratios.tolist(), f"Dispersion ratio (x), the last "
                                                     f"{len(ratios)} sessions")
        self.breadth_spark.set_values(shares.tolist(), f"Share beating {bench}, the last "
                                                       f"{len(shares)} sessions")
        corr = view.correlation.get(day)
        self.correlation_text.setText(
            f"Average pairwise correlation implied by 21-day realized vols: "
            f"{'n/a' if corr is None else f'{corr:.2f}'} (not clipped; near 0 when single "
            f"stocks move on their own). As of {day:%Y-%m-%d}.")

    def redraw(self) -> None:
        view = self.view
        if view is None:
            return
        start = self.shown.overview.cumulative[self.selector.current].index[0]
        dates = view.ratio.loc[start:].index       # one x axis for the three linked charts
        for chart, series, name in ((self.ratio_chart, view.ratio, "dispersion ratio"),
                                    (self.breadth_chart, view.breadth, "share beating the index"),
                                    (self.corr_chart, view.correlation, "average correlation")):
            chart.set_frame(series.reindex(dates).rename(name).to_frame())
