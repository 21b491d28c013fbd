"""Layering: analytics never imports Qt, models or gui; models never imports gui."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> list[str]:
    return sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / package).rglob("*.py")
    )


def _imported_after(module: str) -> set[str]:
    code = (f"import sys, json; import {module}; "
            "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", _modules("analytics"))
def test_analytics_is_pure(module):
    loaded = _imported_after(module)
    assert not loaded & {"PySide6", "pyqtgraph", "shiboken6", "gui", "models"}, module


@pytest.mark.parametrize("module", _modules("models"))
def test_models_never_import_gui(module):
    loaded = _imported_after(module)
    assert "gui" not in loaded, module
    assert not loaded & {"yfinance", "scipy"}, f"{module} imports yfinance/scipy at import time"
