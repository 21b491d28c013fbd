"""Crash radar: every signal with a traffic light, and the verdict in words (front panel)."""
from __future__ import annotations

import html
from collections.abc import Iterator

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHeaderView,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analytics import formatting as fmt
from analytics.radar import CHANGE_FORMATS, STATE_NAMES, Radar
from analytics.snapshot import TIMELINE_DAYS
from gui import theme
from gui.panels.base import Panel, headline_label, note_label
from gui.widgets.grid import cell_text
from gui.widgets.sparkline import SPARK_ROLE, SPARK_SIZE, SparkDelegate

SIGNAL_WIDTH = 150
COLUMNS = {"Signal": "The signal (hover a name for its definition)",
           "Light": "Today's light by the thresholds in docs/methods.md, \"Crash radar\"",
           "Yesterday": "The same signal's light at the previous session's close",
           "Today": "Today's value with its units; below it, the value's percentile within "
                    "the signal's own history (0-100) and the first day of the current "
                    "amber/red streak",
           "Δ 1d": "Change of the number the light reads since the previous session's close, "
                   "in its units (σ; x; pp = percentage points; pts = points of a 0-100 score)",
           "20 days": "The number the light reads over the last 20 sessions (dot = today, "
                      "dotted line = zero; hover for the range)",
}
SIGNAL_TIPS = {
    "Momentum σ-move": "Today's decile 12-1 momentum long/short return over its trailing "
                       "63-day standard deviation (σ); red at <= -3σ or the worst day in 5 years",
    "Long vs short leg": "Each leg's return minus the equal-weighted ranked constituents; the "
                         "long leg's share of the L/S move (60%+ = long-side de-grossing)",
    "VaR shock (EWMA / 1y vol)": "EWMA (λ 0.94) volatility of the L/S over its 252-day "
                                 "volatility, in x; red at >= 1.5x",
    "Momentum drawdown (1y peak)": "The L/S's compounded decline from its highest level of "
                                   "the last 252 sessions, in %; red at <= -50%",
    "Momentum crowding": "0-100 gauge: 100·Φ of the mean z-score of five crowding components "
                         "against their own 3-year history; red at >= 84",
    "Dispersion percentile": "The average constituent's 5-day vol over the index's, as a "
                             "percentile of its history since the start date; red at >= 95",
    "Breadth vs index": "Share of constituents beating a falling benchmark today, in %; red "
                        "at >= 70% (not lit when the benchmark rose)",
    "LETF flow % of ADV": "Estimated leveraged-ETF rebalancing into the close as a share of "
                          "the 21-day average dollar volume of the stocks behind them",
    "Dealer net gamma ($bn/1%)": "Dealer gamma plus leveraged-ETF gamma, in $bn of hedging "
                                 "per 1% move of the underlying; red below 0 (short gamma)",
}
STATE_WORDS = {state: f"● {name}" if state != "n/a" else name
               for state, name in STATE_NAMES.items()}
STATE_LETTERS = {"red": "R", "amber": "A", "green": "G", "n/a": "·"}
SPARK_COLUMN = 5


class RadarPanel(Panel[Radar]):
    panel_id = "radar"
    title = "Crash radar"
    description = "All signals together: traffic lights, percentiles, and a verdict in words."
    default_area = Qt.DockWidgetArea.LeftDockWidgetArea
    view_field = "radar"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verdict = headline_label("Crash radar: waiting for data", bigger=4)
        self.changes = note_label("")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        for column, tip in enumerate(COLUMNS.values()):
            label = self.table.horizontalHeaderItem(column)
            if label is not None:
                label.setToolTip(tip)
        self.table.verticalHeader().setVisible(False)
        # Rows follow their wrapped text as the column widths change (a row sized while the
        # dock was narrow stayed two lines too tall and pushed the last rows out of view).
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        fit, stretch = QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch
        fixed = QHeaderView.ResizeMode.Fixed
        for column, mode in enumerate((fixed, fit, fit, stretch, fit, fixed)):
            header.setSectionResizeMode(column, mode)
        self.table.setColumnWidth(0, SIGNAL_WIDTH)         # names wrap onto two lines
        self.table.setColumnWidth(SPARK_COLUMN, SPARK_SIZE.width())
        self.table.setItemDelegateForColumn(SPARK_COLUMN, SparkDelegate(self.table))
        self.table.setWordWrap(True)
        self.timeline = QTableWidget(0, 0)
        self.timeline.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.timeline.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.timeline.setToolTip("How the lights built up: each signal's light on each of the "
                                 "last 20 sessions (hover a cell for the value)")
        self.note = note_label("Lights: red = signal on, amber = watch, green = calm (thresholds "
                               "in analytics/radar.py RULES). Percentiles are within the "
                               "signal's own history. Timeline: the same rules on every past "
                               "day (leveraged-ETF flow and dealer gamma are known for today "
                               "only).")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.timeline)
        split.setStretchFactor(0, 3)          # the lights first; the timeline is the history
        split.setStretchFactor(1, 1)
        split.setSizes([3000, 1000])          # 3:1 from the start, not from the size hints
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.verdict)
        layout.addWidget(self.changes)
        layout.addWidget(split, 1)
        layout.addWidget(self.note)

    def show_missing(self) -> None:
        self.verdict.setText("Crash radar: n/a (no signals computed)")
        self.table.setRowCount(0)

    def view_steps(self, radar: Radar) -> Iterator[None]:
        """The verdict and the lights, then the timeline."""
        snapshot = self.shown
        t = theme.current()
        colours = {"red": t.down, "amber": theme.AMBER, "green": t.up, "n/a": t.muted}
        proxy = (f" · benchmark: {html.escape(snapshot.benchmark_proxy)}"
                 if snapshot.benchmark_proxy else "")
        self.verdict.setText(f"<span style='color:{colours[radar.tone]}'>{radar.verdict}</span>"
                             f"<br><span style='font-size:small'>as of "
                             f"{snapshot.as_of_words()}{proxy}</span>")
        self.changes.setText(radar.since_yesterday())
        yield
        history = radar.history
        before = history.iloc[-2] if len(history) >= 2 else None
        # Emptied first: replacing the items of a table whose rows and columns follow their
        # contents re-measures them at every cell (100 ms for this table, 1 ms refilled).
        self.table.setRowCount(0)
        self.table.setRowCount(len(radar.signals))
        for row, (name, sig) in enumerate(radar.signals.items()):
            extra = []
            if not fmt.missing(sig.percentile):
                extra.append(fmt.percentile(sig.percentile))
            if sig.since is not None:
                extra.append(f"since {fmt.day(sig.since)}")
            if extra:
                extra[-1] += snapshot.so_far          # a partial day's reading is so far
            previous = "n/a (today only)"
            if before is not None and (name, "state") in before.index:
                previous = STATE_WORDS[str(before[(name, "state")])]
            today = sig.value + (f"\n{', '.join(extra)}" if extra else "")
            change = radar.change_text(name)
            cells = [name, STATE_WORDS[sig.state], previous, today,
                     fmt.NA if change.startswith(fmt.NA) else change, ""]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setForeground(QColor(colours[sig.state]))
                if col == 0:
                    item.setToolTip(SIGNAL_TIPS.get(name, name))
                if col == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    if change.startswith(fmt.NA):
                        item.setToolTip(f"{name}: {change}" if change != fmt.NA else
                                        f"{name}: no value on one of the two sessions")
                if col == SPARK_COLUMN:
                    self._spark(item, radar, name)
                self.table.setItem(row, col, item)
        yield
        self._draw_timeline(radar.history.iloc[-TIMELINE_DAYS:], colours)

    @staticmethod
    def _spark(item: QTableWidgetItem, radar: Radar, name: str) -> None:
        """The signal's last ``SPARK_DAYS`` numbers as a sparkline, the range in the tooltip."""
        values = radar.trail(name)
        if values.notna().sum() < 2 or name not in CHANGE_FORMATS:
            item.setText("today only" if values.empty else fmt.NA)
            item.setToolTip(f"{name}: no daily history (known for today only)" if values.empty
                            else f"{name}: under two days of history")
            return
        scale, units, decimals = CHANGE_FORMATS[name]
        item.setData(SPARK_ROLE, values.tolist())
        item.setToolTip(f"{name}, last {len(values)} sessions "
                        f"({values.index[0]:%Y-%m-%d} to {values.index[-1]:%Y-%m-%d}): "
                        f"low {values.min() * scale:.{decimals}f}{units}, high "
                        f"{values.max() * scale:.{decimals}f}{units}, today "
                        f"{values.iloc[-1] * scale:.{decimals}f}{units}")

    def sparklines(self) -> dict[str, list[float]]:
        """Signal -> the sparkline's values as drawn (for tests)."""
        rows = {}
        for r in range(self.table.rowCount()):
            item = self.table.item(r, SPARK_COLUMN)
            rows[cell_text(self.table, r, 0)] = (item.data(SPARK_ROLE) if item else None) or []
        return rows

    def _draw_timeline(self, recent: pd.DataFrame, colours: dict[str, str]) -> None:
        names = list(dict.fromkeys(recent.columns.get_level_values(0))) if len(recent) else []
        self.timeline.clear()
        self.timeline.setRowCount(0)            # emptied, then refilled (see show_view)
        self.timeline.setRowCount(len(names))
        self.timeline.setColumnCount(len(recent))
        self.timeline.setVerticalHeaderLabels(names)
        self.timeline.setHorizontalHeaderLabels([f"{d:%m-%d}" for d in recent.index])
        days = [f"{day:%Y-%m-%d}" for day in recent.index]
        fill = {state: QColor(colour) for state, colour in colours.items()}
        ink = {state: QColor("#000000") if state != "n/a" else fill["n/a"] for state in fill}
        for row, name in enumerate(names):
            states = recent[(name, "state")].tolist()
            values = recent[(name, "value")].tolist() if (name, "value") in recent.columns \
                else [None] * len(states)
            for col, (day, state, value) in enumerate(zip(days, states, values)):
                item = QTableWidgetItem(STATE_LETTERS[state])
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(fill[state])
                item.setForeground(ink[state])
                shown = "" if fmt.missing(value) else f": {value:.3g}"
                item.setToolTip(f"{name} on {day}{shown} ({state})")
                self.timeline.setItem(row, col, item)
        self.timeline.resizeColumnsToContents()
        self.timeline.resizeRowsToContents()
        today = self.timeline.item(0, len(recent) - 1) if len(recent) and names else None
        if today is not None:              # today is the column that matters: keep it in view
            self.timeline.scrollToItem(today, QTableWidget.ScrollHint.PositionAtCenter)

    def timeline_states(self) -> dict[str, list[str]]:
        """Signal -> the light letters shown, oldest first (for tests)."""
        rows = {}
        for r in range(self.timeline.rowCount()):
            header = self.timeline.verticalHeaderItem(r)
            rows["" if header is None else header.text()] = [
                cell_text(self.timeline, r, c) for c in range(self.timeline.columnCount())]
        return rows

    def states(self) -> dict[str, str]:
        return {cell_text(self.table, r, 0): cell_text(self.table, r, 1)
                for r in range(self.table.rowCount())}
