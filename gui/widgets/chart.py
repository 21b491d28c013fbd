"""Shared time-series chart: trading-day axis (no weekend gaps), legend, crosshair with a value
readout, daily bars with a band, downsampling."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui import theme

# Tick steps from fine to coarse with their label format: one level of ticks is drawn, the
# finest whose labels fit, so labels never overlap or abbreviate each other. A step is the
# calendar unit ("D" day, "W" Monday-based week, "M" month, "Y" year) and how many of them.
DATE_STEPS = (("D", 1, "%b %d"), ("W", 1, "%b %d"), ("W", 2, "%b %d"), ("M", 1, "%b %Y"),
              ("M", 3, "%b %Y"), ("Y", 1, "%Y"), ("Y", 2, "%Y"), ("Y", 5, "%Y"), ("Y", 10, "%Y"))
LABEL_PIXELS = 80           # room one "Jan 2026" label needs, with a gap


def daily_from_cumulative(cumulative: pd.DataFrame) -> pd.DataFrame:
    """Each day's return from returns compounded since the window start (the inverse of the
    compounding; n/a on the window's first day, whose return is not in the window)."""
    wealth = 1.0 + cumulative
    return wealth / wealth.shift(1) - 1.0


def period_starts(dates: pd.DatetimeIndex, unit: str, count: int) -> np.ndarray:
    """Positions of the first trading day of each period of ``count`` ``unit``s, aligned to
    the calendar (weeks open on Monday, quarters in Jan/Apr/Jul/Oct); the first date counts
    only when it is the period's first calendar day."""
    days = dates.values.astype("datetime64[D]").astype(np.int64)
    if unit == "D":
        return np.arange(len(days))
    if unit == "W":
        group = (days + 3) // 7 // count           # 1970-01-01 was a Thursday
        opening = group * count * 7 - 3            # the Monday that opens the group
    else:
        size = count if unit == "M" else 12 * count
        group = dates.values.astype("datetime64[M]").astype(np.int64) // size
        opening = (group * size).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    starts = np.flatnonzero(np.diff(group) != 0) + 1
    if len(days) and days[0] == opening[0]:
        starts = np.concatenate([[0], starts])
    return starts


class TradingDayAxis(theme.GridAxis):
    """Bottom axis for a chart whose x is the trading-day number (0, 1, 2...: no gaps for
    weekends and holidays). Ticks mark the first trading day of each day, week, month,
    quarter or year, whichever is finest with labels that fit the axis."""

    def __init__(self, **kwargs) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self._format = "%b %d"
        self.dates = pd.DatetimeIndex([])
        self._starts: dict[tuple[str, int], np.ndarray] = {}

    def set_dates(self, dates: pd.DatetimeIndex) -> None:
        self.dates = dates
        self._starts = {(unit, count): period_starts(dates, unit, count)
                        for unit, count, _ in DATE_STEPS}
        self.picture = None                   # the same range may now carry other dates
        self.update()

    def tickValues(self, minVal, maxVal, size):
        n = len(self.dates)
        if not n or not (np.isfinite(minVal) and np.isfinite(maxVal)) or maxVal <= minVal:
            return []
        low, high = max(0, int(np.ceil(minVal))), min(n - 1, int(np.floor(maxVal)))
        if high < low:
            return []
        room = max(2, int(size // LABEL_PIXELS))
        positions = np.array([], dtype=np.int64)
        for unit, count, label_format in DATE_STEPS:
            starts = self._starts[(unit, count)]
            positions = starts[(starts >= low) & (starts <= high)]
            self._format = label_format
            if len(positions) <= room:
                break
        values = positions.astype(float)
        spacing = float(np.diff(values).min()) if len(values) > 1 else maxVal - minVal
        return [(spacing, values.tolist())]

    def tickStrings(self, values, scale, spacing):
        n = len(self.dates)
        return [self.dates[int(v)].strftime(self._format) if 0 <= int(v) < n else ""
                for v in values]


def style_plot(item: pg.PlotItem, y_label: str) -> pg.LegendItem:
    """The house style of a chart: grid, the y label as given (no SI prefixes), no buttons,
    and a two-column legend on a translucent background, which it returns."""
    item.showGrid(x=True, y=True, alpha=0.25)
    item.setLabel("left", y_label)
    item.getAxis("left").enableAutoSIPrefix(False)
    item.hideButtons()
    return item.addLegend(offset=(8, 8), colCount=2, labelTextSize="8pt",
                          brush=theme.legend_brush(theme.current()))


class TimeSeriesChart(QWidget):
    """A line chart of a DataFrame (dates x series) with units on the y axis, drawn on
    trading days (no weekend gaps), or daily bars with a band (``set_bars``).

    ``scale`` multiplies values for display (100 shows fractions as percent) and ``units`` labels
    the axis and the readout. The crosshair readout shows the date and every series' value
    (with each day's own value too when ``set_frame`` is given ``daily``).
    """

    def __init__(self, units: str = "%", scale: float = 100.0, decimals: int = 1,
                 y_label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.units, self.scale, self.decimals = units, scale, decimals
        self.readout = QLabel(" ")
        self.readout.setObjectName("muted")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.axis = TradingDayAxis()
        self.plot = theme.ThemedPlot(axisItems={"bottom": self.axis})
        item = self.plot.getPlotItem()
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        self.y_label = f"{y_label} ({units})" if y_label and units else (y_label or units)
        self.legend = style_plot(item, self.y_label)
        self.zero = pg.InfiniteLine(pos=0, angle=0, movable=False,
                                    pen=pg.mkPen(theme.current().muted, width=1))
        item.addItem(self.zero, ignoreBounds=True)
        pen = pg.mkPen(theme.current().muted, width=1, style=Qt.PenStyle.DashLine)
        self.vline = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        item.addItem(self.vline, ignoreBounds=True)
        self.vline.hide()
        self._dates = pd.DatetimeIndex([])
        self._x = np.array([])
        self._series: dict[str, np.ndarray] = {}
        self._daily: dict[str, np.ndarray] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._colours: dict[str, str] = {}
        self._emphasis: str | None = None
        self._markers: pg.ScatterPlotItem | None = None
        self._bars: list[pg.GraphicsObject] = []
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.readout)
        layout.addWidget(self.plot, 1)
        theme.manager().changed.connect(self.restyle)

    def _set_dates(self, index) -> None:
        self._dates = pd.DatetimeIndex(index)
        self._x = np.arange(len(self._dates), dtype=float)
        self.axis.set_dates(self._dates)

    def set_frame(self, frame, emphasis: str | None = None, daily=None) -> None:
        """Plot every column of ``frame``; ``emphasis`` (a column) is drawn thicker;
        ``daily``: each column's own daily value (same index and columns, before ``scale``)
        for the readout, beside the plotted (e.g. cumulative) value.

        With the same columns as before the existing curves are updated in place (fast path for
        refreshes and window changes); otherwise curves and legend are rebuilt.
        """
        self._clear_bars()
        names = [str(c) for c in frame.columns]
        self._set_dates(frame.index)
        self._ensure_curves(names, emphasis)
        self._series, self._daily = {}, {}
        for name, column in zip(names, frame.columns):
            y = frame[column].to_numpy(dtype=float) * self.scale
            self._series[name] = y
            if daily is not None and column in daily.columns:
                self._daily[name] = daily[column].reindex(frame.index).to_numpy(dtype=float) \
                    * self.scale
            # Missing values are left out (pyqtgraph's view-clipping and auto-range misbehave
            # on NaN); the readout still shows "n/a" for them.
            finite = np.isfinite(y)
            self._curves[name].setData(self._x[finite], y[finite])
        self._show_range()

    def _ensure_curves(self, names: list[str], emphasis: str | None) -> None:
        """One curve per name (``emphasis`` thicker) with its legend entry: kept when the
        chart has exactly those (a refresh or a window change updates them in place), else
        built anew."""
        for _ in self.curve_steps(names, emphasis):
            pass

    def curve_steps(self, names: list[str], emphasis: str | None = None) -> Iterator[None]:
        """``_ensure_curves`` one curve per part: a panel drawn in parts (``Panel.view_steps``)
        builds a chart's curves before ``set_frame`` without holding the window for all of
        them (a curve and its legend entry cost about 10 ms)."""
        if names == list(self._curves) and emphasis == self._emphasis:
            return
        self._clear_bars()
        self._drop_curves()
        self._emphasis = None                 # not complete until the last curve is built
        palette = theme.current().series
        item = self.plot.getPlotItem()
        for i, name in enumerate(names):
            colour = palette[i % len(palette)]
            width = 3 if name == emphasis else 1.6
            self._curves[name] = item.plot([], [], pen=pg.mkPen(colour, width=width), name=name)
            self._colours[name] = colour
            if i < len(names) - 1:
                yield
        self._emphasis = emphasis

    def set_bars(self, name: str, values, band=None, band_name: str = "") -> None:
        """Daily bars of ``values`` (a dated Series, before ``scale``), green up and red down,
        with the lines ±``band`` (a Series on the same dates, e.g. 2σ) named ``band_name``."""
        t = theme.current()
        self._drop_curves()
        self._clear_bars()
        self._set_dates(values.index)
        y = values.to_numpy(dtype=float) * self.scale
        finite = np.isfinite(y)
        item = self.plot.getPlotItem()
        bars = pg.BarGraphItem(x=self._x[finite], height=y[finite], width=0.8,
                               brushes=[pg.mkBrush(t.up if v >= 0 else t.down) for v in y[finite]],
                               pen=pg.mkPen(None))
        item.addItem(bars)
        self.legend.addItem(bars, name)
        self._bars = [bars]
        self._series, self._daily, self._colours = {name: y}, {}, {name: t.text}
        if band is not None:
            width = band.reindex(values.index).to_numpy(dtype=float) * self.scale
            known = np.isfinite(width)
            pen = pg.mkPen(t.accent, width=1.4, style=Qt.PenStyle.DashLine)
            for sign, label in ((1, f"+{band_name}"), (-1, f"−{band_name}")):
                line = item.plot(self._x[known], sign * width[known], pen=pen,
                                 name=band_name if sign > 0 else None)
                self._bars.append(line)
                self._series[label] = sign * width
                self._colours[label] = t.accent
        self._show_range()

    def bar_count(self) -> int:
        """How many bars are drawn (0 in line mode; for tests)."""
        return len(self._bars[0].opts["height"]) if self._bars else 0

    def _show_range(self) -> None:
        item = self.plot.getPlotItem()
        # The x range is set from the data, not auto-ranged: with clipToView a view that starts
        # at [0, 1] (e.g. a follower of linked charts) clips every point and never auto-ranges.
        if len(self._x):
            item.setXRange(self._x[0], self._x[-1], padding=0.01)
        item.enableAutoRange(axis="y")
        item.setAutoVisible(y=True)
        self.readout.setText(" ")

    def _drop_curves(self) -> None:
        item = self.plot.getPlotItem()
        for curve in self._curves.values():
            item.removeItem(curve)
        self.legend.clear()
        self._curves, self._colours = {}, {}

    def _clear_bars(self) -> None:
        item = self.plot.getPlotItem()
        for thing in self._bars:
            item.removeItem(thing)
        if self._bars:
            self.legend.clear()
        self._bars = []

    def link_x(self, other: TimeSeriesChart) -> None:
        """Pan and zoom the x axis together with ``other`` (stacked charts of the same dates:
        x is the trading-day number)."""
        self.plot.setXLink(other.plot)

    def restyle(self, chosen: theme.Theme) -> None:
        """After a theme change: drop the curves (the next ``set_frame`` draws them in the new
        series colours) and recolour the zero line."""
        self._drop_curves()
        self._clear_bars()
        self.zero.setPen(pg.mkPen(chosen.muted, width=1))

    def set_markers(self, name: str, points: pd.Series, colour: str) -> None:
        """Mark ``points`` (dates -> values in the frame's units, before ``scale``) with
        symbols named ``name`` in the legend; an empty series removes them."""
        item = self.plot.getPlotItem()
        if self._markers is not None:
            item.removeItem(self._markers)
            self.legend.removeItem(self._markers)
            self._markers = None
        position = self._dates.get_indexer(points.index)
        points = points[position >= 0]
        if points.empty:
            return
        self._markers = pg.ScatterPlotItem(
            position[position >= 0].astype(float), points.to_numpy(dtype=float) * self.scale,
            symbol="o", size=9, pen=pg.mkPen(colour, width=1.5), brush=pg.mkBrush(colour),
            name=name)
        item.addItem(self._markers)              # named: the plot adds it to the legend

    def marker_count(self) -> int:
        return 0 if self._markers is None else len(self._markers.data)

    def series_names(self) -> list[str]:
        return list(self._series)

    def dates(self) -> pd.DatetimeIndex:
        """The trading days on the x axis (x = position in this index)."""
        return self._dates

    def _on_mouse(self, pos) -> None:
        if not len(self._x) or not self.plot.sceneBoundingRect().contains(pos):
            return
        x = self.plot.getPlotItem().vb.mapSceneToView(pos).x()
        i = int(np.clip(round(x), 0, len(self._x) - 1))
        self.vline.setPos(self._x[i])
        self.vline.show()
        self.readout.setText(self.readout_text(i))

    def readout_text(self, i: int) -> str:
        """Rich text for row ``i``: the date, then each series' value with units, and the
        day's own value where ``set_frame`` was given it."""
        parts = [f"<b>{self._dates[i]:%a %Y-%m-%d}</b>"]
        for name, y in self._series.items():
            value = "n/a" if np.isnan(y[i]) else f"{y[i]:+.{self.decimals}f}{self.units}"
            if name in self._daily:
                day = self._daily[name][i]
                value += " (day n/a)" if np.isnan(day) else \
                    f" (day {day:+.{max(self.decimals, 2)}f}{self.units})"
            parts.append(f"<span style='color:{self._colours[name]}'>{name}</span> {value}")
        return "&nbsp;&nbsp;".join(parts)
