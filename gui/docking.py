"""Every registered panel in a dock of the main window, and how a snapshot reaches them:
visible panels one part per event-loop turn (the window stays responsive however many there
are), hidden ones when they are next shown."""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QMainWindow,
    QScrollArea,
    QTabBar,
    QWidget,
)

from analytics.snapshot import Snapshot
from gui.panels import PANELS
from gui.panels.base import Panel
from gui.theme import ThemedPlot


class PanelHolder(QScrollArea):
    """A dock's scroll area that gives its panel all the room there is and never less than the
    panel's minimum size (QScrollArea's own resizing follows the preferred height of wrapped
    labels, which would make every panel scroll). Empty until its panel is built."""

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(False)

    def hold(self, panel: QWidget) -> None:
        self.setWidget(panel)
        panel.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return False

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        panel = self.widget()
        if panel is None:
            return
        need, room = panel.minimumSizeHint(), self.viewport().size()
        panel.resize(max(room.width(), need.width()), max(room.height(), need.height()))


class LazyPanels(Mapping[str, Panel]):
    """Panel id -> panel, each built the first time it is asked for (a dock shown, a test, an
    export): a hidden panel costs nothing until then. The 13 panels and their 14 plots took
    257 ms to build, 170 ms of it for panels hidden behind tabs, all before the window's first
    frame (README, "Performance")."""

    def __init__(self, holders: dict[str, tuple[type[Panel], PanelHolder]]) -> None:
        self._holders = holders
        self._built: dict[str, Panel] = {}

    def __getitem__(self, panel_id: str) -> Panel:
        panel = self._built.get(panel_id)
        if panel is None:
            cls, holder = self._holders[panel_id]          # KeyError for an unknown id
            panel = self._built[panel_id] = cls()
            holder.hold(panel)
        return panel

    def __iter__(self) -> Iterator[str]:
        return iter(self._holders)

    def __len__(self) -> int:
        return len(self._holders)

    def built(self, panel_id: str) -> Panel | None:
        """The panel if it has been built, else None (never builds it)."""
        return self._built.get(panel_id)


class PanelDocks(QObject):
    """Builds one QDockWidget per class in ``PANELS`` into ``window`` (tabbed per default
    area) and shows each new snapshot in them lazily."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        holders: dict[str, tuple[type[Panel], PanelHolder]] = {}
        self.panels = LazyPanels(holders)
        self.docks: dict[str, QDockWidget] = {}
        self.snapshot: Snapshot | None = None
        self._pending: list[str] = []
        self._drawing: tuple[Panel, Iterator[None]] | None = None    # the panel being drawn
        self._stale: set[str] = set()
        self._held: list[QWidget] = []    # drawn, their paints released once all are drawn
        self.deferred = False         # the window is away (compact mode): draw on its return
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._show_next)
        centre = QWidget()
        centre.setMaximumSize(0, 0)
        window.setCentralWidget(centre)
        previous: dict[Qt.DockWidgetArea, QDockWidget] = {}
        for cls in PANELS:
            dock = QDockWidget(cls.title.replace("&", "&&"), window)
            dock.setObjectName(f"dock_{cls.panel_id}")
            # A panel larger than its dock scrolls inside it: no panel's minimum size can push
            # the window past the screen (a 1280x800 laptop included).
            holder = PanelHolder()
            holders[cls.panel_id] = (cls, holder)
            dock.setWidget(holder)
            dock.setToolTip(cls.description)
            area = cls.default_area
            window.addDockWidget(area, dock)
            if area in previous:
                window.tabifyDockWidget(previous[area], dock)
            previous.setdefault(area, dock)
            self.docks[cls.panel_id] = dock
            dock.visibilityChanged.connect(
                lambda visible, pid=cls.panel_id: self._on_visible(pid, visible))

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        if self._drawing is not None:    # a panel half-drawn from the last one: drawn anew
            panel, self._drawing = self._drawing[0], None
            self._finish(panel)
        self._pending = [] if self.deferred else [
            pid for pid, dock in self.docks.items()
            if not dock.visibleRegion().isEmpty() or not self.window.isVisible()]
        self._stale = set(self.docks) - set(self._pending)
        self._timer.start()       # the first part too in a turn of its own, after this slot

    @property
    def rendering(self) -> bool:
        """True while visible panels are still being drawn from the latest snapshot."""
        return bool(self._pending) or self._drawing is not None

    def _show_next(self) -> None:
        """One part of the panel being drawn (``Panel.draw_steps``), the next panel's first
        when it is done: one part per turn of the event loop."""
        if self._drawing is None and self._pending and self.snapshot is not None:
            panel = self.panels[self._pending.pop(0)]
            panel.setUpdatesEnabled(False)
            self._drawing = (panel, panel.draw_steps(self.snapshot))
        if self._drawing is not None:
            panel, steps = self._drawing
            try:
                next(steps)
            except StopIteration:
                self._drawing = None
                self._finish(panel)
        if self._drawing is not None or self._pending:
            self._timer.start()
        elif self._held:                # a half-drawn panel given up, with nothing to draw
            self._release_held()

    def _on_visible(self, panel_id: str, visible: bool) -> None:
        if not visible:
            return
        panel = self.panels[panel_id]               # built when first shown
        if panel_id in self._stale and self.snapshot is not None:
            self._stale.discard(panel_id)
            panel.setUpdatesEnabled(False)
            panel.show_snapshot(self.snapshot)
            self._finish(panel)

    def _finish(self, panel: Panel) -> None:
        """A panel drawn (or given up for a newer snapshot): its charts settle their ranges
        now (pyqtgraph does it at the start of a paint, and the changes it makes there ask
        for a second paint), and its paints, held while it was drawn, are released once every
        visible panel is drawn, by 1 ms timers: the panels' own first and then each chart's,
        each painted once in a pass of its own (a queued call could run in the same pass of
        posted events). Each chart would otherwise repaint the window at every step of
        settling its axes and layout (9 repaints of the momentum chart in one refresh, 170 ms
        back to back), and a panel released while the next one is drawn has its paint and a
        drawing step in one pass of the event loop (two frames' time)."""
        self._held.append(panel)
        for plot in panel.findChildren(ThemedPlot):
            plot.scene().prepareForPaint()
            plot.setUpdatesEnabled(False)       # stays off when the panel's come back on
            self._held.append(plot)
        if not self.rendering:
            self._release_held()

    def _release_held(self) -> None:
        """Release the held paints: the panels' first, then their charts'."""
        held, self._held = self._held, []
        held.sort(key=lambda widget: isinstance(widget, ThemedPlot))
        _release(held)


def _release(held: list[QWidget]) -> None:
    """Turn paints back on for ``held[0]`` in 1 ms, then for the rest one by one."""
    widget = held[0]

    def release() -> None:
        widget.setUpdatesEnabled(True)
        if len(held) > 1:
            _release(held[1:])

    QTimer.singleShot(1, widget, release)


# Built-in layouts: (area, stacked below the area's first group?, panels tabbed together: the
# first is the visible tab), plus each column's share of the width and each group's share
# of its column's height.
Group = tuple[Qt.DockWidgetArea, bool, tuple[str, ...]]
LEFT, RIGHT = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
LAYOUTS: dict[str, tuple[tuple[Group, ...], float, float, float]] = {
    # 1920x1080: radar, momentum, leveraged-ETF flows and regions at once; the wide column
    # holds the two wide tables (the radar's words, the regions' 14 columns).
    "Morning": (((LEFT, False, ("radar", "dispersion", "crowding")),
                 (LEFT, True, ("regions", "overview", "regimes")),
                 (RIGHT, False, ("momentum", "intraday", "themes", "events")),
                 (RIGHT, True, ("flows", "gamma", "alerts"))), 0.62, 0.56, 0.68),
    # 1280x800: the radar and momentum side by side; every other panel one click away.
    "Laptop": (((LEFT, False, ("radar", "dispersion", "crowding", "flows", "gamma", "alerts")),
                (RIGHT, False, ("momentum", "intraday", "themes", "regions", "regimes",
                                "events", "overview"))), 0.56, 1.0, 1.0),
}
LAPTOP_WIDTH = 1600          # screens narrower than this start with the Laptop layout


def default_layout(width: int) -> str:
    return "Laptop" if width < LAPTOP_WIDTH else "Morning"


def apply_layout(docks: PanelDocks, name: str) -> None:
    """Arrange the docks as the built-in layout ``name`` (``LAYOUTS``) in the window's
    current size; panels a layout does not name are tabbed behind the last group."""
    groups, left_share, top_share_left, top_share_right = LAYOUTS[name]
    window = docks.window
    named = [pid for _, _, ids in groups for pid in ids]
    rest = tuple(pid for pid in docks.docks if pid not in named)
    if rest:
        area, below, ids = groups[-1]
        groups = (*groups[:-1], (area, below, ids + rest))
    for dock in docks.docks.values():
        dock.setFloating(False)
        window.removeDockWidget(dock)
    heads: dict[Qt.DockWidgetArea, list[QDockWidget]] = {}
    for area, below, ids in groups:          # first each group's visible dock (Qt splits a
        head = docks.docks[ids[0]]           # lone dock, not a tab group)
        if below and heads.get(area):
            window.splitDockWidget(heads[area][0], head, Qt.Orientation.Vertical)
        else:
            window.addDockWidget(area, head)
        heads.setdefault(area, []).append(head)
        head.show()
    for _, _, ids in groups:                 # then the tabs behind it
        for pid in ids[1:]:
            window.tabifyDockWidget(docks.docks[ids[0]], docks.docks[pid])
            docks.docks[pid].show()
    for column in heads.values():
        for head in column:
            head.raise_()
    for bar in window.findChildren(QTabBar):     # whole tab titles, scrolled when many
        bar.setElideMode(Qt.TextElideMode.ElideNone)
        bar.setUsesScrollButtons(True)
    width, height = window.width(), window.height()
    if LEFT in heads and RIGHT in heads:
        window.resizeDocks([heads[LEFT][0], heads[RIGHT][0]],
                           [int(width * left_share), int(width * (1 - left_share))],
                           Qt.Orientation.Horizontal)
    for area, share in ((LEFT, top_share_left), (RIGHT, top_share_right)):
        column = heads.get(area, [])
        if len(column) == 2:
            window.resizeDocks(column, [int(height * share), int(height * (1 - share))],
                               Qt.Orientation.Vertical)
