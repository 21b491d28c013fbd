"""Regional flows: one row per region (local and USD returns, the last 5 sessions in USD
against history, implied ETF flows) with the US vs non-US split of ETF creations."""
from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from analytics import formatting as fmt
from analytics.snapshot import RegionsView
from gui import theme
from gui.panels.base import Panel, headline_label, note_label
from gui.widgets.heat_table import Fmt, HeatTable

COLUMNS = {"index": "Index", "level": "Level", "1d": "1d", "1w": "1w", "1m": "1m",
           "YTD": "YTD", "1d USD": "1d $", "1w USD": "1w $", "1m USD": "1m $",
           "YTD USD": "YTD $", "week vs history": "1w $ vs history", "etf": "ETF",
           "flows 1w": "Flows 1w $m", "flows 1m": "Flows 1m $m", "flows YTD": "Flows YTD $m"}
FORMATS = {"level": Fmt("{:,.2f}"),
           **{c: Fmt("{:+.2f}%", 100, h) for c, h in (("1d", 2), ("1w", 5), ("1m", 10),
                                                     ("YTD", 20), ("1d USD", 2),
                                                     ("1w USD", 5), ("1m USD", 10),
                                                     ("YTD USD", 20))},
           **{c: Fmt("{:+,.0f}", 1e-6, h) for c, h in (("flows 1w", 1000), ("flows 1m", 3000),
                                                       ("flows YTD", 5000))}}


def split_words(us: float, non_us: float, period: str) -> str:
    if not (math.isfinite(us) and math.isfinite(non_us)):
        return f"{period}: n/a"
    gross = abs(us) + abs(non_us)
    share = f" ({fmt.pct(abs(non_us) / gross, 0, sign=False)} non-US)" if gross > 0 else ""
    return f"{period}: non-US {fmt.money(non_us, decimals=1)} vs US {fmt.money(us, decimals=1)}{share}"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells (names, tickers, the index) that a spreadsheet would run as a formula,
    those starting with = + - @ tab or CR, get a leading apostrophe; numbers stay numbers."""
    def escape(value):
        return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) \
            else value

    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(escape)
    out.index = out.index.map(escape)
    return out


# On screen the long headers take two lines, the week's words wrap and the index and ETF
# tickers are the region's tooltip, so the table fits the right column of a 1920-px screen;
# CSV and clipboard keep every column and the one-line headers.
SCREEN_HEADERS = {**COLUMNS, "week vs history": "1w $ vs\nhistory", "flows 1w": "Flows\n1w $m",
                  "flows 1m": "Flows\n1m $m", "flows YTD": "Flows\nYTD $m"}
HISTORY_WIDTH = 130


def export_header(column: str) -> str:
    """The CSV / clipboard header: the screen's, with the unit of the exported numbers."""
    header = COLUMNS[column]
    return f"{header} %" if column in FORMATS and "%" in FORMATS[column].text else header


class RegionsPanel(Panel[RegionsView]):
    panel_id = "regions"
    title = "Regional flows"
    description = "Regions in local currency and USD, the week in USD vs history, ETF flows."
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    view_field = "regions"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = headline_label("Regional flows: waiting for data")
        self.split_text = QLabel("")
        self.split_text.setWordWrap(True)
        self.note = note_label("Flows = change in ETF shares outstanding x price, booked on the "
                               "trading day before the count changed; an ETF-only proxy "
                               "(fund-flow vendors include mutual funds). n/a = no shares "
                               "outstanding for the ETF.")
        copy = QPushButton("Copy")
        copy.setToolTip("Copy the table to the clipboard (tab-separated)")
        copy.clicked.connect(self.copy_to_clipboard)
        export = QPushButton("Export CSV…")
        export.setToolTip("Save the table as a CSV file")
        export.clicked.connect(self._export_csv_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.split_text, 1)
        buttons.addWidget(copy)
        buttons.addWidget(export)
        self.table = HeatTable()
        self.table.setToolTip("Returns in percent (local currency, then USD); click a header to sort")
        self.bars = theme.ThemedPlot()
        self.bars.setLabel("left", "1y, $bn")
        self.bars.setToolTip("ETF creations over the last year per region, $bn (change in "
                             "shares outstanding x price)")
        self.bars.getAxis("left").enableAutoSIPrefix(False)
        self.bars.showGrid(y=True, alpha=0.25)
        self.bars.setMinimumHeight(90)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.bars)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([3000, 1000])    # 3:1 from the start, not from the size hints
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.headline)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)

    def frame(self) -> pd.DataFrame:
        """The table as shown, in the units its headers name: returns in percent, flows in $m
        (``FORMATS``' scales; full precision, not the screen's rounding)."""
        view = self.view
        if view is None:
            return pd.DataFrame(columns=[export_header(c) for c in COLUMNS])
        table = view.table[list(COLUMNS)].copy()
        for column, style in FORMATS.items():
            table[column] = table[column].astype(float) * style.scale
        return table.rename(columns={c: export_header(c) for c in COLUMNS})

    def show_missing(self) -> None:
        self.headline.setText("Regional flows: n/a (no regional indices or ETFs in the data)")

    def view_steps(self, view: RegionsView) -> Iterator[None]:
        """The table, then the bars."""
        us, non_us = view.flows_us, view.flows_non_us
        week = view.table["1w USD"].astype(float)
        if week.notna().any():
            lead = week.idxmax()
            self.headline.setText(
                f"Regions as of {self.shown.as_of:%Y-%m-%d}, last 5 sessions in USD: best {lead} "
                f"{fmt.pct(week[lead], 1)} ({view.table.loc[lead, 'week vs history']}), worst "
                f"{week.idxmin()} {fmt.pct(week.min(), 1)}")
        else:
            self.headline.setText(f"Regions as of {self.shown.as_of:%Y-%m-%d}: n/a (under 5 "
                                  "sessions of prices)")
        since = (f" (flows since {view.flows_since:%Y-%m-%d}: share counts start then)"
                 if view.flows_since is not None else "")
        self.split_text.setText("ETF creations" + since + " · " + " · ".join(
            split_words(us[p], non_us[p], label) for p, label in
            (("1y", "last year"), ("YTD", "YTD"), ("1m", "1 month"))))
        shown = [c for c in COLUMNS if c not in ("index", "etf")]
        self.table.set_frame(view.table[shown], FORMATS, index_label="Region",
                             headers=SCREEN_HEADERS)
        self.table.wrap_column(shown.index("week vs history") + 1, HISTORY_WIDTH)
        for row in range(self.table.rowCount()):     # the index and ETF behind each region
            item = self.table.item(row, 0)
            if item is not None and item.text() in view.table.index:
                source = view.table.loc[item.text()]
                item.setToolTip(f"Index: {source['index']} · ETF: {source['etf'] or 'none'}")
        yield
        self._draw_bars(view.table["flows 1y"].astype(float))

    def _draw_bars(self, flows: pd.Series) -> None:
        """Last year's creations per region; a region without share counts gets no bar and
        an 'n/a' tick (unknown, not zero); no chart at all when no region has them."""
        t = theme.current()
        self.bars.clear()
        known = np.isfinite(flows.to_numpy(dtype=float))
        self.bars.setVisible(bool(known.any()))
        if not known.any():
            return
        x = np.arange(len(flows))
        y = flows.to_numpy(dtype=float) / 1e9
        self.bars.addItem(pg.BarGraphItem(x=x[known], height=y[known], width=0.7,
                                          brushes=[pg.mkBrush(t.up if v >= 0 else t.down)
                                                   for v in y[known]]))
        self.bars.getAxis("bottom").setTicks([[(i, name if ok else f"{name} (n/a)")
                                               for i, name, ok in zip(x, flows.index, known)]])

    def copy_to_clipboard(self) -> str:
        text = inert(self.frame()).to_csv(sep="\t")
        QApplication.clipboard().setText(text)
        return text

    def export_csv(self, path: str | Path) -> Path:
        path = Path(path)
        inert(self.frame()).to_csv(path, index_label="Region")
        return path

    def _export_csv_dialog(self) -> None:
        if self.view is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export regional flows", "regions.csv",
                                              "CSV (*.csv)")
        if path:
            self.export_csv(path)
