"""Test setup: offscreen Qt, the repository on sys.path, shared fixtures."""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

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
