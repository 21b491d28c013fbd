"""Regime board: one tile per cross-asset signal (green = usual, amber = watch, red = signal
on), with its value, since-when and the chart of the selected tile."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from analytics import formatting as fmt
from analytics.snapshot import TILE_CHANGE_FORMATS, RegimesView
from analytics.snapshot import Tile as RegimeTile
from gui import theme
from gui.panels.base import Panel, note_label
from gui.widgets.chart import TimeSeriesChart
from gui.widgets.grid import sync_grid
from gui.widgets.sparkline import Sparkline

COLUMNS = 3
# The selected tile's chart by its series' units: (scale, readout units, decimals, axis units).
CHART_FORMATS = {"return": (100.0, "%", 2, "%"), "log return": (100.0, "%", 2, "log return, %"),
                 "bp": (1.0, " bp", 0, "bp"), "correlation": (1.0, "", 3, "correlation")}
STATE_WORDS = {"green": "usual", "amber": "watch", "red": "signal on"}


class Tile(QFrame):
    clicked = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.title = QLabel(f"<b>{name}</b>")
        self.value = QLabel("")
        self.value.setWordWrap(True)
        self.since = QLabel("")
        self.since.setObjectName("muted")
        self.change = QLabel("")
        self.change.setObjectName("muted")
        self.spark = Sparkline()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        for label in (self.title, self.value, self.since):
            layout.addWidget(label)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.change)
        row.addStretch(1)
        row.addWidget(self.spark)
        layout.addLayout(row)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.state = ""

    def set_tile(self, tile: RegimeTile) -> None:
        t = theme.current()
        colour = {"green": t.up, "amber": theme.AMBER, "red": t.down}[tile.state]
        self.state = tile.state
        self.setStyleSheet(f"Tile {{ border: 1px solid {t.grid}; border-left: 6px solid {colour};"
                           f" background: {t.base}; }}")
        self.value.setText(tile.value)
        since = "" if tile.since is None else f" since {fmt.day(tile.since)}"
        self.since.setText(f"{STATE_WORDS[tile.state]}{since}")
        name = tile.series.name or "the chart's series"
        self.change.setText(f"Δ 1d {tile.change_text()}")
        self.change.setToolTip(f"Change of {name} since the previous session")
        trail = tile.trail()
        scale, units, decimals = TILE_CHANGE_FORMATS.get(tile.units, (1.0, "", 2))
        span = (f"{trail.min() * scale:.{decimals}f} to {trail.max() * scale:.{decimals}f}"
                f"{units}" if trail.notna().any() else fmt.NA)
        self.spark.set_values(trail.to_numpy(), f"{name}, last {len(trail)} sessions: {span}")
        self.setToolTip(tile.detail)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.clicked.emit(self.name)
        super().mouseReleaseEvent(event)


class RegimesPanel(Panel[RegimesView]):
    panel_id = "regimes"
    title = "Regime board"
    description = "Cross-asset signals: yen/won correlation flips, metals vs yields, curve, rotation."
    default_area = Qt.DockWidgetArea.LeftDockWidgetArea
    view_field = "regimes"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("Regime board: waiting for data")
        self.heading.setWordWrap(True)
        self.grid = QGridLayout()
        self.tiles: dict[str, Tile] = {}
        self.detail = note_label()
        self.chart = TimeSeriesChart(units="", scale=1.0, decimals=3)
        self.selected = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addLayout(self.grid)
        layout.addWidget(self.detail)
        layout.addWidget(self.chart, 1)

    def view_state(self) -> dict:
        return {"selected": self.selected}

    def apply_view_state(self, state: dict) -> None:
        self.selected = state.get("selected", "")

    def show_missing(self) -> None:
        self.heading.setText("Regime board: n/a (no cross-asset data)")

    def show_view(self, view: RegimesView) -> None:
        on = [n for n, t in view.tiles.items() if t.state == "red"]
        self.heading.setText(f"Regime board as of {self.shown.as_of:%Y-%m-%d}: "
                             + (f"signals on: {', '.join(on)}" if on else "no signal on")
                             + ". Click a tile for its chart; hover for the method.")
        self.tiles = sync_grid(self.grid, self.tiles, list(view.tiles), self._make_tile, COLUMNS)
        for name, data in view.tiles.items():
            self.tiles[name].set_tile(data)
        first = on[0] if on else next(iter(view.tiles))
        self.select(self.selected if self.selected in view.tiles else first)

    def _make_tile(self, name: str) -> Tile:
        tile = Tile(name)
        tile.clicked.connect(lambda n: self.select(n))
        return tile

    def select(self, name: str) -> None:
        view = self.view
        if view is None:
            return
        self.selected = name
        tile = view.tiles[name]
        self.detail.setText(f"{name}: {tile.detail}")
        series = tile.series.dropna().iloc[-504:]
        scale, units, decimals, axis = CHART_FORMATS.get(tile.units, (1.0, "", 3, tile.units))
        self.chart.scale, self.chart.units, self.chart.decimals = scale, units, decimals
        named = f"({axis})" in str(series.name)         # "10y-3m (bp)" says it already
        self.chart.plot.getPlotItem().setLabel("left", series.name if named else
                                               f"{series.name} ({axis})")
        self.chart.set_frame(series.to_frame())
