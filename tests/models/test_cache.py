"""Parquet cache: round trip, corruption quarantine, crash during write, clear."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.cache import MarketCache, default_cache_root
from models.market import MarketData

ROOT = Path(__file__).resolve().parents[2]


def small_market(days=30, seed=0, fetched="2026-02-06 18:00"):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(end="2026-02-06", periods=days)
    close = pd.DataFrame(100 * np.exp(rng.normal(0, 0.01, (days, 3)).cumsum(axis=0)),
                         index=dates, columns=["SPY", "^TNX", "SSO"])
    chain = pd.DataFrame({"expiry": [pd.Timestamp("2026-03-20")] * 2, "strike": [600.0, 590.0],
                          "kind": ["C", "P"], "open_interest": [10.0, 20.0],
                          "implied_vol": [0.2, 0.25]})
    return MarketData(close=close, volume=close * 1000, shares_outstanding=close[["SSO"]] * 0 + 5e6,
                      options={"SPY": chain}, source="yahoo", yield_tickers=frozenset({"^TNX"}),
                      fund_assets=pd.Series({"SSO": 6.5e9}), availability={"options SPY": "2"},
                      fetched_at=pd.Timestamp(fetched))


def test_round_trip(tmp_path):
    cache = MarketCache(tmp_path / "yahoo")
    market = small_market()
    cache.save(market)
    loaded = cache.load()
    pd.testing.assert_frame_equal(loaded.close, market.close, check_freq=False)
    pd.testing.assert_frame_equal(loaded.volume, market.volume, check_freq=False)
    pd.testing.assert_frame_equal(loaded.options["SPY"], market.options["SPY"])
    assert loaded.fund_assets["SSO"] == 6.5e9
    assert loaded.yield_tickers == frozenset({"^TNX"})
    assert loaded.fetched_at == pd.Timestamp("2026-02-06 18:00")
    manifest = cache.manifest()
    assert manifest["tickers"] == ["SPY", "^TNX", "SSO"]
    assert (manifest["first"], manifest["last"]) == (f"{market.close.index[0]:%Y-%m-%d}", "2026-02-06")
    assert not list((tmp_path / "yahoo").rglob("*.tmp")), "no temporary files left behind"
    for seed in (1, 2, 3):
        cache.save(small_market(seed=seed))
    generations = [p for p in (tmp_path / "yahoo").glob("g*") if p.is_dir()]
    assert len(generations) == 2, "the current generation and the one before it are kept"
    assert cache.manifest()["generation"] in {p.name for p in generations}


def test_empty_cache_is_none(tmp_path):
    assert MarketCache(tmp_path / "none").load() is None


def test_corrupt_parquet_is_quarantined(tmp_path, caplog):
    cache = MarketCache(tmp_path)
    cache.save(small_market())
    close = tmp_path / cache.manifest()["datasets"]["close"]
    close.write_bytes(b"garbage, not parquet")
    assert cache.load() is None
    assert close.with_name("close.parquet.corrupt").exists()
    assert "unreadable" in caplog.text
    cache.save(small_market())
    assert cache.load() is not None


def test_corrupt_manifest_is_quarantined(tmp_path):
    cache = MarketCache(tmp_path)
    cache.save(small_market())
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert cache.load() is None
    assert (tmp_path / "manifest.json.corrupt").exists()


def test_clear(tmp_path):
    cache = MarketCache(tmp_path / "c")
    cache.save(small_market())
    cache.clear()
    assert not (tmp_path / "c").exists() and cache.load() is None


def test_default_root_respects_override(tmp_path, monkeypatch):
    monkeypatch.setenv("FACTORDESK_CACHE_DIR", str(tmp_path))
    assert default_cache_root("yahoo") == tmp_path / "yahoo"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_crash_during_write_leaves_previous_cache_readable(tmp_path):
    writer = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.models.test_cache import small_market
        from models.cache import MarketCache
        cache = MarketCache({str(tmp_path)!r})
        cache.save(small_market(days=3000, seed=0))
        print("ready", flush=True)
        seed = 1
        while True:
            cache.save(small_market(days=3000 + seed, seed=seed))
            seed += 1
    """)
    proc = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.4)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    loaded = MarketCache(tmp_path).load()
    assert loaded is not None
    assert loaded.close.shape[1] == 3 and loaded.volume.shape == loaded.close.shape
