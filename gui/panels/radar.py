"""Crash radar: every signal with a traffic light, and the verdict in words (front panel)."""
from __future__ import annotations

import html
import math

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from gui import theme
from gui.panels.base import Panel, headline_label, note_label

STATE_WORDS = {"red": "● signal", "amber": "● watch", "green": "● calm", "n/a": "n/a"}


class RadarPanel(Panel):
    panel_id = "radar"
    title = "Crash radar"
    description = "All signals together: traffic lights, percentiles, and a verdict in words."
    default_area = Qt.LeftDockWidgetArea

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verdict = headline_label("Crash radar: waiting for data", bigger=4)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Signal", "Light", "Today", "Percentile / since"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)
        self.note = note_label("Lights: red = signal on, amber = watch, green = calm (thresholds "
                               "in analytics/radar.py RULES). Percentiles are within the "
                               "signal's own history.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)

    def render(self, snapshot) -> None:
        super().render(snapshot)
        radar = snapshot.radar
        if radar is None:
            return
        t = theme.current()
        colours = {"red": t.down, "amber": "#f0b400", "green": t.up, "n/a": t.muted}
        worst = next((s for s in ("red", "amber") if any(v.state == s for v in
                                                         radar.signals.values())), "green")
        proxy = (f" · benchmark: {html.escape(snapshot.benchmark_proxy)}"
                 if snapshot.benchmark_proxy else "")
        self.verdict.setText(f"<span style='color:{colours[worst]}'>{radar.verdict}</span>"
                             f"<br><span style='font-size:small'>as of "
                             f"{snapshot.as_of:%Y-%m-%d}{proxy}</span>")
        self.table.setRowCount(len(radar.signals))
        for row, (name, sig) in enumerate(radar.signals.items()):
            extra = []
            if math.isfinite(sig.percentile):
                extra.append(f"{sig.percentile:.0f}th pct")
            if sig.since is not None:
                extra.append(f"since {pd.Timestamp(sig.since):%Y-%m-%d}")
            cells = [name, STATE_WORDS[sig.state], sig.value, ", ".join(extra)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setForeground(QColor(colours[sig.state]))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()

    def states(self) -> dict[str, str]:
        return {self.table.item(r, 0).text(): self.table.item(r, 1).text()
                for r in range(self.table.rowCount())}
