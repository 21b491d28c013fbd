"""Our momentum factor on real S&P 500 history (skipped without ../shared/realdata)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from models.market import MarketData
from models.sources.files import read_price_file
from models.state import default_compute


@pytest.fixture(scope="module")
def real_market(request):
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    close, _ = read_price_file(REALDATA / "yf_adjclose_2026" / "sp500_members_adjclose_wide.csv.gz")
    etfs = pd.read_csv(REALDATA / "yf_adjclose_2026" / "etfs_adjclose_wide.csv.gz",
                       parse_dates=["date"], index_col="date")
    close = close.join(etfs[["SPY"]]).loc["2004":]
    members = tuple(c for c in close.columns if c != "SPY")
    return MarketData(close=close, source="realdata", benchmark="SPY", constituents=members)


@pytest.fixture(scope="module")
def real_crash(real_market, universe):
    return default_compute(real_market.until("2026-02-04"), universe)


def test_2026_02_04_looks_like_the_described_day(real_crash):
    today = real_crash.momentum.today
    assert today.long_short < -0.05 and today.sigma <= -4
    assert today.worst_since == pd.Timestamp("2022-11-10"), "worst day since 2022"
    assert today.long < -0.02 and today.short > 0.02
    disp = real_crash.dispersion.today
    assert disp.breadth >= 0.7 and disp.benchmark < 0, "~3/4 beat a falling index"
    assert disp.ratio > 5 and disp.ratio_pct > 95


def test_factor_tracks_french_momentum(real_crash, realdata):
    french = pd.read_csv(realdata / "french" / "mom_daily_tidy.csv", parse_dates=["date"],
                         index_col="date")["Mom"] / 100
    ours = real_crash.momentum.factor["long_short"]
    joined = pd.concat({"ours": ours, "french": french}, axis=1, sort=True).dropna()
    assert len(joined) > 4000
    assert joined.corr().iloc[0, 1] > 0.85
    ratio = joined["ours"].std() / joined["french"].std()
    assert 1.2 < ratio < 2.2, "a decile long/short is more volatile than French's 2x3 terciles"
    assert np.sign(ours.loc["2020-11-09"]) == np.sign(french.loc["2020-11-09"]) == -1


def test_bad_prints_do_not_make_momentum_crashes(realdata, universe):
    """NVR's reorganisation print (+2,633% on 1993-10-01) made a -83% momentum day: it is now a
    series break, listed in the notes, and the day is ordinary."""
    close, _ = read_price_file(realdata / "yf_adjclose_2026" / "sp500_members_adjclose_wide.csv.gz")
    etfs = pd.read_csv(realdata / "yf_adjclose_2026" / "etfs_adjclose_wide.csv.gz",
                       parse_dates=["date"], index_col="date")
    close = close.join(etfs[["SPY"]]).loc["1991":"1995"]
    members = tuple(c for c in close.columns if c != "SPY")
    snap = default_compute(MarketData(close=close, source="realdata", benchmark="SPY",
                                      constituents=members), universe)
    ls = snap.momentum.factor["long_short"]
    assert abs(ls.loc["1993-10-01"]) < 0.03 and ls.min() > -0.1
    assert any("NVR 1993-10-01 (+2633%)" in note and "series breaks" in note
               for note in snap.notes)


def test_point_in_time_members_on_real_history(realdata, tmp_path):
    """With the 1996-2025 membership file a name counts only while in the S&P 500: EP (El
    Paso, acquired 2012) no longer makes the -8σ 'momentum crash' of 2014-03-07 from its
    re-used ticker's penny prints, and today's count is today's list."""
    from pathlib import Path

    from models.sources import open_source
    from models.universe import DEFAULT_UNIVERSE, load_universe

    members = realdata / "constituents" / "sp500_membership_ticker_start_end_1996_2025.csv"
    text = Path(DEFAULT_UNIVERSE).read_text(encoding="utf-8").replace(
        "[constituents]\n", f'[constituents]\nmembership = "{members.as_posix()}"\n', 1)
    (tmp_path / "universe.toml").write_text(text, encoding="utf-8")
    universe = load_universe(tmp_path / "universe.toml")
    assert "EP" in universe.index_members() and "EP" not in universe.constituents
    paths = ";".join(str(realdata / "yf_adjclose_2026" / name) for name in
                     ("sp500_members_adjclose_wide.csv.gz", "etfs_adjclose_wide.csv.gz"))
    market = open_source(paths).load(universe)
    assert "EP" in market.constituents
    cut = market.until("2026-02-04")
    snap = default_compute(replace(cut, close=cut.close.loc["2011":]), universe)
    assert abs(snap.momentum.sigma.loc["2014-03-07"]) < 3
    assert any(n.startswith("point-in-time members: 501 on 2026-02-04") for n in snap.notes)
    everyone = default_compute(replace(cut, close=cut.close.loc["2011":], constituents=tuple(
        c for c in cut.close.columns if c in universe.index_members())), load_universe())
    assert everyone.momentum.sigma.loc["2014-03-07"] < -5, "the survivorship-free list matters"
