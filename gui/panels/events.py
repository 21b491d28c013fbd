"""Event study: what happened after large down days of momentum (or a basket, or a factor
history the user loads), with the average forward path and the event dates."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from analytics import formatting as fmt
from analytics.events import EventStudy, event_study
from analytics.snapshot import Snapshot
from gui import theme
from gui.panels.base import Panel, headline_label, note_label
from gui.widgets.grid import set_choices
from gui.widgets.heat_table import Fmt, HeatTable

OURS = "Momentum L/S (ours)"
FORMATS = {"mean": Fmt("{:+.2f}%", 100, 3.0), "median": Fmt("{:+.2f}%", 100, 3.0),
           "hit_rate": Fmt("{:.0f}%", 100), "non_event_mean": Fmt("{:+.2f}%", 100),
           "welch_t": Fmt("{:+.2f}", 1, 3.0), "p_bootstrap": Fmt("{:.3f}")}
HEADERS = {"count": "Events", "mean": "Mean", "median": "Median", "hit_rate": "Hit rate",
           "non_event_mean": "Other days mean", "welch_t": "Welch t vs other days",
           "p_bootstrap": "Bootstrap p", "bear": "Bear market (n, mean)",
           "bull": "Bull market (n, mean)"}
COLUMNS = ("count", "mean", "median", "hit_rate", "non_event_mean", "welch_t", "p_bootstrap")
MIN_SHADED = 10     # fewer events than this: the row is not heat-coloured (too few to judge)
DATE_FORMATS = {"return": Fmt("{:+.2f}%", 100), "sigma": Fmt("{:+.1f}σ"),
                "after": Fmt("{:+.2f}%", 100)}
DATE_HEADERS = {"return": "Move", "sigma": "σ", "after": "Next 21 days"}


class EventsPanel(Panel[Snapshot]):
    panel_id = "events"
    title = "Event study"
    description = "Forward returns after days with a sigma move at or below a threshold."
    default_area = Qt.DockWidgetArea.RightDockWidgetArea

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = headline_label("Event study: waiting for data")
        self.source = QComboBox()
        self.source.setToolTip("Return series to study; File → Load factor history… adds a Ken "
                               "French daily factor file")
        self.source.currentTextChanged.connect(lambda _name: self.recompute())
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(-10.0, -1.0)
        self.threshold.setSingleStep(0.5)
        self.threshold.setValue(-3.0)
        self.threshold.setSuffix(" σ")
        self.threshold.setToolTip("Event: today's move / trailing 63-day std at or below this")
        self.threshold.valueChanged.connect(lambda _v: self.recompute())
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Series"))
        bar.addWidget(self.source, 1)
        bar.addWidget(QLabel("Event when σ-move ≤"))
        bar.addWidget(self.threshold)
        self.table = HeatTable()
        self.path = theme.ThemedPlot()
        self.path.setLabel("left", "average cumulative return after the event (%)")
        self.path.setLabel("bottom", "trading days after the event")
        self.path.getAxis("left").enableAutoSIPrefix(False)
        self.path.showGrid(x=True, y=True, alpha=0.25)
        self.path.addLegend(offset=(8, 8))
        self.dates = HeatTable()
        self.dates.setToolTip("Event dates (first day of each cluster), the move, its σ and "
                              "the next 21 days (n/a: not 21 days yet)")
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.path)
        lower.addWidget(self.dates)
        lower.setStretchFactor(0, 4)
        lower.setStretchFactor(1, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(1, 2)
        self.note = note_label("Forward returns start the day after the event (no overlap); "
                               "clusters: events within 63 days count once. Tested against "
                               "every other day's forward return (Welch t; bootstrap p from "
                               "5,000 draws of as many other days). Bear market: the benchmark "
                               "below its level 24 months (504 days) earlier, as in Daniel & "
                               "Moskowitz (benchmark only for our own series).")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.headline)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(self.note)
        self.external: dict[str, pd.Series] = {}
        self.preferred: str | None = None      # series to select at the next render
        self.study: EventStudy | None = None

    def series_choices(self) -> dict[str, pd.Series]:
        out: dict[str, pd.Series] = {}
        snap = self.snapshot
        if snap is not None and snap.momentum is not None:
            out[OURS] = snap.momentum.factor["long_short"]
        if snap is not None and snap.baskets is not None:
            out.update({name: snap.baskets.returns[name] for name in snap.baskets.returns})
        out.update(self.external)
        return out

    def add_series(self, name: str, returns: pd.Series) -> None:
        """Add a loaded factor history (fractions by date) and study it."""
        self.external[name] = returns
        self._refresh_choices(select=name)

    def view_state(self) -> dict:
        return {"source": self.source.currentText(), "threshold": self.threshold.value(),
                "external": dict(self.external)}

    def apply_view_state(self, state: dict) -> None:
        self.external = dict(state.get("external", {}))
        with QSignalBlocker(self.threshold):
            self.threshold.setValue(state.get("threshold", self.threshold.value()))
        self.preferred = state.get("source")

    def show_view(self, view: Snapshot) -> None:
        self._refresh_choices(select=self.preferred)

    def _refresh_choices(self, select: str | None = None) -> None:
        set_choices(self.source, list(self.series_choices()), select)
        self.preferred = None
        self.recompute()

    def recompute(self) -> None:
        """Run the study for the selected series and threshold (pure function, main thread)."""
        choices = self.series_choices()
        name = self.source.currentText()
        if name not in choices:
            return
        market = self._market() if name in self._own_series() else None
        study = event_study(choices[name], threshold=self.threshold.value(), market=market)
        self.study = study
        self.headline.setText(headline(name, study, choices[name].first_valid_index()))
        table = study.table[list(COLUMNS)].copy()
        table["count"] = table["count"].astype(int).astype(str)
        for state in ("bear", "bull"):
            if len(study.by_state) and state in study.by_state.index.get_level_values(0):
                part = study.by_state.loc[state]
                table[state] = [f"{int(part.loc[h, 'count'])}, {fmt.pct(part.loc[h, 'mean'])}"
                                for h in table.index]
        few = [i for i, count in enumerate(study.table["count"]) if count < MIN_SHADED]
        table.index = [f"{h} days" for h in table.index]
        self.table.set_frame(table, FORMATS, index_label="Horizon", headers=HEADERS)
        self.table.unshade_rows(few)
        self._draw_path(study.path)
        self._list_dates(study)

    def _list_dates(self, study) -> None:
        events = study.events.iloc[::-1]
        frame = pd.DataFrame({"return": events["return"], "sigma": events["sigma"],
                              "after": events.get("fwd_21", np.nan)})
        frame.index = [f"{d:%Y-%m-%d}" for d in frame.index]
        self.dates.set_frame(frame, DATE_FORMATS, index_label="Event", headers=DATE_HEADERS)
        self.dates.setMinimumWidth(self.dates.horizontalHeader().length()
                                   + self.dates.verticalScrollBar().sizeHint().width()
                                   + 2 * self.dates.frameWidth() + 2)

    def _own_series(self) -> set[str]:
        snap = self.snapshot
        names = {OURS} if snap is not None and snap.momentum is not None else set()
        if snap is not None and snap.baskets is not None:
            names.update(snap.baskets.returns.columns)
        return names

    def _market(self) -> pd.Series | None:
        """The benchmark's level, for the bear / bull split of our own series."""
        snap = self.snapshot
        if snap is None or snap.dispersion is None:
            return None
        return (1.0 + snap.dispersion.benchmark_return.fillna(0.0)).cumprod()

    def _draw_path(self, path: pd.DataFrame) -> None:
        t = theme.current()
        self.path.clear()
        x = path.index.to_numpy(dtype=float)
        mean = 100 * path["mean"].to_numpy()
        se = 100 * np.nan_to_num(path["se"].to_numpy())
        upper = self.path.plot(x, mean + se, pen=pg.mkPen(t.muted, style=Qt.PenStyle.DashLine),
                               name="±1 standard error")
        lower = self.path.plot(x, mean - se, pen=pg.mkPen(t.muted, style=Qt.PenStyle.DashLine))
        fill = pg.FillBetweenItem(upper, lower, brush=pg.mkBrush(with_alpha(t.accent, 40)))
        self.path.addItem(fill)
        self.path.plot(x, mean, pen=pg.mkPen(t.accent, width=2), name="average after events")
        self.path.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(t.muted)))


def headline(name: str, study, start) -> str:
    """The count the table scores (events with 21 days after them), the too-recent ones named,
    and the 21-day average against other days."""
    events = study.events
    if not len(events):
        return f"{name}: no day at or below {study.threshold:+.1f}σ since {fmt.day(start)}"
    row = study.table.loc[21]
    done = int(row["count"])
    recent = events.index[events["fwd_21"].isna()]
    later = (f"; {len(recent)} more too recent to score ({', '.join(fmt.day(d) for d in recent)})"
             if len(recent) else "")
    if not done:
        return (f"{name}: {len(events)} event(s) at ≤ {study.threshold:+.1f}σ since "
                f"{fmt.day(start)}, none with 21 days after it yet{later}")
    return (f"{name}: {done} event{'s' if done != 1 else ''} at ≤ {study.threshold:+.1f}σ since "
            f"{fmt.day(start)} with 21 days after them{later}; the next 21 days averaged "
            f"{fmt.pct(row['mean'])} against {fmt.pct(row['non_event_mean'])} on other days "
            f"(bootstrap p {fmt.number(row['p_bootstrap'])})"
            + (f", too few events to judge (under {MIN_SHADED})" if done < MIN_SHADED else ""))


def with_alpha(colour: str, alpha: int):
    c = pg.mkColor(colour)
    c.setAlpha(alpha)
    return c
