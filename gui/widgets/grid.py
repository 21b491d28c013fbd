"""A grid of one widget per name, rebuilt only when the names change."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QGridLayout, QWidget


def sync_grid(grid: QGridLayout, current: dict[str, QWidget], names: Sequence[str],
              make: Callable[[str], QWidget], columns: int) -> dict[str, QWidget]:
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
    widgets = {}
    for i, name in enumerate(names):
        widgets[name] = make(name)
        grid.addWidget(widgets[name], i // columns, i % columns)
    return widgets
