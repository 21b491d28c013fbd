"""Intraday session: today's momentum L/S, its legs, high beta, the benchmark and the AI pair
through the session from 5-minute bars, yesterday's close as zero, with the ±2σ·√t band
(docs/methods.md, "Intraday mode")."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from analytics import formatting as fmt
from analytics.intraday import BAND_SIGMA, IntradayView
from analytics.session import NEW_YORK
from gui import theme
from gui.panels.base import Panel, headline_label, note_label
from gui.widgets.chart import style_plot

SESSION_MINUTES = 390
EMPHASIS = "Momentum L/S"


class SessionAxis(theme.GridAxis):
    """x = minutes since the 9:30 open, labelled in New York time on the half hours."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph API
        shown = [m for m in range(0, SESSION_MINUTES + 1, 30) if minVal - 1 <= m <= maxVal + 1]
        hours = [float(m) for m in shown if m % 60 == 30]            # 10:00, 11:00, ...
        halves = [float(m) for m in shown if m % 60 == 0]            # 9:30, 10:30, ...
        return [(60.0, hours), (30.0, halves)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        out = []
        for value in values:
            minutes = 9 * 60 + 30 + int(round(value))
            out.append(f"{minutes // 60}:{minutes % 60:02d}")
        return out


class IntradayPanel(Panel[IntradayView]):
    panel_id = "intraday"
    title = "Intraday session"
    description = ("Today's factor path from 5-minute bars (baskets formed on yesterday's "
                   "close), with the ±2σ·√t band of the daily σ.")
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    view_field = "intraday"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = headline_label("Intraday session: waiting for data", bigger=2)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.detail = note_label("")
        self.plot = theme.ThemedPlot(axisItems={"bottom": SessionAxis(orientation="bottom")})
        item = self.plot.getPlotItem()
        self.legend = style_plot(item, "return since yesterday's close (%)")
        item.setLabel("bottom", "New York time (ET)")
        item.setMouseEnabled(x=False, y=True)
        item.setXRange(0, SESSION_MINUTES, padding=0.01)
        self.live: tuple = ()          # (snapshot, view) of the live feed's last bars
        self.items: list[pg.GraphicsObject] = []
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.band_top, self.band_bottom = pg.PlotDataItem(), pg.PlotDataItem()
        self._built: tuple = ()        # (series, σ, theme) the items on screen were made for
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        layout.addWidget(self.plot, 1)

    def _clear(self) -> None:
        item = self.plot.getPlotItem()
        for thing in self.items:
            item.removeItem(thing)
        self.items, self.curves = [], {}
        self._built = ()
        self.legend.clear()

    @property
    def view(self) -> IntradayView | None:
        """The live feed's latest path for the snapshot on screen, else the snapshot's own."""
        if self.live and self.live[0] is self.snapshot:
            return self.live[1]
        return super().view

    def show_live(self, view: IntradayView) -> None:
        """Bars from the live feed for the snapshot on screen: kept for later redraws."""
        self.live = (self.snapshot, view)
        self.show_view(view)

    def show_missing(self) -> None:
        self._clear()
        snapshot = self.shown
        if snapshot.as_of_time is not None:
            self.headline.setText(f"Intraday session {snapshot.as_of_words()}: waiting for "
                                  "5-minute bars")
            self.detail.setText("Today's bars are downloaded every 5 minutes while this panel "
                                "is shown and the market is open (the status bar says when).")
            return
        self.headline.setText(f"Intraday session: none on {snapshot.as_of:%Y-%m-%d}")
        self.detail.setText(
            f"No intraday path: the data's last row is the {snapshot.as_of:%Y-%m-%d} close (a "
            "replay, --as-of, always is) and no 5-minute bars came with it. During US market "
            "hours (9:30-16:00 ET; 13:00 on half days) this shows today's momentum L/S, its "
            "legs, high beta, the benchmark and the AI pair from 5-minute bars, yesterday's "
            "close as zero. Offline: --source demo --intraday 13:30.")

    def show_view(self, view: IntradayView) -> None:
        """Draw ``view``; with the same series as on screen the curves are updated in place
        (live bars every 5 minutes), otherwise rebuilt."""
        minutes = ((view.paths.index - view.opens) / pd.Timedelta(minutes=1)).to_numpy(float)
        band = view.band.to_numpy() * 100
        key = (tuple(view.paths.columns), view.sigma, theme.current().name)
        if key != self._built:
            self._build(view)
            self._built = key
        self.band_top.setData(minutes, band)
        self.band_bottom.setData(minutes, -band)
        for name, curve in self.curves.items():
            values = view.paths[name].to_numpy(dtype=float) * 100
            finite = np.isfinite(values)
            curve.setData(minutes[finite], values[finite])
        closes = (view.closes - view.opens) / pd.Timedelta(minutes=1)
        self.plot.getPlotItem().setXRange(0, closes, padding=0.01)
        self._words(view, self.shown)

    def _build(self, view: IntradayView) -> None:
        self._clear()
        t = theme.current()
        item = self.plot.getPlotItem()
        dashed = pg.mkPen(t.muted, width=1, style=Qt.PenStyle.DashLine)
        self.band_top, self.band_bottom = pg.PlotDataItem(pen=dashed), pg.PlotDataItem(pen=dashed)
        shade = pg.mkColor(t.muted)
        shade.setAlpha(40)
        fill = pg.FillBetweenItem(self.band_top, self.band_bottom, brush=pg.mkBrush(shade))
        zero = pg.InfiniteLine(pos=0, angle=0, movable=False, pen=pg.mkPen(t.muted, width=1))
        for thing in (fill, self.band_top, self.band_bottom, zero):
            item.addItem(thing)
            self.items.append(thing)
        self.legend.addItem(self.band_top, f"±{BAND_SIGMA:.0f}σ·√t band (daily σ "
                                        f"{fmt.pct(view.sigma, sign=False)})")
        palette = t.series
        for i, name in enumerate(view.paths.columns):
            width = 3 if name == EMPHASIS else 1.6
            curve = item.plot(name=name, pen=pg.mkPen(palette[i % len(palette)], width=width))
            self.curves[name] = curve
            self.items.append(curve)

    def _words(self, view: IntradayView, snapshot) -> None:
        t = theme.current()
        ls = float(view.last.get(EMPHASIS, math.nan))
        last = view.paths.index[-1].tz_convert(NEW_YORK)
        elapsed = float((last - view.opens) / (view.closes - view.opens))
        colour = theme.colour_for(ls, t)
        scaled = ls / (view.sigma * math.sqrt(elapsed)) if view.sigma > 0 and elapsed > 0 \
            else math.nan
        delay = f", {snapshot.delay_minutes}-min delayed" if snapshot.delay_minutes else ""
        when = f"{snapshot.as_of:%Y-%m-%d}, {last:%H:%M} ET{delay}" if snapshot.as_of_time \
            is not None else f"{snapshot.as_of:%Y-%m-%d}, the whole session to the close"
        simulated = " · SIMULATED" if snapshot.simulated else ""
        of_day = ls / view.sigma if view.sigma > 0 else math.nan
        self.headline.setText(
            f"Intraday {when}{simulated}: momentum L/S <span style='color:{colour}'>"
            f"{fmt.pct(ls)}</span>{snapshot.so_far} ({fmt.sigma(of_day)} of a day's σ; "
            f"{fmt.sigma(scaled)} for the {elapsed:.0%} of the session gone by)")
        others = " · ".join(f"{name} {fmt.pct(view.last[name])}" for name in view.paths.columns
                            if name != EMPHASIS)
        self.detail.setText(
            f"Since yesterday's close, at {last:%H:%M} ET: {others}. Baskets are today's, "
            "formed on yesterday's close (equal weights; "
            + ", ".join(f"{k} {v} names" for k, v in view.members.items() if v > 1)
            + "). Band: ±2 x the L/S's daily σ (trailing 63-day) x √(share of the session "
            "gone by).")
