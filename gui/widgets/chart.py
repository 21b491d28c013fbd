"""Shared time-series chart: date axis, legend, crosshair with a value readout, downsampling."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui import theme


def _seconds(index) -> np.ndarray:
    """Dates as UTC epoch seconds (the date axis shows them with utcOffset=0)."""
    return index.as_unit("s").asi8.astype(float)


# Tick steps from fine to coarse with their label format: one level of ticks is drawn, the
# finest whose labels fit, so labels never overlap or abbreviate each other.
DATE_STEPS = (("D", "%b %d"), ("W-MON", "%b %d"), ("2W-MON", "%b %d"), ("MS", "%b %Y"),
              ("QS-JAN", "%b %Y"), ("YS", "%Y"), ("2YS", "%Y"), ("5YS", "%Y"), ("10YS", "%Y"))
LABEL_PIXELS = 80           # room one "Jan 2026" label needs, with a gap


class DateAxis(pg.AxisItem):
    """Bottom axis for dates held as UTC epoch seconds: one level of ticks (days, weeks,
    months, quarters or years, whichever is finest with labels that fit the axis)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self._format = "%b %d"

    def tickValues(self, minVal, maxVal, size):
        if not (np.isfinite(minVal) and np.isfinite(maxVal)) or maxVal <= minVal:
            return []
        start = pd.Timestamp(int(minVal), unit="s").ceil("D")
        end = pd.Timestamp(int(maxVal), unit="s")
        room = max(2, int(size // LABEL_PIXELS))
        for step, label_format in DATE_STEPS:
            ticks = pd.date_range(start, end, freq=step)
            self._format = label_format
            if len(ticks) <= room:
                break
        values = ticks.as_unit("s").asi8.astype(float)
        spacing = float(np.diff(values).min()) if len(values) > 1 else maxVal - minVal
        return [(spacing, values.tolist())]

    def tickStrings(self, values, scale, spacing):
        return [pd.Timestamp(int(v), unit="s").strftime(self._format) for v in values]


class TimeSeriesChart(QWidget):
    """A line chart of a DataFrame (dates x series) with units on the y axis.

    ``scale`` multiplies values for display (100 shows fractions as percent) and ``units`` labels
    the axis and the readout. The crosshair readout shows the date and every series' value.
    """

    def __init__(self, units: str = "%", scale: float = 100.0, decimals: int = 1,
                 y_label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.units, self.scale, self.decimals = units, scale, decimals
        self.readout = QLabel(" ")
        self.readout.setObjectName("muted")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.plot = theme.ThemedPlot(axisItems={"bottom": DateAxis()})
        item = self.plot.getPlotItem()
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        item.showGrid(x=True, y=True, alpha=0.25)
        label = f"{y_label} ({units})" if y_label and units else (y_label or units)
        item.setLabel("left", label)
        item.getAxis("left").enableAutoSIPrefix(False)
        item.hideButtons()
        background = pg.mkColor(theme.current().base)
        background.setAlpha(200)
        self.legend = item.addLegend(offset=(8, 8), colCount=2, labelTextSize="8pt",
                                     brush=pg.mkBrush(background))
        self.zero = pg.InfiniteLine(pos=0, angle=0, movable=False,
                                    pen=pg.mkPen(theme.current().muted, width=1))
        item.addItem(self.zero, ignoreBounds=True)
        pen = pg.mkPen(theme.current().muted, width=1, style=Qt.PenStyle.DashLine)
        self.vline = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        item.addItem(self.vline, ignoreBounds=True)
        self.vline.hide()
        self._x = np.array([])
        self._series: dict[str, np.ndarray] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._colours: dict[str, str] = {}
        self._emphasis: str | None = None
        self._markers: pg.ScatterPlotItem | None = None
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.readout)
        layout.addWidget(self.plot, 1)
        theme.manager().changed.connect(self.restyle)

    def set_frame(self, frame, emphasis: str | None = None) -> None:
        """Plot every column of ``frame``; ``emphasis`` (a column) is drawn thicker.

        With the same columns as before the existing curves are updated in place (fast path for
        refreshes and window changes); otherwise curves and legend are rebuilt.
        """
        names = [str(c) for c in frame.columns]
        self._x = _seconds(frame.index)
        palette = theme.current().series
        rebuild = names != list(self._curves) or emphasis != self._emphasis
        item = self.plot.getPlotItem()
        if rebuild:
            for curve in self._curves.values():
                item.removeItem(curve)
            self.legend.clear()
            self._curves, self._colours = {}, {}
        self._series = {}
        for i, (name, column) in enumerate(zip(names, frame.columns)):
            y = frame[column].to_numpy(dtype=float) * self.scale
            self._series[name] = y
            # Missing values are left out (pyqtgraph's view-clipping and auto-range misbehave
            # on NaN); the readout still shows "n/a" for them.
            finite = np.isfinite(y)
            x_shown, y_shown = self._x[finite], y[finite]
            if rebuild:
                colour = palette[i % len(palette)]
                width = 3 if name == emphasis else 1.6
                self._curves[name] = item.plot(x_shown, y_shown, pen=pg.mkPen(colour, width=width),
                                               name=name)
                self._colours[name] = colour
            else:
                self._curves[name].setData(x_shown, y_shown)
        self._emphasis = emphasis
        # The x range is set from the data, not auto-ranged: with clipToView a view that starts
        # at [0, 1] (e.g. a follower of linked charts) clips every point and never auto-ranges.
        if len(self._x):
            item.setXRange(self._x[0], self._x[-1], padding=0.01)
        item.enableAutoRange(axis="y")
        item.setAutoVisible(y=True)
        self.readout.setText(" ")

    def link_x(self, other: TimeSeriesChart) -> None:
        """Pan and zoom the x axis together with ``other`` (stacked charts)."""
        self.plot.setXLink(other.plot)

    def restyle(self, chosen: theme.Theme) -> None:
        """After a theme change: drop the curves (the next ``set_frame`` draws them in the new
        series colours) and recolour the zero line."""
        item = self.plot.getPlotItem()
        for curve in self._curves.values():
            item.removeItem(curve)
        self.legend.clear()
        self._curves = {}
        self.zero.setPen(pg.mkPen(chosen.muted, width=1))

    def set_markers(self, name: str, points: pd.Series, colour: str) -> None:
        """Mark ``points`` (dates -> values in the frame's units, before ``scale``) with
        symbols named ``name`` in the legend; an empty series removes them."""
        item = self.plot.getPlotItem()
        if self._markers is not None:
            item.removeItem(self._markers)
            self.legend.removeItem(self._markers)
            self._markers = None
        if points.empty:
            return
        self._markers = pg.ScatterPlotItem(
            _seconds(points.index), points.to_numpy(dtype=float) * self.scale, symbol="o",
            size=9, pen=pg.mkPen(colour, width=1.5), brush=pg.mkBrush(colour), name=name)
        item.addItem(self._markers)              # named: the plot adds it to the legend

    def marker_count(self) -> int:
        return 0 if self._markers is None else len(self._markers.data)

    def series_names(self) -> list[str]:
        return list(self._series)

    def _on_mouse(self, pos) -> None:
        if not len(self._x) or not self.plot.sceneBoundingRect().contains(pos):
            return
        x = self.plot.getPlotItem().vb.mapSceneToView(pos).x()
        i = int(np.clip(np.searchsorted(self._x, x), 0, len(self._x) - 1))
        self.vline.setPos(self._x[i])
        self.vline.show()
        self.readout.setText(self.readout_text(i))

    def readout_text(self, i: int) -> str:
        """Rich text for row ``i``: the date, then each series' value with units."""
        date = np.datetime64(int(self._x[i]), "s").astype("datetime64[D]")
        parts = [f"<b>{date}</b>"]
        for name, y in self._series.items():
            value = "n/a" if np.isnan(y[i]) else f"{y[i]:+.{self.decimals}f}{self.units}"
            parts.append(f"<span style='color:{self._colours[name]}'>{name}</span> {value}")
        return "&nbsp;&nbsp;".join(parts)
