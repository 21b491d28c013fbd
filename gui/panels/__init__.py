"""The panel registry: adding a panel is one module plus one line here."""
from __future__ import annotations

from gui.panels.alerts import AlertsPanel
from gui.panels.base import Panel
from gui.panels.crowding import CrowdingPanel
from gui.panels.dispersion import DispersionPanel
from gui.panels.events import EventsPanel
from gui.panels.flows import FlowsPanel
from gui.panels.gamma import GammaPanel
from gui.panels.intraday import IntradayPanel
from gui.panels.momentum import MomentumPanel
from gui.panels.overview import MarketOverviewPanel
from gui.panels.radar import RadarPanel
from gui.panels.regimes import RegimesPanel
from gui.panels.regions import RegionsPanel
from gui.panels.themes import ThemesPanel

PANELS: list[type[Panel]] = [
    RadarPanel,
    MomentumPanel,
    DispersionPanel,
    ThemesPanel,
    CrowdingPanel,
    FlowsPanel,
    GammaPanel,
    RegionsPanel,
    RegimesPanel,
    EventsPanel,
    AlertsPanel,
    MarketOverviewPanel,
    IntradayPanel,
]
