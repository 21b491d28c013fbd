"""A row of toggle buttons choosing a chart window (1M / 3M / YTD / 1Y / All)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QToolButton, QWidget

WINDOWS = ("1M", "3M", "YTD", "1Y", "All")


class WindowSelector(QWidget):
    changed = Signal(str)

    def __init__(self, initial: str = "3M", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current = initial
        self.group = QButtonGroup(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for name in WINDOWS:
            button = QToolButton()
            button.setText(name)
            button.setCheckable(True)
            button.setToolTip(f"Chart the last {name}" if name != "All" else "Chart all history")
            button.setChecked(name == initial)
            self.group.addButton(button)
            layout.addWidget(button)
        self.group.buttonClicked.connect(lambda b: self.set_window(b.text()))

    def set_window(self, window: str) -> None:
        if window not in WINDOWS:
            return
        for button in self.group.buttons():
            button.setChecked(button.text() == window)
        if window != self.current:
            self.current = window
            self.changed.emit(window)

    def buttons(self):
        return self.group.buttons()
