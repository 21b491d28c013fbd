"""Panel base class: a widget that shows part of a Snapshot and exports itself to PNG."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from gui.widgets.window_selector import WindowSelector

if TYPE_CHECKING:
    from analytics.snapshot import Snapshot

V = TypeVar("V")


def headline_label(text: str, bigger: int = 3) -> QLabel:
    """A bold, larger, word-wrapped label for a panel's headline figure."""
    label = QLabel(text)
    font = label.font()
    font.setPointSize(font.pointSize() + bigger)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def note_label(text: str = "") -> QLabel:
    """A muted, word-wrapped label for method notes and secondary figures."""
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


class Panel(QWidget, Generic[V]):
    """One part of a Snapshot on screen. Subclasses set ``panel_id`` (file name of its PNG,
    dock objectName), ``title``, ``default_area`` and ``view_field`` (the Snapshot field they
    show: ``"momentum"``...; empty for panels that read several), and implement
    ``show_view(view)``, or ``view_steps(view)`` (the same in parts), and ``show_missing()``
    (the n/a state when that field is None). They run on the main thread and are cheap: no
    analytics (docs/architecture.md, "Adding a panel")."""

    panel_id = "panel"
    title = "Panel"
    description = ""
    default_area = Qt.DockWidgetArea.LeftDockWidgetArea
    view_field = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snapshot: Snapshot | None = None

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show ``snapshot``: its ``view_field`` view, or the n/a state without it."""
        for _ in self.draw_steps(snapshot):
            pass

    def draw_steps(self, snapshot: Snapshot) -> Iterator[None]:
        """``show_snapshot`` in parts: the window runs one part per turn of its event loop,
        so a refresh never holds it for a whole panel (docs/architecture.md, "Drawing a
        snapshot")."""
        self.snapshot = snapshot
        view = self.view
        if view is None:
            self.show_missing()
        else:
            yield from self.view_steps(view)

    def view_steps(self, view: V) -> Iterator[None]:
        """Draw ``view`` in parts, yielding between them (by default ``show_view``, whole)."""
        self.show_view(view)
        yield from ()

    @property
    def view(self) -> V | None:
        """The view on screen (None before the first snapshot or when it is missing)."""
        if self.snapshot is None:
            return None
        return getattr(self.snapshot, self.view_field) if self.view_field else \
            self.snapshot  # type: ignore[return-value]

    @property
    def shown(self) -> Snapshot:
        """The snapshot on screen, for ``show_view`` / ``show_missing`` and what they call."""
        if self.snapshot is None:
            raise RuntimeError(f"{self.panel_id}: no snapshot shown yet")
        return self.snapshot

    def show_view(self, view: V) -> None:
        """Draw ``view`` (``self.snapshot`` holds the rest of the snapshot)."""

    def show_missing(self) -> None:
        """Say why the view is n/a (``self.snapshot`` is set)."""

    def view_state(self) -> dict[str, Any]:
        """User choices that an export copy should share (chart window, selection...)."""
        return {}

    def apply_view_state(self, state: dict[str, Any]) -> None:
        """Restore what ``view_state`` returned."""

    def export_png(self, path: str | Path, width: int = 1600, height: int = 900,
                   snapshot=None) -> Path:
        """Save as PNG (footer, watermark for simulated data); ``snapshot`` overrides the
        one on screen."""
        from gui.export import export_panel

        return export_panel(self, path, width, height, snapshot)


class WindowedPanel(Panel[V]):
    """A panel whose charts follow a 1M / 3M / YTD / 1Y / All selector (``self.selector``);
    ``redraw()`` is called when the window changes."""

    initial_window = "3M"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selector = WindowSelector(self.initial_window)
        self.selector.changed.connect(lambda _window: self.redraw())

    def redraw(self) -> None:
        """Draw the charts for the selected window (subclasses)."""

    def view_state(self) -> dict[str, Any]:
        return {"window": self.selector.current}

    def apply_view_state(self, state: dict[str, Any]) -> None:
        self.selector.set_window(state.get("window", self.selector.current))
