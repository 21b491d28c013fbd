"""Every registered panel in a dock of the main window, and how a snapshot reaches them:
visible panels one per event-loop turn (the window stays responsive however many there are),
hidden ones when they are next shown."""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from analytics.snapshot import Snapshot
from gui.panels import PANELS
from gui.panels.base import Panel


class PanelDocks(QObject):
    """Builds one QDockWidget per class in ``PANELS`` into ``window`` (tabbed per default
    area) and shows each new snapshot in them lazily."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.panels: dict[str, Panel] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.snapshot: Snapshot | None = None
        self._pending: list[str] = []
        self._stale: set[str] = set()
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._show_next)
        centre = QWidget()
        centre.setMaximumSize(0, 0)
        window.setCentralWidget(centre)
        previous: dict[Qt.DockWidgetArea, QDockWidget] = {}
        for cls in PANELS:
            panel = cls()
            dock = QDockWidget(cls.title.replace("&", "&&"), window)
            dock.setObjectName(f"dock_{cls.panel_id}")
            dock.setWidget(panel)
            dock.setToolTip(cls.description)
            area = cls.default_area
            window.addDockWidget(area, dock)
            if area in previous:
                window.tabifyDockWidget(previous[area], dock)
            previous.setdefault(area, dock)
            self.panels[cls.panel_id] = panel
            self.docks[cls.panel_id] = dock
            dock.visibilityChanged.connect(
                lambda visible, pid=cls.panel_id: self._on_visible(pid, visible))

    def raise_first_tabs(self) -> None:
        """In each dock area the first registered panel is the visible tab."""
        seen: set[Qt.DockWidgetArea] = set()
        for cls in PANELS:
            if cls.default_area not in seen:
                seen.add(cls.default_area)
                self.docks[cls.panel_id].raise_()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._pending = [pid for pid, dock in self.docks.items()
                         if not dock.visibleRegion().isEmpty() or not self.window.isVisible()]
        self._stale = set(self.docks) - set(self._pending)
        self._show_next()

    @property
    def rendering(self) -> bool:
        """True while visible panels are still being drawn from the latest snapshot."""
        return bool(self._pending)

    def _show_next(self) -> None:
        if self._pending and self.snapshot is not None:
            self.panels[self._pending.pop(0)].show_snapshot(self.snapshot)
        if self._pending:
            self._timer.start()

    def _on_visible(self, panel_id: str, visible: bool) -> None:
        if visible and panel_id in self._stale and self.snapshot is not None:
            self._stale.discard(panel_id)
            self.panels[panel_id].show_snapshot(self.snapshot)
