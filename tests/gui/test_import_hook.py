"""PySide6's import hook is told which modules it need not read (gui/import_hook.py)."""
from __future__ import annotations

import inspect
import sys
import types

from gui import import_hook


def test_loaded_modules_are_recorded_as_ignored(monkeypatch):
    table = {"PySide6": 0}
    feature = types.SimpleNamespace(pyside_feature_dict=table)
    monkeypatch.setitem(sys.modules, "PySide6.support.feature", feature)
    monkeypatch.setitem(sys.modules, "some_loaded_module", types.ModuleType("some_loaded_module"))
    added = import_hook.skip_loaded_modules()
    assert table["some_loaded_module"] == -1, "as the hook records a module without PySide6"
    assert table["PySide6"] == 0, "what the hook recorded itself is kept"
    assert added == len(table) - 1
    assert import_hook.skip_loaded_modules() == 0


def test_a_function_level_import_no_longer_reads_the_source(monkeypatch):
    """With the real hook: re-importing a module loaded before the table knew it reads no
    source file (it read pandas/core/generic.py, 12,000 lines, during a refresh)."""
    import PySide6.QtCore  # noqa: F401  (installs the hook)

    import_hook.skip_loaded_modules()
    read = []
    real = inspect.getsource
    monkeypatch.setattr(inspect, "getsource", lambda obj: read.append(obj) or real(obj))
    name = "factordesk_loaded_early"
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)
    import_hook.skip_loaded_modules()
    __import__(name)
    assert module not in read


def test_a_pyside_without_the_table_is_left_alone(monkeypatch):
    monkeypatch.setitem(sys.modules, "PySide6.support.feature", types.ModuleType("feature"))
    assert import_hook.skip_loaded_modules() == 0
