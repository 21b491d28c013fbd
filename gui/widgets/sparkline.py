"""Sparklines: the last few weeks of a figure in the space of a word, in a table cell
(``SparkDelegate``) or beside a headline (``Sparkline``). Lines for levels, bars for daily
returns; the last point is marked, and a zero line is drawn when the range crosses zero."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

from gui import theme

SPARK_ROLE = Qt.ItemDataRole.UserRole + 2      # a cell's values (list of floats, oldest first)
SPARK_SIZE = QSize(84, 22)


def paint_spark(painter: QPainter, rect: QRect, values: Sequence[float], bars: bool = False,
                colour: str | None = None) -> None:
    """Draw ``values`` (NaN = gap) into ``rect``: a line, or bars around zero with ``bars``."""
    y = np.asarray(values, dtype=float)
    finite = np.isfinite(y)
    if len(y) < 2 or not finite.any():
        return
    t = theme.current()
    area = QRectF(rect).adjusted(2, 3, -4, -3)
    low, high = float(np.nanmin(y)), float(np.nanmax(y))
    if bars or low < 0 < high:
        low, high = min(low, 0.0), max(high, 0.0)
    span = (high - low) or 1.0
    step = area.width() / (len(y) - 1 if not bars else len(y))

    def to_y(value: float) -> float:
        return area.bottom() - (value - low) / span * area.height()

    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if low < 0 < high or bars:
        painter.setPen(QPen(QColor(t.muted), 1, Qt.PenStyle.DotLine))
        painter.drawLine(QPointF(area.left(), to_y(0.0)), QPointF(area.right(), to_y(0.0)))
    if bars:
        painter.setPen(Qt.PenStyle.NoPen)
        for bar in np.flatnonzero(finite).tolist():
            painter.setBrush(QColor(t.up if y[bar] >= 0 else t.down))
            top, base = sorted((to_y(y[bar]), to_y(0.0)))
            painter.drawRect(QRectF(area.left() + bar * step + 0.5, top, max(step - 1.0, 1.0),
                                    max(base - top, 1.0)))
    else:
        painter.setPen(QPen(QColor(colour or t.text), 1.5))
        run: list[QPointF] = []
        for i, value in enumerate(y):
            if finite[i]:
                run.append(QPointF(area.left() + i * step, to_y(value)))
            elif run:
                painter.drawPolyline(QPolygonF(run))
                run = []
        if run:
            painter.drawPolyline(QPolygonF(run))
        end = int(np.flatnonzero(finite)[-1])
        painter.setBrush(QColor(t.accent))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QPointF(area.left() + end * step, to_y(y[end])), 2.2, 2.2)
    painter.restore()


class SparkDelegate(QStyledItemDelegate):
    """Paints the values stored under ``SPARK_ROLE`` as a sparkline (the cell's text, if any,
    is not drawn; its tooltip carries the numbers)."""

    def __init__(self, parent=None, bars: bool = False) -> None:
        super().__init__(parent)
        self.bars = bars

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        values = index.data(SPARK_ROLE)
        if not values:
            super().paint(painter, option, index)
            return
        paint_spark(painter, option.rect, values, self.bars, option.palette.text().color().name())

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        return SPARK_SIZE


class Sparkline(QWidget):
    """A headline's sparkline: ``set_values`` (oldest first); ``bars`` for daily returns."""

    def __init__(self, bars: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = bars
        self.values: list[float] = []
        self.setFixedSize(SPARK_SIZE)

    def set_values(self, values: Sequence[float], tip: str = "") -> None:
        self.values = [float(v) for v in values]
        self.setToolTip(tip)
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        paint_spark(painter, self.rect(), self.values, self.bars,
                    self.palette().windowText().color().name())
        painter.end()
