"""Themes & pairs: a sortable heat table of theme baskets and long/short pairs, and a chart of
the selected rows."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from analytics.snapshot import BasketsView
from gui.panels.base import WindowedPanel
from gui.widgets.chart import TimeSeriesChart, daily_from_cumulative
from gui.widgets.grid import cell_text
from gui.widgets.heat_table import Fmt, HeatTable

COLUMNS = ["kind", "1d", "1w", "1m", "YTD", "sigma", "worst_since", "crowding"]
HEADERS = {"kind": "Kind", "sigma": "1d σ", "worst_since": "1d vs history",
           "crowding": "Crowding\n0-100"}
FORMATS = {"1d": Fmt("{:+.2f}%", 100, 3.0), "1w": Fmt("{:+.2f}%", 100, 6.0),
           "1m": Fmt("{:+.2f}%", 100, 10.0), "YTD": Fmt("{:+.1f}%", 100, 20.0),
           "sigma": Fmt("{:+.1f}", 1, 3.0), "crowding": Fmt("{:.0f}", 1, 40.0, 50.0, invert=True)}
DEFAULT_ROWS = 5
HISTORY_WIDTH = 100          # "best since 2025-12-15" and long basket names wrap, so the
NAME_WIDTH = 140             # table fits the narrow column of the Morning layout
CROWDING_WIDTH = 80
NARROW_DROPS = ["Kind", "1w", "1m", "Crowding 0-100"]   # hidden in this order when too narrow


class ThemesPanel(WindowedPanel[BasketsView]):
    panel_id = "themes"
    title = "Themes & pairs"
    description = "Theme baskets (equal weight) and long/short pairs: returns, sigma, crowding."
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    view_field = "baskets"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("Select rows to chart them (Ctrl/Shift for several)")
        self.heading.setObjectName("muted")
        self.heading.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.heading, 1)
        bar.addWidget(self.selector)
        self.table = HeatTable()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setToolTip("Returns in percent to the as-of close; 1d σ = today's move / "
                              "trailing 63-day std; crowding: 100·Φ(mean z), ≥ 84 crowded")
        self.table.itemSelectionChanged.connect(self.redraw)
        self.chart = TimeSeriesChart(units="%", scale=100.0, y_label="cumulative return")
        self.missing = QLabel("")
        self.missing.setObjectName("muted")
        self.missing.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.missing)
        layout.addWidget(split, 1)
        self.selected: list[str] = []

    def view_state(self) -> dict[str, Any]:
        return {**super().view_state(), "selected": list(self.selected)}

    def apply_view_state(self, state: dict[str, Any]) -> None:
        super().apply_view_state(state)
        self.selected = list(state.get("selected", []))

    def show_missing(self) -> None:
        self.table.setRowCount(0)
        self.heading.setText("Themes need the benchmark and constituents")

    def view_steps(self, view: BasketsView) -> Iterator[None]:
        """The table, then the chart of the selected rows."""
        keep = [name for name in self.selected if name in view.table.index]
        if not keep:
            keep = list(view.table["sigma"].abs().sort_values(ascending=False)
                        .index[:DEFAULT_ROWS])
        with QSignalBlocker(self.table):
            self.table.set_frame(view.table[COLUMNS], FORMATS, index_label="Basket",
                                 headers=HEADERS)
            self.table.wrap_column(COLUMNS.index("worst_since") + 1, HISTORY_WIDTH)
            self.table.wrap_column(0, NAME_WIDTH)
            self.table.wrap_column(COLUMNS.index("crowding") + 1, CROWDING_WIDTH)
            self.table.set_drop_order(NARROW_DROPS)
            self.table.clearSelection()
            model, selection = self.table.model(), self.table.selectionModel()
            for row in range(self.table.rowCount()):
                if cell_text(self.table, row, 0) in keep:
                    selection.select(model.index(row, 0),
                                     QItemSelectionModel.SelectionFlag.Select
                                     | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollToTop()
        self.heading.setText(f"Theme baskets and pairs as of {self.shown.as_of:%Y-%m-%d}; "
                             "select rows to chart them")
        self.missing.setText("Left out for lack of data: " + "; ".join(
            f"{name} ({why})" for name, why in view.missing.items()) if view.missing else "")
        self.missing.setVisible(bool(view.missing))
        yield
        self.redraw()

    def redraw(self) -> None:
        view = self.view
        if view is None:
            return
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        names = [cell_text(self.table, r, 0) for r in rows] or self.selected
        self.selected = names
        frame = view.cumulative[self.selector.current]
        frame = frame[[n for n in names if n in frame.columns]]
        self.chart.set_frame(frame, daily=daily_from_cumulative(frame))
