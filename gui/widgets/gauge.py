"""A custom-painted 0-100 gauge with bands (uncrowded / neutral / crowded) and a needle."""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui import theme
from gui.widgets.sparkline import SPARK_SIZE, paint_spark

BANDS = ((0.0, 16.0, "up"), (16.0, 84.0, "muted"), (84.0, 100.0, "down"))


class Gauge(QWidget):
    """Shows ``value`` (0-100) on a half-circle; the green band is uncrowded (<= 16), the red
    band crowded (>= 84). ``details`` is shown as the tooltip; a click emits ``clicked``.
    Under the number: the band word with the change since the previous session, and the
    sparkline of the last sessions' scores."""

    clicked = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.value = float("nan")
        self.caption = ""
        self.trail: list[float] = []
        self.setMinimumSize(110, 132)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_value(self, value: float, caption: str = "", details: str = "",
                  trail=()) -> None:
        self.value = value
        self.caption = caption
        self.trail = [float(v) for v in trail]
        self.setToolTip(details)
        self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.clicked.emit(self.name)
        super().mouseReleaseEvent(event)

    def layout_boxes(self) -> dict:
        """Where things are drawn: the arc's centre and radius, the needle's tip (None for
        n/a) and the rectangles of the number, the band word and the sparkline. The number
        sits below the needle's pivot, where the needle (which sweeps the upper half only)
        never covers it."""
        w, h = self.width(), self.height()
        radius = max(10.0, min(w / 2 - 10, h - 94))
        centre = QPointF(w / 2, 22 + radius)
        thickness = max(6.0, radius / 6)
        tip = None
        if math.isfinite(self.value):
            angle = math.radians(180.0 - 180.0 * max(0.0, min(self.value, 100.0)) / 100)
            tip = QPointF(centre.x() + (radius - thickness) * math.cos(angle),
                          centre.y() - (radius - thickness) * math.sin(angle))
        return {"centre": centre, "radius": radius, "thickness": thickness, "tip": tip,
                "number": QRectF(0, centre.y() + 4, w, 26),
                "caption": QRectF(0, centre.y() + 30, w, 18),
                "spark": QRectF((w - SPARK_SIZE.width()) / 2, centre.y() + 50,
                                SPARK_SIZE.width(), SPARK_SIZE.height())}

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        t = theme.current()
        g = self.layout_boxes()
        centre, radius, thickness = g["centre"], g["radius"], g["thickness"]
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        arc = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
        colours = {"up": t.up, "muted": t.grid, "down": t.down}
        for low, high, colour in BANDS:
            pen = QPen(QColor(colours[colour]), thickness, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            start = 180.0 - 180.0 * low / 100
            painter.drawArc(arc, int(start * 16), int(-180.0 * (high - low) / 100 * 16))
        font = QFont()
        font.setPointSize(9)
        painter.setFont(font)
        painter.setPen(QColor(t.text))
        painter.drawText(QRectF(0, 0, self.width(), 20), Qt.AlignmentFlag.AlignCenter, self.name)
        if g["tip"] is not None:
            painter.setPen(QPen(QColor(t.text), 2.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLine(centre, g["tip"])
        big = QFont()
        big.setPointSize(14)
        big.setBold(True)
        painter.setFont(big)
        painter.setPen(QColor(t.text))
        painter.drawText(g["number"], Qt.AlignmentFlag.AlignCenter,
                         f"{self.value:.0f}" if g["tip"] is not None else "n/a")
        painter.setFont(font)
        painter.setPen(QColor(t.muted))
        painter.drawText(g["caption"], Qt.AlignmentFlag.AlignCenter, self.caption)
        paint_spark(painter, g["spark"].toRect(), self.trail, colour=t.text)
        painter.end()
