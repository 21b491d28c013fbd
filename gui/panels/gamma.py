"""Dealer gamma: GEX by strike, the GEX profile across spot with the zero-gamma level, and the
dealer / leveraged-ETF / net gamma in $bn per 1% move."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from analytics import formatting as fmt
from analytics.gamma import top_strikes
from analytics.snapshot import GammaReading, GammaView
from gui import theme
from gui.panels.base import Panel, headline_label, note_label
from gui.widgets.grid import set_choices
from gui.widgets.heat_table import Fmt, HeatTable

TOP_STRIKES = 10
STRIKE_FORMATS = {"From spot": Fmt("{:+.1f}%", 100, 5.0),
                  "Calls $m per 1%": Fmt("{:+,.0f}", 1e-6), "Puts $m per 1%": Fmt("{:+,.0f}", 1e-6),
                  "Net $m per 1%": Fmt("{:+,.0f}", 1e-6, 500.0),
                  "Share of |GEX|": Fmt("{:.1f}%", 100)}


def summary(name: str, g: GammaReading) -> str:
    spot, zero = g.spot, g.zero_gamma_level
    flip = "no flip within ±20%" if zero is None else \
        f"zero gamma {zero:.2f} ({fmt.pct(zero / spot - 1)} from spot)"
    return (f"{name} {spot:.2f} · dealer GEX {fmt.money(g.dealer_gex_usd_per_pct)} per 1% · "
            f"leveraged-ETF gamma {fmt.money(g.letf_gamma_usd_per_pct)}"
            f"{'' if math.isfinite(g.letf_gamma_usd_per_pct) else ' (no fund assets)'} · net "
            f"{fmt.money(g.net_usd_per_pct)} per 1% · {flip}")


def inputs(g: GammaReading) -> str:
    """The model's inputs and where each came from (a user must be able to check them)."""
    return (f"Spot {g.spot:.2f} from {g.spot_source}; rate "
            f"{fmt.pct(g.rate, sign=False)} ({g.rate_source}); dividend yield "
            f"{fmt.pct(g.dividend_yield, sign=False)} "
            f"({g.dividend_source}); chain quoted {g.quote_date:%Y-%m-%d}")


class GammaPanel(Panel[GammaView]):
    panel_id = "gamma"
    title = "Dealer gamma"
    description = "Dealer gamma exposure (long calls, short puts) netted with leveraged-ETF gamma."
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    view_field = "gamma"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choice = QComboBox()
        self.choice.setToolTip("Option underlying")
        self.choice.currentTextChanged.connect(lambda _name: self.redraw())
        self.preferred: str | None = None      # underlying to select at the next render
        self.headline = headline_label("Dealer gamma: waiting for data")
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.note = note_label("Dealers assumed long calls and short puts (SqueezeMetrics "
                               "convention); GEX = Γ·OI·100·S²·1%; sticky-strike re-pricing; "
                               "leveraged-ETF gamma = −Σ A·L·(L−1)·1% on the same underlying "
                               "(the funds trade with the move); net = dealer + leveraged ETFs. "
                               "Positive = hedging dampens moves, negative = amplifies them.")
        top = QHBoxLayout()
        top.addWidget(self.headline, 1)
        top.addWidget(self.choice, 0, Qt.AlignmentFlag.AlignTop)
        self.strikes = theme.ThemedPlot()
        self.strikes.setLabel("left", "GEX ($bn per 1%)")
        self.strikes.setLabel("bottom", "strike")
        self.profile = theme.ThemedPlot()
        self.profile.setLabel("left", "total dealer GEX ($bn per 1%)")
        self.profile.setLabel("bottom", "spot")
        for plot in (self.strikes, self.profile):
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.addLegend(offset=(8, 8))
        self.top = HeatTable()
        self.top.setToolTip(f"The {TOP_STRIKES} strikes with the most dealer gamma (by |net|), "
                            "largest first")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.strikes)
        split.addWidget(self.profile)
        split.addWidget(self.top)
        self.plots = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.detail)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)
        layout.addStretch()         # keeps the text at the top when the charts are hidden

    def view_state(self) -> dict:
        return {"underlying": self.choice.currentText()}

    def apply_view_state(self, state: dict) -> None:
        self.preferred = state.get("underlying")

    def show_missing(self) -> None:
        self.headline.setText(f"Dealer gamma: n/a, no option chain quoted on "
                              f"{fmt.day(self.shown.as_of)}")
        self.detail.setText("A chain is only known on its quote date, so a replay of a past "
                            "day has none unless a file holds that day's chain (File → Open "
                            "option chain…, or --options PATH).")
        self.strikes.clear()
        self.profile.clear()
        self.plots.hide()
        self.choice.hide()

    def show_view(self, view: GammaView) -> None:
        self.plots.show()
        self.choice.show()
        names = list(view.underlyings)
        if [self.choice.itemText(i) for i in range(self.choice.count())] != names:
            set_choices(self.choice, names, self.preferred)
            self.preferred = None
        self.redraw()

    def redraw(self) -> None:
        view = self.view
        if view is None:
            return
        name = self.choice.currentText()
        g = view.underlyings.get(name)
        if g is None:
            return
        t = theme.current()
        colour = theme.AMBER if g.uncertain else \
            (t.down if g.net_usd_per_pct < 0 else t.up)
        self.headline.setText(f"<span style='color:{colour}'>{g.reading[0].upper()}"
                              f"{g.reading[1:]}</span>")
        dropped = sum(g.dropped.values())
        live = (f" Session in progress ({self.shown.as_of_words()}): gamma at the live spot, "
                "the leveraged funds' part on each underlying's move so far (if the close "
                "were now)." if self.shown.as_of_time is not None else "")
        self.detail.setText(f"{summary(name, g)}. {g.contracts:,} contracts ({dropped} "
                            f"dropped: expired, no open interest or IV outside 1%-300%). "
                            f"{inputs(g)}.{live}")
        self._draw_strikes(g, t)
        self._draw_profile(g, t)
        top = top_strikes(g.by_strike, g.spot, TOP_STRIKES)
        top.index = [f"{strike:g}" for strike in top.index]
        self.top.set_frame(top.rename(columns={
            "from_spot": "From spot", "call_gex": "Calls $m per 1%", "put_gex": "Puts $m per 1%",
            "net_gex": "Net $m per 1%", "share": "Share of |GEX|"}), STRIKE_FORMATS,
            index_label="Strike")

    def _lines(self, plot, g, t) -> None:
        plot.addItem(pg.InfiniteLine(pos=g.spot, angle=90, label="spot",
                                     pen=pg.mkPen(t.text, style=Qt.PenStyle.DashLine),
                                     labelOpts={"position": 0.95, "color": t.text}))
        if g.zero_gamma_level is not None:
            plot.addItem(pg.InfiniteLine(pos=g.zero_gamma_level, angle=90, label="zero gamma",
                                         pen=pg.mkPen(t.accent, style=Qt.PenStyle.DashLine),
                                         labelOpts={"position": 0.85, "color": t.accent}))
        plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(t.muted)))

    def _draw_strikes(self, g, t) -> None:
        plot = self.strikes
        plot.clear()
        data = g.by_strike
        near = data[(data.index > 0.85 * g.spot) & (data.index < 1.15 * g.spot)]
        strikes = near.index.to_numpy()
        width = np.median(np.diff(strikes)) * 0.8 if len(strikes) > 1 else 1.0
        plot.addItem(pg.BarGraphItem(x=strikes, height=near["call_gex"].to_numpy() / 1e9,
                                     width=width, brush=pg.mkBrush(t.up), name="calls"))
        plot.addItem(pg.BarGraphItem(x=strikes, height=near["put_gex"].to_numpy() / 1e9,
                                     width=width, brush=pg.mkBrush(t.down), name="puts"))
        self._lines(plot, g, t)

    def _draw_profile(self, g, t) -> None:
        plot = self.profile
        plot.clear()
        profile = g.profile
        plot.plot(profile.index.to_numpy(), profile.to_numpy() / 1e9,
                  pen=pg.mkPen(t.series[1], width=2), name="dealer GEX if spot moved there")
        self._lines(plot, g, t)
