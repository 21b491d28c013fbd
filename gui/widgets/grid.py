"""Small shared widget helpers: a grid of one widget per name (rebuilt only when the names
change), a table cell's text, and a combo box refilled without signals."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QGridLayout, QTableWidget, QWidget

W = TypeVar("W", bound=QWidget)


def sync_grid(grid: QGridLayout, current: dict[str, W], names: Sequence[str],
              make: Callable[[str], W], columns: int) -> dict[str, W]:
    """Return ``current`` if it already holds ``names`` in order; otherwise replace its widgets
    with ``make(name)`` for each name, laid out ``columns`` to a row."""
    if list(current) == list(names):
        return current
    for widget in current.values():
        # Leave it parented until Qt deletes it: an unparented wrapper could be destroyed by
        # Python's garbage collector from another thread.
        grid.removeWidget(widget)
        widget.hide()
        widget.deleteLater()
    widgets: dict[str, W] = {}
    for i, name in enumerate(names):
        widgets[name] = make(name)
        grid.addWidget(widgets[name], i // columns, i % columns)
    return widgets


def cell_text(table: QTableWidget, row: int, column: int) -> str:
    """The text of a table cell ('' for a cell without an item)."""
    item = table.item(row, column)
    return "" if item is None else item.text()


def set_choices(combo: QComboBox, names: Sequence[str], preferred: str | None = None) -> None:
    """Fill ``combo`` with ``names`` without emitting its signals, selecting ``preferred``
    (or the current choice) when it is among them."""
    current = preferred or combo.currentText()
    with QSignalBlocker(combo):
        combo.clear()
        combo.addItems(list(names))
        if current in names:
            combo.setCurrentText(current)
