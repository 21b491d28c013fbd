"""A grid of one widget per name, rebuilt only when the names change."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtWidgets import QGridLayout, QTableWidget, QWidget

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
