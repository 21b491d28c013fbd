"""Sortable table whose numeric cells are heat-coloured (green up, red down)."""
from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from gui import theme

SORT_ROLE = Qt.UserRole + 1


class _Item(QTableWidgetItem):
    """Sorts by the number stored under SORT_ROLE (NaN last), else by text."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if isinstance(a, float) and isinstance(b, float):
            return (math.isnan(a), a) < (math.isnan(b), b)
        return self.text() < other.text()


class HeatTable(QTableWidget):
    """Show a DataFrame: ``formats`` maps numeric columns to (format, scale, heat scale).

    Example: ``{"1d": ("{:+.2f}%", 100, 2.0)}`` shows 0.0123 as "+1.23%" and colours it at full
    strength from 2%.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSortingEnabled(True)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(False)

    def set_frame(self, frame, formats: Mapping[str, tuple[str, float, float]],
                  index_label: str = "Ticker") -> None:
        t = theme.current()
        self.setSortingEnabled(False)
        columns = [index_label, *frame.columns]
        self.clear()
        self.setColumnCount(len(columns))
        self.setRowCount(len(frame))
        self.setHorizontalHeaderLabels(columns)
        for r, (key, row) in enumerate(frame.iterrows()):
            self._set(r, 0, str(key), None)
            for c, name in enumerate(frame.columns, start=1):
                value = row[name]
                if name in formats:
                    fmt, scale, heat = formats[name]
                    number = float(value)
                    text = "n/a" if math.isnan(number) else fmt.format(number * scale)
                    item = self._set(r, c, text, number)
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                    item.setBackground(t.heat(number * scale, heat))
                    item.setForeground(QColor(t.text))
                else:
                    self._set(r, c, str(value), None)
        self.setSortingEnabled(True)
        self.setMinimumHeight(min(len(frame), 14) * self.verticalHeader().defaultSectionSize()
                              + self.horizontalHeader().height() + 4)

    def _set(self, row: int, col: int, text: str, number: float | None) -> QTableWidgetItem:
        item = _Item(text)
        if number is not None:
            item.setData(SORT_ROLE, number)
        self.setItem(row, col, item)
        return item

    def column_texts(self, column: int) -> list[str]:
        return [self.item(r, column).text() for r in range(self.rowCount())]
