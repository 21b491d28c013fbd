"""Layering: analytics never imports Qt, models or gui; models never imports gui (nor yfinance
or scipy at import time: they load lazily, off the startup path).

Each package is imported whole in one fresh interpreter: a module's imports are part of its
package's, so a clean package proves every module clean. On a failure each module is imported
alone to name the one that pulls the forbidden package in."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"analytics": {"PySide6", "pyqtgraph", "shiboken6", "superqt", "gui", "models"},
             "models": {"pyqtgraph", "gui", "yfinance", "scipy"}}   # Qt's core signals are fine


def _modules(package: str) -> list[str]:
    return sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / package).rglob("*.py")
    )


def _imported_after(modules: list[str]) -> set[str]:
    code = (f"import sys, json; import {', '.join(modules)}; "
            "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _culprits(package: str) -> dict[str, list[str]]:
    """Module -> the forbidden packages it loads (empty when the package is clean)."""
    modules = _modules(package)
    if not _imported_after(modules) & FORBIDDEN[package]:
        return {}
    loaded = {module: sorted(_imported_after([module]) & FORBIDDEN[package])
              for module in modules}
    return {module: names for module, names in loaded.items() if names}


def test_analytics_is_pure():
    assert len(_modules("analytics")) > 15
    assert _culprits("analytics") == {}


def test_models_never_import_gui_nor_the_lazy_libraries():
    assert len(_modules("models")) > 15
    assert _culprits("models") == {}
