"""The panel registry: adding a panel is one module plus one line here."""
from __future__ import annotations

from gui.panels.overview import MarketOverviewPanel

PANELS = [
    MarketOverviewPanel,
]
