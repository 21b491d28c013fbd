"""The real S&P 500 member file and the real ETF file given together (skipped without
../shared/realdata): column roles keep the ETFs out of the constituents, so the figures equal
those of one file holding only the universe's tickers."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.engine import compute
from models.sources.files import FileSource
from models.state import engine_params

CRASH = "2026-02-04"


@pytest.fixture(scope="module")
def both(universe):
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    folder = REALDATA / "yf_adjclose_2026"
    return FileSource((folder / "sp500_members_adjclose_wide.csv.gz",
                       folder / "etfs_adjclose_wide.csv.gz")).load(universe)


def test_members_and_etfs_together_match_a_universe_only_file(both, universe, tmp_path):
    ignored = [n for n in both.notes if n.startswith("ignored")]
    assert len(ignored) == 1 and "--constituents file" in ignored[0]
    assert "SPY" not in both.constituents and "UVXY" not in both.constituents
    assert both.benchmark == "SPY" and both.benchmark_proxy is None
    known = set(universe.all_tickers())
    only = both.close[[c for c in both.close.columns if c in known]].rename_axis("date")
    only.to_parquet(tmp_path / "universe_only.parquet")
    single = FileSource(tmp_path / "universe_only.parquet").load(universe)
    a = compute(both.until(CRASH), engine_params(universe, both)).headline()
    b = compute(single.until(CRASH), engine_params(universe, single)).headline()
    for key in ("benchmark", "momentum", "breadth", "dispersion", "crowding", "radar",
                "regions", "letf"):
        assert a[key] == b[key], key
    momentum = a["momentum"]
    assert momentum["long_short_1d"] == pytest.approx(-0.0614, abs=5e-4)
    assert momentum["worst_since"] == "2025-01-27"
    assert a["breadth"]["fraction_beating_benchmark"] == pytest.approx(0.75, abs=0.01)
    assert a["benchmark"]["1d"] < 0
    assert pd.Timestamp(a["as_of"]) == pd.Timestamp(CRASH)
