"""View -> Compact: a small always-on-top strip with the radar's verdict and its eight lights,
for docking beside a terminal (docs/architecture.md, "Window parts")."""
from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from analytics import formatting as fmt
from analytics.radar import Radar
from analytics.snapshot import Snapshot
from gui import theme
from gui.panels.base import headline_label, note_label
from gui.widgets.sparkline import Sparkline

COMPACT_SIZE = (440, 400)
COMPACT_SHORTCUT = "Ctrl+Shift+M"
# The eight lights (the long-vs-short row is left out: it carries the σ-move's light) with a
# short name and the figure its light reads, written short.
LIGHTS: dict[str, tuple[str, Callable[[float], str]]] = {
    "Momentum σ-move": ("Momentum", fmt.sigma),
    "VaR shock (EWMA / 1y vol)": ("VaR shock", lambda n: fmt.multiple(n, 2)),
    "Momentum drawdown (1y peak)": ("Drawdown", lambda n: fmt.pct(n, 1)),
    "Momentum crowding": ("Crowding", lambda n: fmt.NA if fmt.missing(n) else f"{n:.0f}/100"),
    "Dispersion percentile": ("Dispersion", fmt.percentile),
    "Breadth vs index": ("Breadth", lambda n: f"{fmt.pct(n, 0, sign=False)} beat"),
    "LETF flow % of ADV": ("LETF flow", lambda n: f"{fmt.pct(n, 1, sign=False)} of ADV"),
    "Dealer net gamma ($bn/1%)": ("Dealer gamma",
                                  lambda n: fmt.NA if fmt.missing(n) else f"{fmt.money(n * 1e9)}/1%"),
}


class CompactStrip(QWidget):
    """The verdict, then one row per light: dot, name, today's figure, its change since the
    previous session and a 20-day sparkline (hover a row for the radar's full words).
    ``restore_requested``: the user asked for the full window (button, Esc or the shortcut);
    ``quit_requested``: the user asked to quit FactorDesk (button or Ctrl+Q)."""

    restore_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.setObjectName("FactorDeskCompact")
        self.setWindowTitle("FactorDesk — compact")
        self.source = note_label("waiting for data")
        back = QPushButton("Full window")
        back.setToolTip(f"Back to the full window ({COMPACT_SHORTCUT} or Esc)")
        back.clicked.connect(self.restore_requested)
        leave = QPushButton("Quit")
        leave.setToolTip("Quit FactorDesk (Ctrl+Q), saving the layout as File -> Quit does")
        leave.clicked.connect(self.quit_requested)
        top = QHBoxLayout()
        top.addWidget(self.source, 1)
        top.addWidget(back, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(leave, 0, Qt.AlignmentFlag.AlignTop)
        self.verdict = headline_label("Crash radar: waiting for data", bigger=1)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.rows: dict[str, tuple[QLabel, QLabel, QLabel, QLabel, Sparkline]] = {}
        for row, (name, (short, _)) in enumerate(LIGHTS.items()):
            cells = (QLabel("●"), QLabel(short), QLabel(fmt.NA), QLabel(""), Sparkline())
            for column, cell in enumerate(cells):
                cell.setToolTip(name)
                grid.addWidget(cell, row, column)
            for cell in cells[2:4]:
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.rows[name] = cells
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.verdict)
        layout.addLayout(grid)
        layout.addStretch(1)
        QShortcut(QKeySequence(COMPACT_SHORTCUT), self, self.restore_requested.emit)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Quit), self, self.quit_requested.emit)
        self.resize(*COMPACT_SIZE)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Escape:
            self.restore_requested.emit()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Closing the strip brings the full window back (it never quits the app unseen)."""
        event.ignore()
        self.restore_requested.emit()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        simulated = " · SIMULATED" if snapshot.simulated else ""
        self.source.setText(f"{html.escape(snapshot.source)} · as of "
                            f"{snapshot.as_of_words()}{simulated}")
        radar = snapshot.radar
        if radar is None or not radar.signals:
            self.verdict.setText("Crash radar: n/a (no signals computed)")
            for dot, _short, figure, change, spark in self.rows.values():
                dot.setStyleSheet(f"color:{theme.current().muted}")
                figure.setText(fmt.NA)
                change.setText("")
                spark.set_values([])
            return
        t = theme.current()
        colours = {"red": t.down, "amber": theme.AMBER, "green": t.up, "n/a": t.muted}
        self.verdict.setText(f"<span style='color:{colours[radar.tone]}'>"
                             f"{html.escape(radar.verdict)}</span>")
        for name, (dot, _short, figure, change, spark) in self.rows.items():
            self._show_light(radar, name, colours, dot, figure, change, spark)

    @staticmethod
    def _show_light(radar: Radar, name: str, colours: dict[str, str], dot: QLabel,
                    figure: QLabel, change: QLabel, spark: Sparkline) -> None:
        signal = radar.signals.get(name)
        if signal is None:
            dot.setStyleSheet(f"color:{colours['n/a']}")
            figure.setText(fmt.NA)
            change.setText("")
            spark.set_values([])
            return
        dot.setStyleSheet(f"color:{colours[signal.state]}")
        figure.setText(LIGHTS[name][1](signal.number))
        delta = radar.change_text(name)
        change.setText("" if delta.startswith(fmt.NA) else delta)
        change.setToolTip(f"{name}: change since the previous session" if change.text()
                          else f"{name}: {delta}")
        trail = radar.trail(name)
        spark.set_values(trail.tolist(), f"{name}: the last {len(trail)} sessions")
        for cell in (dot, figure):
            cell.setToolTip(f"{name} ({signal.state}): {signal.value}")

    def lights(self) -> dict[str, tuple[str, str]]:
        """Signal -> (dot colour, figure) as shown (for tests)."""
        return {name: (cells[0].styleSheet().removeprefix("color:"), cells[2].text())
                for name, cells in self.rows.items()}
