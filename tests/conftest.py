"""Test setup: offscreen Qt, every user folder (log, cache, settings) in a temporary one,
shared fixtures. The repository is importable through pytest's ``pythonpath`` (pyproject)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The suite leaves the user alone: the log, the Yahoo cache and QSettings (XDG_CONFIG_HOME)
# of this process and of every subprocess it starts go to a fresh temporary folder.
_HOME = Path(tempfile.mkdtemp(prefix="factordesk-tests-"))
for _name, _folder in (("FACTORDESK_LOG_DIR", "log"), ("FACTORDESK_CACHE_DIR", "cache"),
                       ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                       ("XDG_CACHE_HOME", "xdg-cache")):
    os.environ[_name] = str(_HOME / _folder)
# Offscreen Qt with a 1920x1200 virtual screen (the plugin's default is 800x800, smaller than
# the window's default layout).
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    _screen = _HOME / "screen.json"       # per process: test workers never share it
    _screen.write_text(json.dumps({"screens": [{"name": "test", "x": 0, "y": 0, "width": 1920,
                                                "height": 1200, "logicalDpi": 96,
                                                "logicalBaseDpi": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen}"
import pytest  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def universe():
    from models.universe import load_universe

    return load_universe()


@pytest.fixture(scope="session")
def demo_market(universe):
    """The simulated market for the default universe, ending on the motivating week."""
    from models.sources import open_source

    return open_source("demo", seed=7, end="2026-02-06").load(universe)


@pytest.fixture
def realdata():
    """Path to ../shared/realdata; skips the test when it is absent (e.g. on a fresh clone)."""
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    return REALDATA


def pytest_configure(config):
    # pandas 4 deprecations fail the suite so they are fixed when they appear.
    config.addinivalue_line("filterwarnings", "error::pandas.errors.Pandas4Warning")
