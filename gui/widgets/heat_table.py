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
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHeaderView,
    QMenu,
    QMessageBox,
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
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(False)

    def set_frame(self, frame, formats: Mapping[str, Fmt], index_label: str = "Ticker",
                  headers: Mapping[str, str] | None = None) -> None:
        t = theme.current()
        self.setSortingEnabled(False)
        headers = headers or {}
        columns = [index_label, *(headers.get(c, c) for c in frame.columns)]
        self.clear()
        self.setColumnCount(len(columns))
        self.setRowCount(len(frame))
        self.setHorizontalHeaderLabels(columns)
        for r, (key, row) in enumerate(frame.iterrows()):
            self._set(r, 0, str(key), None)
            for c, name in enumerate(frame.columns, start=1):
                value = row[name]
                if name in formats:
                    fmt = formats[name]
                    number = float(value)
                    text = formatting.NA if formatting.missing(number) else \
                        fmt.text.format(number * fmt.scale)
                    item = self._set(r, c, text, number)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    offset = number * fmt.scale - fmt.center
                    item.setBackground(t.heat(-offset if fmt.invert else offset, fmt.heat))
                    item.setForeground(QColor(t.text))
                else:
                    self._set(r, c, str(value), None)
        self.setSortingEnabled(True)
        self.setMinimumHeight(min(len(frame), MIN_VISIBLE_ROWS)
                              * self.verticalHeader().defaultSectionSize()
                              + self.horizontalHeader().height() + 4)

    def wrap_column(self, column: int, width: int) -> None:
        """Give ``column`` a fixed ``width`` and let its text wrap (rows grow instead of the
        table growing sideways)."""
        self.setWordWrap(True)
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

    def _set(self, row: int, col: int, text: str, number: float | None) -> QTableWidgetItem:
        item = _Item(text)
        if number is not None:
            item.setData(SORT_ROLE, number)
        self.setItem(row, col, item)
        return item

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
            lines.append("\t".join(inert_text(item.text() if item is not None else "")
                                   for item in items))
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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+\-−]?\$?[\d.,]+(?:e[+-]?\d+)?\s*(?:%|σ|x|bn|m|k)?$")
MIN_VISIBLE_ROWS = 3           # a table shrinks to this many rows, then scrolls


def inert_text(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers shown
    with a sign ("+1.23%", "-0.5") are data, not formulas, and stay as they are."""
    if text.startswith(FORMULA_START) and not NUMBER.match(text):
        return f"'{text}"
    return text
