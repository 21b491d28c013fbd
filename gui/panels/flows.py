"""Leveraged ETF flows: what the leveraged and inverse funds must trade into the close, per
fund and per underlying, with a what-if for the S&P and Nasdaq closes."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from analytics import formatting as fmt
from analytics.letf import flow_table, gross_share
from analytics.snapshot import FlowsView
from gui import theme
from gui.panels.base import Panel, headline_label, note_label
from gui.widgets.heat_table import Fmt, HeatTable

WHAT_IF = ("SPY", "QQQ")
FUND_FORMATS = {"L": Fmt("{:+.1f}x"), "L^": Fmt("{:+.2f}x"), "AUM $bn": Fmt("{:.2f}", 1e-9),
                "Underlying 1d": Fmt("{:+.2f}%", 100, 3.0),
                "Rebalance $m": Fmt("{:+,.0f}", 1e-6, 500.0),
                "Share of gross": Fmt("{:.1f}%", 100)}
LARGEST_FUNDS = 5             # named in the "largest funds" line
# Columns hidden, in this order, when a table is narrower than its columns (no sideways scroll).
FUND_DROPS = ["AUM $bn", "L^", "Underlying 1d"]
UNDERLYING_DROPS = ["ADV of", "Funds", "AUM $bn"]
UNDERLYING_FORMATS = {"Rebalance $m": Fmt("{:+,.0f}", 1e-6, 1000.0),
                      "LETF gamma $m per 1%": Fmt("{:,.0f}", 1e-6),
                      "AUM $bn": Fmt("{:.1f}", 1e-9), "% of ADV": Fmt("{:.2f}%", 100)}


class FlowsPanel(Panel[FlowsView]):
    panel_id = "flows"
    title = "Leveraged ETF flows"
    description = "End-of-day rebalancing of leveraged and inverse ETFs, A·L·(L−1)·r, with a what-if."
    default_area = Qt.DockWidgetArea.LeftDockWidgetArea
    view_field = "flows"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = headline_label("Leveraged ETF flows: waiting for data")
        self.explain = note_label("Each fund trades A·L·(L−1)·r of its underlying at the "
                                  "close (A = yesterday's assets); leveraged and inverse funds "
                                  "both trade with the move. Gross estimate: same-day "
                                  "creations can offset it. LETF gamma: −Σ A·L·(L−1)·1%, "
                                  "negative (they trade with the move). % of ADV: against "
                                  "the 21-day dollar volume of the underlying's stocks (ADV "
                                  "of), or of the underlying itself.")
        controls = QGridLayout()
        self.sliders: dict[str, QSlider] = {}
        self.spins: dict[str, QDoubleSpinBox] = {}
        for row, name in enumerate(WHAT_IF):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(-1000, 1000)          # basis points: -10% .. +10%
            slider.setToolTip(f"What if {name} closes at this return today")
            spin = QDoubleSpinBox()
            spin.setRange(-10.0, 10.0)
            spin.setDecimals(2)
            spin.setSingleStep(0.25)
            spin.setSuffix(" %")
            slider.valueChanged.connect(lambda v, s=spin: s.setValue(v / 100))
            spin.valueChanged.connect(lambda v, s=slider: s.setValue(round(v * 100)))
            spin.valueChanged.connect(lambda _v: self._user_changed())
            controls.addWidget(QLabel(f"If {name} closes at"), row, 0)
            controls.addWidget(slider, row, 1)
            controls.addWidget(spin, row, 2)
            self.sliders[name], self.spins[name] = slider, spin
        self.reset = QPushButton("Today's closes")
        self.reset.setToolTip("Reset the what-if to today's actual underlying returns")
        self.reset.clicked.connect(self.reset_what_if)
        controls.addWidget(self.reset, 0, 3)
        self.funds = HeatTable()
        self.underlyings = HeatTable()
        self.bars = theme.ThemedPlot()
        self.bars.setLabel("left", "rebalance ($bn)")
        self.bars.getAxis("left").enableAutoSIPrefix(False)
        self.bars.showGrid(y=True, alpha=0.25)
        self.bars.setToolTip("Rebalancing by underlying, $bn (negative = selling into the close)")
        self.bars.setMinimumHeight(140)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.underlyings)
        split.addWidget(self.bars)
        split.addWidget(self.funds)
        for index, stretch in enumerate((3, 2, 3)):
            split.setStretchFactor(index, stretch)
        self.split = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.headline)
        layout.addWidget(self.explain)
        self.controls = QWidget()
        self.controls.setLayout(controls)
        controls.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.controls)
        self.largest = note_label("")
        self.largest.setToolTip("The funds with the largest rebalancing into the close, with "
                                "their share of the gross (the sum of every fund's |flow|); the "
                                "funds table below is sorted the same way")
        layout.addWidget(self.largest)
        layout.addWidget(split, 1)
        layout.addStretch()         # keeps the text at the top when the charts are hidden
        self._loading = False
        self.what_if_active = False
        self.pending_what_if: dict | None = None   # what-if to restore at the next render

    def _user_changed(self) -> None:
        if not self._loading:
            self.what_if_active = True
            self.update_what_if()

    def reset_what_if(self) -> None:
        """Back to today's actual underlying returns."""
        if self.view is not None:
            self.show_snapshot(self.shown)

    def view_state(self) -> dict:
        if not self.what_if_active:
            return {}
        return {"what_if": {name: spin.value() for name, spin in self.spins.items()}}

    def apply_view_state(self, state: dict) -> None:
        self.pending_what_if = state.get("what_if")

    def show_missing(self) -> None:
        self.headline.setText("Leveraged ETF flows: n/a (no leveraged ETFs with prices)")

    def view_steps(self, view: FlowsView) -> Iterator[None]:
        """The what-if controls, then the headline, the funds, the underlyings, the bars."""
        self._loading = True
        for name, spin in self.spins.items():
            spin.setEnabled(name in view.returns.index)
            spin.setValue(100 * float(view.returns.get(name, 0.0)))
        self._loading = False
        self.what_if_active = False
        if self.pending_what_if:
            self._loading = True
            for name, value in self.pending_what_if.items():
                self.spins[name].setValue(value)
            self._loading = False
            self.what_if_active, self.pending_what_if = True, None
        yield
        yield from self._what_if_steps()

    def what_if_returns(self) -> pd.Series:
        """Today's underlying returns with the what-if controls applied (fractions)."""
        view = self.view
        if view is None:
            return pd.Series(dtype=float)
        returns = view.returns.copy()
        if not self.what_if_active:
            return returns
        for name, spin in self.spins.items():
            if name in returns.index:
                returns[name] = spin.value() / 100
        return returns

    def update_what_if(self) -> None:
        """Recompute the dollar estimates for the controls' returns (pure function, main thread)."""
        for _ in self._what_if_steps():
            pass

    def _what_if_steps(self) -> Iterator[None]:
        view = self.view
        if self._loading or view is None:
            return
        self.split.setVisible(not view.funds.empty)
        self.controls.setVisible(not view.funds.empty)
        self.largest.setVisible(not view.funds.empty)
        if view.funds.empty:
            self.total_usd = float("nan")
            self.headline.setText(
                f"Leveraged ETF flows: n/a, no fund assets for the {len(view.missing)} "
                "leveraged ETFs in the data (load share counts: --shares PATH)")
            return
        returns = self.what_if_returns()
        funds, by_underlying = flow_table(view.funds[["underlying", "leverage", "aum"]], returns,
                                          view.adv)
        self.total_usd = float(funds["rebalance_usd"].sum())
        self.by_underlying = by_underlying
        closes = ", ".join(f"{n} {s.value():+.2f}%" for n, s in self.spins.items()
                           if s.isEnabled())
        live = self.shown.as_of_time is not None
        self.reset.setText("Live moves" if live else "Today's closes")
        self.reset.setToolTip("Reset the what-if to each underlying's move so far today (the "
                              "live price against yesterday's close)" if live else
                              "Reset the what-if to today's actual underlying returns")
        when = f"into the close if {closes} (what-if)" if self.what_if_active else \
            (f"into the close if it were now ({self.shown.as_of_words()}: each underlying's "
             "move so far)" if live else f"into the {self.shown.as_of:%Y-%m-%d} close")
        top = by_underlying["rebalance_usd"].abs().sort_values(ascending=False).index[:3]
        parts = ", ".join(f"{u} {fmt.money(by_underlying.loc[u, 'rebalance_usd'])}" for u in top)
        verb = "selling" if self.total_usd < 0 else "buying"
        self.headline.setText(f"Leveraged ETFs: {fmt.money(self.total_usd)} of {verb} {when} "
                              f"({parts})")
        yield
        known = view.funds.reindex(funds.index)          # largest flow first, as flow_table
        table = pd.DataFrame({
            "Underlying": funds["underlying"], "L": funds["leverage"],
            "L^": known["implied_leverage"],
            "Check": np.where(known["leverage_flag"].fillna(False).astype(bool), "⚠ multiple?", ""),
            "AUM $bn": funds["aum"], "Underlying 1d": funds["underlying_return"],
            "Rebalance $m": funds["rebalance_usd"], "Share of gross": funds["share_of_gross"]},
            index=funds.index)
        self.funds.set_frame(table, FUND_FORMATS, index_label="Fund")
        self.funds.set_drop_order(FUND_DROPS)
        yield
        largest = funds.head(LARGEST_FUNDS)
        self.largest.setText(
            "Largest funds in today's flow: " + ", ".join(
                f"{fund} {fmt.money(row.rebalance_usd)} ({fmt.pct(row.share_of_gross, 0, False)})"
                for fund, row in zip(largest.index, largest.itertuples()))
            + f" · the top {len(largest)} are {fmt.pct(largest['share_of_gross'].sum(), 0, False)}"
              " of the gross flow of every fund")
        totals = pd.DataFrame({
            "Rebalance $m": by_underlying["rebalance_usd"],
            "LETF gamma $m per 1%": by_underlying["letf_gamma_usd_per_pct"],
            "AUM $bn": by_underlying["aum"], "Funds": by_underlying["funds"].astype(str),
            "% of ADV": by_underlying["pct_of_adv"],
            "ADV of": view.by_underlying["adv_basis"].reindex(by_underlying.index)})
        total = pd.DataFrame({"Rebalance $m": [self.total_usd],
                              "LETF gamma $m per 1%": [totals["LETF gamma $m per 1%"].sum()],
                              "AUM $bn": [totals["AUM $bn"].sum()],
                              "Funds": [str(int(by_underlying["funds"].sum()))],
                              "% of ADV": [gross_share(by_underlying, view.adv_total)],
                              "ADV of": [f"{view.adv_names} names, each once"
                                         if view.adv_names else ""]}, index=["Total"])
        self.underlyings.set_frame(pd.concat([totals, total]), UNDERLYING_FORMATS,
                                   index_label="Underlying")
        self.underlyings.set_drop_order(UNDERLYING_DROPS)
        yield
        self._draw_bars(by_underlying["rebalance_usd"])

    def _draw_bars(self, values: pd.Series) -> None:
        t = theme.current()
        self.bars.clear()
        x = np.arange(len(values))
        y = values.to_numpy() / 1e9
        brushes = [pg.mkBrush(t.up if v >= 0 else t.down) for v in y]
        self.bars.addItem(pg.BarGraphItem(x=x, height=y, width=0.7, brushes=brushes))
        self.bars.getAxis("bottom").setTicks([list(zip(x, values.index))])
        self.bars.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(t.muted)))
