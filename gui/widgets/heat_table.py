"""Sortable table whose numeric cells are heat-coloured (green up, red down); Ctrl+C and a
right-click menu copy it (tab-separated, optionally with headers) or export it as CSV."""
from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHeaderView,
    QMenu,
    QMessageBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from analytics import formatting
from gui import theme
from gui.widgets.grid import cell_text

SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class _Item(QTableWidgetItem):
    """Sorts by the number stored under SORT_ROLE (NaN last), else by text."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if isinstance(a, float) and isinstance(b, float):
            return (math.isnan(a), a) < (math.isnan(b), b)
        return self.text() < other.text()


class Fmt(NamedTuple):
    """How a numeric column is shown: ``text.format(value * scale)``, coloured green above
    ``center`` and red below (swapped with ``invert``), at full strength ``heat`` away from it
    (0: no colour)."""

    text: str
    scale: float = 1.0
    heat: float = 0.0
    center: float = 0.0
    invert: bool = False


class OutlineDelegate(QStyledItemDelegate):
    """Paints a selected row as it is, heat colour and all, with an outline around the row
    (a selection fill would hide the colours that carry the meaning)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        plain = QStyleOptionViewItem(option)
        plain.state &= ~QStyle.StateFlag.State_Selected
        if not selected:
            super().paint(painter, plain, index)
            return
        # The view has already filled the selected row's cells with the highlight colour
        # (PE_PanelItemViewRow); cells without a heat colour get their plain base back.
        painter.fillRect(option.rect, option.palette.base())
        super().paint(painter, plain, index)
        painter.save()
        painter.setPen(QPen(QColor(theme.current().accent), 2))
        rect = option.rect.adjusted(0, 1, 0, -1)
        painter.drawLine(rect.topLeft(), rect.topRight())
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        if index.column() == 0:
            painter.drawLine(rect.topLeft(), rect.bottomLeft())
        if index.column() == index.model().columnCount() - 1:
            painter.drawLine(rect.topRight(), rect.bottomRight())
        painter.restore()


class HeatTable(QTableWidget):
    """Show a DataFrame; ``formats`` maps numeric columns to a ``Fmt``.

    Example: ``{"1d": Fmt("{:+.2f}%", 100, 2.0)}`` shows 0.0123 as "+1.23%", coloured at full
    strength from 2%. Numeric columns sort by value, not text.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSortingEnabled(True)
        self.verticalHeader().setVisible(False)
        self.setItemDelegate(OutlineDelegate(self))
        # Columns are sized to their contents once per fill (``set_frame``), not by the header
        # at every resize of the table: that re-measured every cell of every column each
        # time the window's layout moved (tens of ms a table on the first refresh).
        self.horizontalHeader().setStretchLastSection(False)
        self.drop_order: list[str] = []     # headers to hide, first first, when too narrow
        self.wrapped = False                # a column wraps its text (``wrap_column``)

    def set_drop_order(self, headers: list[str]) -> None:
        """When the table is narrower than its columns, hide these (in this order) rather
        than scroll sideways; they come back when it widens (their data is still copied)."""
        self.drop_order = list(headers)
        self.fit_columns()

    def hidden_columns(self) -> list[str]:
        return [self._header(c) for c in range(self.columnCount()) if self.isColumnHidden(c)]

    def _header(self, column: int) -> str:
        item = self.horizontalHeaderItem(column)
        return "" if item is None else item.text().replace("\n", " ")

    def fit_columns(self) -> None:
        """Show every column that fits the viewport's width, hiding ``drop_order`` ones: the
        widths are read in one pass with every column shown, then the dropped ones hidden
        (only those that were hidden are shown again first)."""
        if not self.drop_order:
            return
        columns = {self._header(c): c for c in range(self.columnCount())}
        hidden = [c for c in columns.values() if self.isColumnHidden(c)]
        for column in hidden:
            self.setColumnHidden(column, False)
        header = self.horizontalHeader()
        widths = {name: header.sectionSize(c) for name, c in columns.items()}
        room = self.viewport().width()
        need = sum(widths.values())
        dropped = []
        for name in self.drop_order:
            if need <= room or name not in columns:
                continue
            need -= widths[name]
            self.setColumnHidden(columns[name], True)
            dropped.append(name)
        if self.wrapped and hidden != [columns[name] for name in dropped]:
            self.resizeRowsToContents()
        self.setStatusTip(f"Hidden for width: {', '.join(dropped)} (widen the panel to see "
                          "them; Copy and Export CSV include them)" if dropped else "")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.fit_columns()

    def set_frame(self, frame, formats: Mapping[str, Fmt], index_label: str = "Ticker",
                  headers: Mapping[str, str] | None = None) -> None:
        t = theme.current()
        self.setSortingEnabled(False)
        headers = headers or {}
        columns = [index_label, *(headers.get(c, c) for c in frame.columns)]
        self.clear()
        # Emptied first, headers and their tips set while it is empty, then filled: replacing
        # the items of a filled table changes each cell twice.
        self.setRowCount(0)
        self.setColumnCount(len(columns))
        self.setHorizontalHeaderLabels(columns)
        for column, text in enumerate(columns):
            header = self.horizontalHeaderItem(column)
            if header is not None:
                header.setToolTip(COLUMN_TIPS.get(text.replace("\n", " "),
                                                  f"{text}; click to sort"))
        self.setRowCount(len(frame))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        text_colour = QColor(t.text)
        for r, key in enumerate(frame.index):
            self.setItem(r, 0, _Item(str(key)))
        for c, name in enumerate(frame.columns, start=1):
            values = frame[name].tolist()
            if name not in formats:
                for r, value in enumerate(values):
                    self.setItem(r, c, _Item(str(value)))
                continue
            fmt = formats[name]
            for r, value in enumerate(values):
                number = float(value)
                item = _Item(formatting.NA if formatting.missing(number) else
                             fmt.text.format(number * fmt.scale))
                item.setData(SORT_ROLE, number)
                item.setTextAlignment(right)
                offset = number * fmt.scale - fmt.center
                item.setBackground(t.heat(-offset if fmt.invert else offset, fmt.heat))
                item.setForeground(text_colour)
                # Complete before it is set: each change to an item already in the table is
                # a change of the model, with its own repaint and (wrapped) re-measure.
                self.setItem(r, c, item)
        self.setSortingEnabled(True)
        sections = self.horizontalHeader()
        for column in range(self.columnCount()):
            self.setColumnHidden(column, False)          # fit_columns decides again
            if sections.sectionResizeMode(column) != QHeaderView.ResizeMode.Fixed:
                self.resizeColumnToContents(column)
        self.fit_columns()
        if self.wrapped:
            self.resizeRowsToContents()
        self.setMinimumHeight(min(len(frame), MIN_VISIBLE_ROWS)
                              * self.verticalHeader().defaultSectionSize()
                              + self.horizontalHeader().height() + 4)

    def wrap_column(self, column: int, width: int) -> None:
        """Give ``column`` a fixed ``width`` and let its text wrap (rows grow instead of the
        table growing sideways)."""
        self.setWordWrap(True)
        self.wrapped = True
        self.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(column, width)
        self.resizeRowsToContents()

    def unshade_rows(self, rows) -> None:
        """Plain background for ``rows`` (e.g. too few observations for a colour to mean
        anything)."""
        base = QColor(theme.current().base)
        for row in rows:
            for col in range(self.columnCount()):
                item = self.item(row, col)
                if item is not None:
                    item.setBackground(base)

    def column_texts(self, column: int) -> list[str]:
        return [cell_text(self, r, column) for r in range(self.rowCount())]

    def table_text(self, headers: bool = True, selected_only: bool = False) -> str:
        """The table as shown, tab-separated (the selected rows, or all), with the header row
        when ``headers``; text a spreadsheet would run as a formula is made inert."""
        rows = sorted({i.row() for i in self.selectedIndexes()}) if selected_only else []
        rows = rows or list(range(self.rowCount()))
        lines = []
        if headers:
            items = [self.horizontalHeaderItem(c) for c in range(self.columnCount())]
            lines.append("\t".join(inert_text(item.text().replace("\n", " ")
                                              if item is not None else "") for item in items))
        lines += ["\t".join(inert_text(cell_text(self, r, c)) for c in range(self.columnCount()))
                  for r in rows]
        return "\n".join(lines) + "\n"

    def copy(self, headers: bool = False) -> str:
        """Copy the selected rows (all when none is) to the clipboard; returns the text."""
        text = self.table_text(headers=headers, selected_only=True)
        QApplication.clipboard().setText(text)
        return text

    def export_csv(self, path: str | Path) -> Path:
        """Every row as shown, comma-separated with the header row."""
        path = Path(path)
        rows = [line.split("\t") for line in self.table_text().splitlines()]
        with path.open("w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows(rows)
        return path

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt API
        menu = QMenu(self)
        menu.addAction("Copy", lambda: self.copy(headers=False))
        menu.addAction("Copy with headers", lambda: self.copy(headers=True))
        menu.addAction("Export CSV…", self._export_dialog)
        menu.exec(event.globalPos())

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export table", "table.csv", "CSV (*.csv)")
        if path:
            try:
                self.export_csv(path)
            except OSError as exc:
                QMessageBox.warning(self, "Export CSV", f"{path}: {exc}")


# One sentence per column header shown anywhere: what it measures, its window and its units.
COLUMN_TIPS = {
    "1d": "Return over the last session, in % (local currency for regions)",
    "1w": "Compounded return over the last 5 sessions, in %",
    "1m": "Compounded return over the last 21 sessions, in %",
    "YTD": "Compounded return since the last close of the previous year, in %",
    "1d $": "The last session's return in USD, in %", "1w $": "Last 5 sessions in USD, in %",
    "1m $": "Last 21 sessions in USD, in %", "YTD $": "Year to date in USD, in %",
    "1d σ": "Today's return over its trailing 63-day standard deviation known at t-1",
    "1d vs history": "The last earlier day with a lower (higher) return than today's",
    "1w $ vs history": "The last earlier 5-session stretch in USD worse (better) than this one",
    "Crowding 0-100": "The theme's 0-100 crowding gauge (>= 84 crowded)",
    "Kind": "Theme basket (equal-weighted members) or long/short pair",
    "Level": "The index level at the last close, in local currency",
    "Flows 1w $m": "Implied ETF creations over 5 sessions: change in shares x price, $m",
    "Flows 1m $m": "Implied ETF creations over 21 sessions, $m",
    "Flows YTD $m": "Implied ETF creations year to date, $m",
    "Name": "What the ticker tracks", "Ticker": "The ticker", "Fund": "The leveraged fund",
    "Basket": "The theme basket or pair", "Region": "The region (hover a row: its index, ETF)",
    "Event": "The event day", "Horizon": "Sessions after the event",
    "Underlying": "The index or stock the leveraged funds track",
    "L": "The fund's stated daily leverage (x)",
    "L^": "Leverage implied by the last 60 days' returns against the underlying (x)",
    "Check": "Flagged when the implied leverage differs from the stated one by over 0.2x",
    "AUM $bn": "Fund assets at the previous close, $bn",
    "Underlying 1d": "The underlying's return today (or the what-if), in %",
    "Rebalance $m": "Estimated rebalancing into today's close, A·L·(L−1)·r, $m (- = selling)",
    "LETF gamma $m per 1%": "The funds' rebalancing per 1% move of the underlying, $m",
    "Funds": "How many leveraged funds track it",
    "% of ADV": "Rebalancing over the 21-day average dollar volume it trades against, in %",
    "ADV of": "Whose dollar volume: the stocks behind the underlying, or its own",
    "Events": "Days at or beyond the σ threshold, clustered (63 days count once)",
    "Mean": "Average return over the horizon after an event, in %",
    "Median": "Median return over the horizon after an event, in %",
    "Hit rate": "Share of events followed by a positive return over the horizon, in %",
    "Other days mean": "Average return over the same horizon after every other day, in %",
    "Welch t vs other days": "Welch's t of event returns against other days' (unequal variances)",
    "Bootstrap p": "Share of 5,000 draws of as many other days with a mean at least as extreme",
    "Bear market (n, mean)": "Events with the benchmark below its level 504 days earlier",
    "Bull market (n, mean)": "Events with the benchmark above its level 504 days earlier",
    "Move": "The event day's return, in %", "σ": "The event day's move in σ",
    "Next 21 days": "Compounded return over the 21 sessions after the event, in %",
    "Leg": "Long (top decile of 12-1 momentum) or short (bottom decile)",
    "Sector": "GICS sector", "Weight": "Weight in its leg: 1/n, equal-weighted, in %",
    "Return 1d": "The member's return today, in %",
    "Contribution (bp)": "Weight x return, in basis points; a leg's rows sum to its return",
    "12-1 rank": "Rank by 12-1 momentum among the names ranked today (1 = strongest)",
    "Share of gross": "|The fund's rebalancing| over the sum of every fund's |rebalancing|, in %",
    "Strike": "The option strike", "From spot": "Strike / spot - 1, in %",
    "Calls $m per 1%": "Dealer gamma of the strike's calls (dealers long), $m per 1% move",
    "Puts $m per 1%": "Dealer gamma of the strike's puts (dealers short), $m per 1% move",
    "Net $m per 1%": "Calls + puts: the strike's dealer gamma, $m of hedging per 1% move",
    "Share of |GEX|": "|The strike's net| over the sum of |net| of every strike, in %",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+\-−]?\$?[\d.,]+(?:e[+-]?\d+)?\s*(?:%|σ|x|bn|m|k)?$")
MIN_VISIBLE_ROWS = 3           # a table shrinks to this many rows, then scrolls


def inert_text(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers shown
    with a sign ("+1.23%", "-0.5") are data, not formulas, and stay as they are."""
    if text.startswith(FORMULA_START) and not NUMBER.match(text):
        return f"'{text}"
    return text
