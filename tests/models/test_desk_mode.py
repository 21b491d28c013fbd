"""Desk mode: one fetcher (--fetch, exit codes for the scheduler) and viewers on --source
cache that refresh when the shared folder's manifest names a new generation."""
from __future__ import annotations

import types

import pytest

import main
from models.cache import MarketCache
from models.market import MarketData
from models.scheduler import CacheWatcher
from models.sources import SourceUnavailable
from tests.models.test_cache import small_market


def fetch_args(tmp_path, **kw):
    return types.SimpleNamespace(universe=None, cache_dir=str(tmp_path), shares=None, **kw)


class Fetched:
    def __init__(self, result):
        self.result = result

    def load(self, universe, progress=None):
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result


@pytest.mark.parametrize("result, code", [
    (small_market(), main.FETCH_OK),
    (MarketData(close=small_market().close, source="yahoo",
                notes=("2 of 9 tickers returned no data: DEADCO, X",)), main.FETCH_PARTIAL),
    (MarketData(close=small_market().close, source="yahoo cache (STALE, 3 h old)",
                notes=("Yahoo returned no data (N/A): showing the cache from 2026-02-06 20:00",)),
     main.FETCH_UNAVAILABLE),
    (SourceUnavailable("offline"), main.FETCH_UNAVAILABLE),
])
def test_fetch_exit_codes(tmp_path, monkeypatch, capsys, result, code):
    import models.sources as sources

    seen = {}

    def fake_open(name, cache_root=None, **options):
        seen.update(name=name, root=cache_root)
        return Fetched(result)

    monkeypatch.setattr(sources, "open_source", fake_open)
    assert main.run_fetch(fetch_args(tmp_path)) == code
    assert seen == {"name": "yahoo", "root": tmp_path}
    out = capsys.readouterr()
    assert (out.out if code == main.FETCH_OK else out.out + out.err).strip()


def test_fetch_offline_exits_4(tmp_path):
    from tests.e2e.test_cli import run

    out = run("--fetch", "--cache-dir", str(tmp_path / "shared"),
              env_extra={"XDG_CONFIG_HOME": str(tmp_path)})
    assert out.returncode == main.FETCH_UNAVAILABLE, out.stderr
    assert "Yahoo unavailable" in out.stderr and "unchanged" in out.stderr


def test_viewer_refreshes_when_the_fetcher_writes(qtbot, tmp_path):
    cache = MarketCache(tmp_path)
    cache.save(small_market(seed=0))
    busy = {"now": False}
    watcher = CacheWatcher(MarketCache(tmp_path), interval_ms=20, busy=lambda: busy["now"])
    fired = []
    watcher.changed.connect(lambda: fired.append(1))
    watcher.start()
    qtbot.wait(100)
    assert fired == [], "no change, no refresh"
    cache.save(small_market(seed=1))
    qtbot.waitUntil(lambda: len(fired) == 1, timeout=2000)
    busy["now"] = True
    cache.save(small_market(seed=2))
    qtbot.wait(100)
    assert len(fired) == 1, "not while a refresh runs"
    busy["now"] = False
    qtbot.waitUntil(lambda: len(fired) == 2, timeout=2000)
    watcher.timer.stop()
