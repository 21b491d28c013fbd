"""Market overview: benchmark and sector ETF cumulative returns, and a 1d/1w/1m/YTD table."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from analytics.snapshot import Overview
from gui.panels.base import WindowedPanel
from gui.widgets.chart import TimeSeriesChart, daily_from_cumulative
from gui.widgets.heat_table import Fmt, HeatTable

RETURN_FORMATS = {col: Fmt("{:+.2f}%", 100.0, heat) for col, heat in
                  (("1d", 2.0), ("1w", 4.0), ("1m", 8.0), ("YTD", 15.0))}


class MarketOverviewPanel(WindowedPanel[Overview]):
    panel_id = "overview"
    title = "Market overview"
    description = "Benchmark and sector ETFs: cumulative return over a window, period returns."
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    view_field = "overview"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("Cumulative return since window start, % (benchmark bold)")
        self.heading.setObjectName("muted")
        bar = QHBoxLayout()
        bar.addWidget(self.heading, 1)
        bar.addWidget(self.selector)
        self.chart = TimeSeriesChart(units="%", scale=100.0, y_label="cumulative return")
        self.table = HeatTable()
        self.table.setToolTip("Returns to the as-of close, in percent; click a header to sort")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

    def show_view(self, view: Overview) -> None:
        self.redraw()
        self.table.set_frame(view.returns, RETURN_FORMATS, headers={"name": "Name"})
        self.heading.setText(f"Cumulative return since window start, % · as of "
                             f"{self.shown.as_of:%Y-%m-%d} · {self.shown.benchmark} bold")

    def redraw(self) -> None:
        view = self.view
        if view is not None:
            frame = view.cumulative[self.selector.current]
            self.chart.set_frame(frame, emphasis=self.shown.benchmark,
                                 daily=daily_from_cumulative(frame))
