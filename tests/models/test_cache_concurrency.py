"""Many processes, one cache: writers lock the manifest switch, readers hold leases, a
transient race never quarantines, a crafted manifest never reaches outside the folder, a
failed write leaves the previous generation intact."""
from __future__ import annotations

import contextlib
import errno
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from models.cache import CacheError, MarketCache
from tests.models.test_cache import small_market

ROOT = Path(__file__).resolve().parents[2]


def _script(body: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from tests.models.test_cache import small_market
        from models.cache import MarketCache
    """) + textwrap.dedent(body)]


def writer(folder: Path, saves: int, seed: int) -> list[str]:
    return _script(f"""
        cache = MarketCache({str(folder)!r})
        for i in range({saves}):
            cache.save(small_market(days=400 + i % 7, seed={seed} + i))
        open({str(folder / f"done-{seed}")!r}, "w").close()
        print("ok", flush=True)
    """)


def reader(folder: Path, writers: int) -> list[str]:
    """Reads until every writer has written its ``done-*`` marker (however slow the machine)."""
    return _script(f"""
        cache = MarketCache({str(folder)!r})
        reads = failed = 0
        deadline = time.time() + 100
        while len(list(cache.root.glob("done-*"))) < {writers} and time.time() < deadline:
            market = cache.load()
            reads += 1
            if market is None or market.close.shape[1] != 3:
                failed += 1
            time.sleep(0.005)
        print(reads, failed, flush=True)
    """)


def run_all(commands, timeout=60):
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for c in commands]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err
        outs.append(out.strip())
    return outs


def test_two_writers_and_a_reader(tmp_path):
    """The defect: each save deleted the generation the other writer was filling (a writer
    died with FileNotFoundError) and the reader's failed loads quarantined the manifest."""
    MarketCache(tmp_path).save(small_market())
    outs = run_all([writer(tmp_path, 15, 100), writer(tmp_path, 15, 200),
                    reader(tmp_path, writers=2)], timeout=110)
    assert outs[:2] == ["ok", "ok"]
    reads, failed = map(int, outs[2].split())
    assert reads > 5 and failed == 0
    assert not list(tmp_path.glob("*.corrupt")) and not list(tmp_path.rglob("*.corrupt"))
    assert MarketCache(tmp_path).load() is not None


def test_one_fetcher_three_viewers_200_cycles(tmp_path):
    """Desk mode: one fetcher writing 200 generations, three viewers reading throughout; no
    failed read, no lost generation (the manifest always names one that exists)."""
    MarketCache(tmp_path).save(small_market())
    until = time.time() + 600
    fetcher = _script(f"""
        cache = MarketCache({str(tmp_path)!r})
        for i in range(200):
            cache.save(small_market(days=60 + i % 5, seed=i))
            name = cache.manifest()["generation"]
            assert (cache.root / name).is_dir(), name
        open({str(tmp_path / "done")!r}, "w").close()
        print("ok", flush=True)
    """)
    viewer = _script(f"""
        import os
        cache = MarketCache({str(tmp_path)!r})
        reads = failed = 0
        while not os.path.exists({str(tmp_path / "done")!r}) and time.time() < {until}:
            market = cache.load()
            reads += 1
            failed += market is None
            time.sleep(0.01)         # a viewer's pace, not a spin that starves the writer
        print(reads, failed, flush=True)
    """)
    started = time.perf_counter()
    outs = run_all([fetcher, viewer, viewer, viewer], timeout=120)
    assert outs[0] == "ok"
    for out in outs[1:]:
        reads, failed = map(int, out.split())
        assert reads > 10 and failed == 0, out
    assert len([p for p in tmp_path.glob("g*") if p.is_dir()]) <= 2 + 3, \
        "old generations are deleted once no lease holds them"
    assert time.perf_counter() - started < 60


def test_a_lease_keeps_a_generation_until_released(tmp_path):
    cache = MarketCache(tmp_path)
    cache.save(small_market(seed=0))
    first = cache.manifest()["generation"]
    with cache._lease(first):
        for seed in (1, 2, 3):
            cache.save(small_market(seed=seed))
        assert (tmp_path / first).is_dir(), "a reader is still on it"
    cache.save(small_market(seed=4))
    assert not (tmp_path / first).exists()


def test_a_generation_started_during_the_clean_up_survives(tmp_path, monkeypatch):
    """The race behind a writer dying mid-save: another writer leases and creates its
    generation after this writer's clean-up has read the leases; a clean-up that listed the
    folders after the leases deleted that folder under it."""
    cache = MarketCache(tmp_path)
    cache.save(small_market(seed=0))
    other = "g1-1-racing"
    leases_now = MarketCache._leased

    def leases_then_another_writer_starts(self):
        held = leases_now(self)
        with contextlib.suppress(FileExistsError):
            (self.root / "leases").mkdir()
        (self.root / "leases" / f"{other}.1.x.lease").write_text("1 0")
        (self.root / other).mkdir(exist_ok=True)
        return held

    monkeypatch.setattr(MarketCache, "_leased", leases_then_another_writer_starts)
    cache.save(small_market(seed=1))
    assert (tmp_path / other).is_dir()


def test_stale_leases_do_not_pin_generations(tmp_path):
    cache = MarketCache(tmp_path, lease_stale=0.0)
    cache.save(small_market(seed=0))
    first = cache.manifest()["generation"]
    (tmp_path / "leases").mkdir(exist_ok=True)
    (tmp_path / "leases" / f"{first}.999.dead.lease").write_text("999 0")
    time.sleep(0.01)
    for seed in (1, 2):
        cache.save(small_market(seed=seed))
    assert not (tmp_path / first).exists()
    assert not list((tmp_path / "leases").glob("*.lease")), "the stale lease is removed"


def test_missing_file_with_a_newer_manifest_retries_without_quarantine(tmp_path, monkeypatch):
    """A reader that read the manifest just before a writer replaced it and deleted the old
    generation retries once on the newer manifest."""
    cache = MarketCache(tmp_path)
    cache.save(small_market(seed=0))
    stale = dict(cache.manifest(), generation="g1-0-gone",
                 datasets={"close": "g1-0-gone/close.parquet"})
    cache.save(small_market(seed=1))
    real = MarketCache._read_manifest
    calls = {"n": 0}

    def first_stale(self):
        calls["n"] += 1
        return stale if calls["n"] == 1 else real(self)

    monkeypatch.setattr(MarketCache, "_read_manifest", first_stale)
    loaded = cache.load()
    assert loaded is not None
    pd.testing.assert_frame_equal(loaded.close, small_market(seed=1).close, check_freq=False)
    assert not list(tmp_path.rglob("*.corrupt"))


def test_a_file_failing_once_is_not_quarantined(tmp_path, monkeypatch):
    cache = MarketCache(tmp_path)
    cache.save(small_market())
    real = MarketCache._read
    calls = {"n": 0}

    def flaky(self, file):
        calls["n"] += 1
        if calls["n"] == 1:
            return real(self, "nonexistent/close.parquet")
        return real(self, file)

    monkeypatch.setattr(MarketCache, "_read", flaky)
    assert cache.load() is not None
    assert not list(tmp_path.rglob("*.corrupt"))


def test_no_quarantine_while_a_writer_holds_the_lock(tmp_path):
    cache = MarketCache(tmp_path)
    cache.save(small_market())
    close = tmp_path / cache.manifest()["datasets"]["close"]
    close.write_bytes(b"half written")
    with cache._lock():
        assert MarketCache(tmp_path).load() is None
        assert not close.with_name("close.parquet.corrupt").exists()
    assert cache.load() is None
    assert close.with_name("close.parquet.corrupt").exists()


@pytest.mark.parametrize("datasets", ["../victim/important.txt", "/etc/hostname", "abc"])
def test_crafted_manifest_never_reaches_outside(tmp_path, datasets):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "important.txt").write_text("keep me")
    outside = tmp_path / "outside.parquet"
    small_market().close.to_parquet(outside)
    folder = tmp_path / "cache"
    cache = MarketCache(folder)
    cache.save(small_market())
    manifest = cache.manifest()
    manifest["datasets"] = datasets if datasets == "abc" else {"close": datasets}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert cache.load() is None
    assert (victim / "important.txt").read_text() == "keep me", "nothing outside is renamed"
    assert (folder / "manifest.json.corrupt").exists()
    manifest["datasets"] = {"close": str(outside)}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert cache.load() is None, "a valid Parquet outside the folder is not read"
    assert outside.exists()


@pytest.mark.parametrize("text", ['{"datasets": {"close": "x"}, "options": [1], "fetched_at": "2026-01-01"}',
                                  '{"datasets": {"close": "g/close.parquet"}, "fetched_at": 5}',
                                  "[" * 100000 + "]" * 100000, '"just a string"'])
def test_wrong_types_and_deep_nesting_are_quarantined_not_raised(tmp_path, text):
    cache = MarketCache(tmp_path)
    cache.save(small_market())
    (tmp_path / "manifest.json").write_text(text)
    assert cache.load() is None and cache.manifest() is None
    assert (tmp_path / "manifest.json.corrupt").exists()


def test_full_disk_keeps_the_previous_generation(tmp_path, monkeypatch):
    cache = MarketCache(tmp_path)
    cache.save(small_market(seed=0))
    before = cache.manifest()

    def full(self, generation, name, frame):
        if name == "volume":
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, generation, name, frame)

    original = MarketCache._write_frame
    monkeypatch.setattr(MarketCache, "_write_frame", full)
    with pytest.raises(CacheError, match="No space left"):
        cache.save(small_market(seed=1))
    assert cache.manifest() == before
    assert [p.name for p in tmp_path.glob("g*")] == [before["generation"]], \
        "the half-written generation is removed"
    pd.testing.assert_frame_equal(cache.load().close, small_market(seed=0).close,
                                  check_freq=False)


def test_clear_waits_for_the_writer(tmp_path):
    import threading

    cache = MarketCache(tmp_path / "c")
    cache.save(small_market())
    lock = cache._lock()
    lock.acquire()
    done = threading.Event()
    thread = threading.Thread(target=lambda: (cache.clear(), done.set()))
    thread.start()
    time.sleep(0.3)
    assert not done.is_set(), "clear waits while a save holds the lock"
    lock.release()
    thread.join(10)
    assert done.is_set() and cache.load() is None
