"""Crowding: one 0-100 gauge for momentum and for each theme, with the component breakdown."""
from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from analytics.snapshot import CrowdingGauge, CrowdingView
from gui.panels.base import Panel
from gui.widgets.gauge import Gauge
from gui.widgets.grid import sync_grid

COMPONENT_NAMES = {"comomentum": "Comomentum (residual corr. in legs)",
                   "factor_volatility": "Factor volatility (63-day)",
                   "pairwise_correlation": "Winners' pairwise correlation",
                   "factor_reversal": "3-year factor return",
                   "extension": "Distance above 200-day average"}
COLUMNS = 5
Z_CAP = 3.0         # components are winsorized at ±3 (analytics/crowding.py)


def _range(trail) -> str:
    finite = [v for v in trail if math.isfinite(v)]
    return f"{min(finite):.0f}-{max(finite):.0f}" if finite else "n/a"


def breakdown(name: str, gauge: CrowdingGauge) -> str:
    """Plain-text component table for a gauge (tooltip and detail line)."""
    lines = [f"{name}: {gauge.score:.0f}/100 ({gauge.band}), "
             f"{gauge.available} of 5 components; {gauge.change_text()} since the previous "
             f"session; last {len(gauge.trail)} sessions {_range(gauge.trail)}"] \
        if math.isfinite(gauge.score) else \
        [f"{name}: not enough history (needs a year of each component)"]
    for key, label in COMPONENT_NAMES.items():
        z = gauge.z.get(key)
        capped = z is not None and abs(z) >= Z_CAP
        lines.append(f"  {label}: " + ("n/a" if z is None else f"z {z:+.2f}")
                     + (f" (capped: z-scores are limited to ±{Z_CAP:.0f})" if capped else ""))
    return "\n".join(lines)


class CrowdingPanel(Panel[CrowdingView]):
    panel_id = "crowding"
    title = "Crowding"
    description = "0-100 crowding gauges (100·Φ of the mean component z-score)."
    default_area = Qt.DockWidgetArea.RightDockWidgetArea
    view_field = "crowding"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("Crowding gauges: waiting for data")
        self.heading.setWordWrap(True)
        self.grid = QGridLayout()
        self.gauges: dict[str, Gauge] = {}
        self.detail = QLabel("Click a gauge for its components")
        self.detail.setObjectName("muted")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addLayout(self.grid, 1)
        layout.addWidget(self.detail)

    def show_missing(self) -> None:
        self.heading.setText("Crowding: n/a (needs the benchmark and constituents)")

    def show_view(self, view: CrowdingView) -> None:
        self.heading.setText(
            f"Crowding as of {self.shown.as_of:%Y-%m-%d}: 100·Φ(mean z of 5 components, each vs "
            "its own 3-year history); ≥ 84 crowded (red band), ≤ 16 uncrowded (green). "
            "Hover or click a gauge for its components.")
        self.gauges = sync_grid(self.grid, self.gauges, list(view.gauges), self._make_gauge,
                                COLUMNS)
        for name, data in view.gauges.items():
            caption = f"{data.band} · Δ 1d {data.change_text()}" if math.isfinite(data.score) \
                else "n/a"
            self.gauges[name].set_value(data.score, caption, breakdown(name, data), data.trail)
        self.show_detail(next(iter(view.gauges)))

    def _make_gauge(self, name: str) -> Gauge:
        gauge = Gauge(name)
        gauge.clicked.connect(lambda n: self.show_detail(n))
        return gauge

    def show_detail(self, name: str) -> None:
        view = self.view
        if view is not None:
            self.detail.setText(breakdown(name, view.gauges[name]))
