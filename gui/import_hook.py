"""PySide6's import hook told which modules it need not read (docs/architecture.md, "Drawing a
snapshot").

Importing PySide6 replaces ``__import__``. The first time a module name comes back from an
import statement afterwards, PySide reads that module's whole source file to see whether it
mentions PySide6, for the opt-in ``from __feature__ import ...`` switches (this app uses none),
and records the answer in ``PySide6.support.feature.pyside_feature_dict``: 0 for a module that
mentions PySide6, -1 ("ignore this module") for any other. Modules imported before PySide6 are
not in that table, so a function-level ``import`` inside pandas during a refresh made PySide
read pandas/core/generic.py (12,000 lines): 6 ms of the first drawdown chart's 11 ms step.
"""
from __future__ import annotations

import sys


def skip_loaded_modules() -> int:
    """Record every module already loaded as one PySide's import hook ignores, as the hook
    itself records a module whose source does not mention PySide6 (a module loaded before
    PySide6 cannot have used its ``__feature__`` switches). Call it right after the first
    PySide6 import; returns how many modules were added (0 on a PySide6 without the table)."""
    feature = sys.modules.get("PySide6.support.feature")
    table = getattr(feature, "pyside_feature_dict", None)
    if not isinstance(table, dict):
        return 0
    before = len(table)
    for name in list(sys.modules):
        table.setdefault(name, -1)
    return len(table) - before
