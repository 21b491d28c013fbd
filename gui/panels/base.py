"""Panel base class: a widget that shows part of a Snapshot and exports itself to PNG."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from gui.widgets.window_selector import WindowSelector


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


class Panel(QWidget):
    """Subclasses set ``panel_id`` (file name of its PNG, dock objectName), ``title`` and
    ``default_area``, and implement ``render(snapshot)``: cheap, main thread, no analytics."""

    panel_id = "panel"
    title = "Panel"
    description = ""
    default_area = Qt.LeftDockWidgetArea

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snapshot = None

    def render(self, snapshot) -> None:
        self.snapshot = snapshot

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


class WindowedPanel(Panel):
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
