"""On-disk cache of downloaded market data: Parquet datasets plus a JSON manifest, safe for
many processes sharing one folder (docs/data.md, "The cache").

Layout under ``root`` (default: the platform's user cache dir / FactorDesk / <source>):
``manifest.json`` (source, tickers, first/last date, fetched_at, datasets) and generation
folders ``g<time>-<pid>-<token>/`` holding ``close.parquet``, ``volume.parquet``,
``shares_outstanding.parquet``, ``fund_assets.parquet``, ``share_history.parquet`` (dated share
counts, models/shares.py) and ``options_<underlying>.parquet``; ``leases/`` (readers' leases)
and ``.write.lock``.

Writers take the write lock (``filelock``) to switch the manifest and to delete generations;
they write a complete new generation first (holding a lease on it), so a crash at any point
leaves the previous manifest and the generation it names intact. The manifest lists the last
``keep`` generations it switched to (``recent``). Readers take no lock: a reader takes a lease
(a small file naming its pid) on the generation the manifest names, then checks the manifest
still names it; a writer deletes a generation only when it is not in ``recent`` and no fresh
lease holds it, so neither a generation being read nor one being written disappears. A read that fails
while a newer manifest exists retries once on it; a file is quarantined (renamed
``*.corrupt``) only when it fails twice with no writer active. The manifest is validated
(types, and every path inside the cache folder) before anything is read. Never pickle.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from pathlib import Path

import pandas as pd

from models.market import MarketData

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"
FRAMES = ("close", "volume", "shares_outstanding")
WRITE_LOCK = ".write.lock"
LEASES = "leases"
KEEP_GENERATIONS = 2         # the manifest's generation and the one before it
LEASE_STALE_S = 120.0        # a reader's lease older than this no longer protects
LOCK_TIMEOUT_S = 60.0
REPLACE_TRIES = 6            # os.replace over a file another process has open fails on Windows


def default_cache_root(source: str) -> Path:
    """The user cache dir (or $FACTORDESK_CACHE_DIR) / <source>."""
    override = os.environ.get("FACTORDESK_CACHE_DIR")
    if override:
        return Path(override) / source
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("FactorDesk", appauthor=False)) / source


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


class CacheError(OSError):
    """The cache cannot be written (read-only folder, full disk, lock not obtained)."""


def _replace(src: Path, dst: Path) -> None:
    """``os.replace`` with retries: on Windows it fails while another process has ``dst``
    open (a reader), so back off and try again."""
    for attempt in range(REPLACE_TRIES):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == REPLACE_TRIES - 1:
                raise
            time.sleep(0.02 * 2 ** attempt)


def _is_str_map(value) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                           for k, v in value.items())


class MarketCache:
    """Read and write one source's MarketData as Parquet files with a manifest."""

    def __init__(self, root: str | Path, keep: int = KEEP_GENERATIONS,
                 lease_stale: float = LEASE_STALE_S) -> None:
        self.root = Path(root)
        self.keep = max(1, int(keep))
        self.lease_stale = lease_stale

    # ------------------------------------------------------------------ locking
    def _lock(self, timeout: float = LOCK_TIMEOUT_S):
        from filelock import FileLock

        return FileLock(str(self.root / WRITE_LOCK), timeout=timeout)

    def writer_active(self) -> bool:
        """True while another thread or process holds the write lock."""
        if not (self.root / WRITE_LOCK).exists():
            return False
        from filelock import Timeout

        try:
            with self._lock(timeout=0):
                return False
        except Timeout:
            return True
        except OSError:
            return False

    # ------------------------------------------------------------------ writing
    def _write_bytes_atomic(self, path: Path, write) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            write(tmp)
            _replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()

    def _write_frame(self, generation: str, name: str, frame: pd.DataFrame) -> str:
        file = f"{generation}/{name}.parquet"
        frame = frame.copy()
        frame.columns = [str(c) for c in frame.columns]
        self._write_bytes_atomic(self.root / file, lambda p: frame.to_parquet(p, engine="pyarrow"))
        return file

    def save(self, market: MarketData) -> None:
        """Write ``market`` as a new generation, then, under the write lock, switch the
        manifest to it and delete the generations no one needs. On any failure (a full
        disk, a read-only folder) the new generation is removed and the previous manifest
        and its generation stay as they were; the error is raised as ``CacheError``."""
        generation = f"g{time.time_ns()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        folder = self.root / generation
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with self._lease(generation):       # before the folder: another writer's clean-up
                folder.mkdir(exist_ok=False)    # deletes any unleased generation folder
                datasets, options = self._write_generation(generation, market)
                manifest = self._manifest_for(market, generation, datasets, options)
                with self._lock():
                    manifest["recent"] = [generation] + [
                        g for g in self._recent() if g != generation][:self.keep - 1]
                    self._write_bytes_atomic(self.root / MANIFEST, lambda p: p.write_text(
                        json.dumps(manifest, indent=1), encoding="utf-8"))
                    self._delete_old(set(manifest["recent"]))
        except Exception as exc:
            shutil.rmtree(folder, ignore_errors=True)
            if isinstance(exc, OSError) or type(exc).__name__ == "Timeout":
                raise CacheError(f"cannot write the cache at {self.root}: {exc}") from exc
            raise

    def _write_generation(self, generation: str, market: MarketData) -> tuple[dict, dict]:
        datasets: dict[str, str] = {}
        for name in FRAMES:
            frame = getattr(market, name)
            if frame is not None:
                datasets[name] = self._write_frame(generation, name, frame)
        if market.fund_assets is not None:
            datasets["fund_assets"] = self._write_frame(generation, "fund_assets",
                                                        market.fund_assets.to_frame("usd"))
        if market.share_history is not None and len(market.share_history):
            datasets["share_history"] = self._write_frame(generation, "share_history",
                                                          market.share_history)
        options = {underlying: self._write_frame(generation, f"options_{_safe(underlying)}",
                                                 chain)
                   for underlying, chain in market.options.items()}
        return datasets, options

    @staticmethod
    def _manifest_for(market: MarketData, generation: str, datasets: dict,
                      options: dict) -> dict:
        close = market.close
        return {
            "source": market.source,
            "tickers": list(map(str, close.columns)),
            "first": close.index[0].strftime("%Y-%m-%d") if len(close) else None,
            "last": close.index[-1].strftime("%Y-%m-%d") if len(close) else None,
            "fetched_at": (market.fetched_at or pd.Timestamp.now()).isoformat(),
            "as_of_time": None if market.as_of_time is None else market.as_of_time.isoformat(),
            "delay_minutes": int(market.delay_minutes),
            "generation": generation,
            "datasets": datasets,
            "options": options,
            "availability": market.availability,
            "yield_tickers": sorted(market.yield_tickers),
        }

    def _recent(self) -> list[str]:
        """The generations the current manifest lists (none when it is missing or bad)."""
        try:
            manifest = self._read_manifest()
        except (OSError, _Corrupt):
            return []
        return list(manifest.get("recent") or [manifest.get("generation")])

    def _delete_old(self, recent: set[str]) -> None:
        """Delete the generation folders the manifest no longer lists and no fresh lease
        holds (called under the write lock; another writer's folder in progress is leased).
        The folders are listed before the leases: a writer leases its generation before it
        creates the folder, so any folder listed here has its lease on disk by the time the
        leases are read (listing leases first let a folder created in between be deleted)."""
        folders = [f for f in self.root.glob("g*") if f.is_dir() and f.name not in recent]
        leased = self._leased()
        for folder in folders:
            if folder.name not in leased:
                shutil.rmtree(folder, ignore_errors=True)

    # ------------------------------------------------------------------ leases
    def _leased(self) -> set[str]:
        """Generations held by a lease younger than ``lease_stale``; stale leases are removed."""
        held: set[str] = set()
        now = time.time()
        for lease in (self.root / LEASES).glob("*.lease"):
            try:
                age = now - lease.stat().st_mtime
            except OSError:
                continue
            if age > self.lease_stale:
                with contextlib.suppress(OSError):
                    lease.unlink()
            else:
                held.add(lease.name.split(".")[0])
        return held

    @contextlib.contextmanager
    def _lease(self, generation: str):
        """Hold a lease on ``generation`` while reading it (best effort: a read-only folder
        reads without one)."""
        lease = self.root / LEASES / f"{generation}.{os.getpid()}.{uuid.uuid4().hex[:8]}.lease"
        path: Path | None = lease
        try:
            lease.parent.mkdir(exist_ok=True)
            lease.write_text(f"{os.getpid()} {time.time():.3f}\n", encoding="utf-8")
        except OSError:
            path = None
        try:
            yield
        finally:
            if path is not None:
                with contextlib.suppress(OSError):
                    path.unlink()

    # ------------------------------------------------------------------ reading
    def _read_manifest(self) -> dict:
        """The validated manifest; raises ``_Corrupt`` naming what is wrong, FileNotFoundError
        when there is none."""
        path = self.root / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise
        except (OSError, ValueError, RecursionError) as exc:
            raise _Corrupt(path, exc) from None
        problem = self._invalid(manifest)
        if problem:
            raise _Corrupt(path, problem)
        return manifest

    def _invalid(self, manifest) -> str | None:
        """What is wrong with a manifest, or None: the types every key must have, and every
        file it names inside the cache folder."""
        if not isinstance(manifest, dict):
            return "not a JSON object"
        if not _is_str_map(manifest.get("datasets")) or "close" not in manifest["datasets"]:
            return "'datasets' must map names to file paths and include 'close'"
        if not _is_str_map(manifest.get("options", {})):
            return "'options' must map underlyings to file paths"
        if not isinstance(manifest.get("availability", {}), dict):
            return "'availability' must be an object"
        recent = manifest.get("recent", [])
        if not isinstance(recent, list) or not all(isinstance(g, str) for g in recent):
            return "'recent' must be a list of generation names"
        yields = manifest.get("yield_tickers", [])
        if not isinstance(yields, list) or not all(isinstance(t, str) for t in yields):
            return "'yield_tickers' must be a list of tickers"
        if not isinstance(manifest.get("delay_minutes", 0), int):
            return "'delay_minutes' must be a whole number"
        moment = manifest.get("as_of_time")
        if moment is not None:
            try:
                if not isinstance(moment, str) or pd.Timestamp(moment).tzinfo is None:
                    raise ValueError
            except ValueError:
                return "'as_of_time' must be null or a time with its UTC offset"
        if not isinstance(manifest.get("source", ""), str):
            return "'source' must be text"
        try:
            if not isinstance(manifest["fetched_at"], str):
                raise TypeError
            pd.Timestamp(manifest["fetched_at"])
        except (KeyError, TypeError, ValueError):
            return "'fetched_at' must be a date and time"
        root = self.root.resolve()
        for file in [*manifest["datasets"].values(), *manifest.get("options", {}).values()]:
            target = (self.root / file).resolve()
            if Path(file).is_absolute() or not target.is_relative_to(root) or target == root:
                return f"path {file!r} is outside the cache folder"
        return None

    def manifest(self) -> dict | None:
        """The validated manifest, or None (none yet, or unusable: quarantined once it has
        failed twice with no writer active)."""
        for attempt in range(2):
            try:
                return self._read_manifest()
            except FileNotFoundError:
                return None
            except _Corrupt as exc:
                if attempt == 0:
                    time.sleep(0.05)
                    continue
                if not self.writer_active():
                    self._quarantine(exc.path, exc.reason)
                else:
                    log.info("cache manifest unreadable while a writer is active: %s", exc)
        return None

    def manifest_generation(self) -> str | None:
        """The generation the manifest names now (None when it cannot be read)."""
        try:
            return self._read_manifest().get("generation")
        except (OSError, _Corrupt):
            return None

    def load(self) -> MarketData | None:
        """The cached MarketData, or None when there is none or it is unreadable."""
        failed: dict[str, int] = {}
        for _ in range(4):
            manifest = self.manifest()
            if manifest is None:
                return None
            generation = str(manifest.get("generation", ""))
            try:
                with self._lease(generation):
                    if self.manifest_generation() != generation:
                        continue                    # switched before the lease: take the new one
                    return self._market(manifest)
            except _Corrupt as exc:
                key = str(exc.path)
                failed[key] = failed.get(key, 0) + 1
                newer = self.manifest()
                if newer is not None and newer.get("generation") != manifest.get("generation"):
                    continue                        # a writer switched: retry on the new one
                if failed[key] >= 2:
                    if not self.writer_active():
                        self._quarantine(exc.path, exc.reason)
                    return None
        return None

    def _market(self, manifest: dict) -> MarketData:
        frames = {name: self._read(file) for name, file in manifest["datasets"].items()}
        options = {u: self._read(f) for u, f in manifest.get("options", {}).items()}
        assets = frames.get("fund_assets")
        if assets is not None and "usd" not in assets.columns:
            raise _Corrupt(self.root / manifest["datasets"]["fund_assets"], "no 'usd' column")
        return MarketData(
            close=frames["close"], volume=frames.get("volume"),
            shares_outstanding=frames.get("shares_outstanding"), options=options,
            source=manifest.get("source", "cache"), simulated=False,
            yield_tickers=frozenset(manifest.get("yield_tickers", [])),
            fund_assets=None if assets is None else assets["usd"],
            share_history=frames.get("share_history"),
            availability={str(k): str(v) for k, v in manifest.get("availability", {}).items()},
            fetched_at=pd.Timestamp(manifest["fetched_at"]),
            as_of_time=_moment(manifest.get("as_of_time")),
            delay_minutes=int(manifest.get("delay_minutes") or 0))

    def _read(self, file: str) -> pd.DataFrame:
        path = self.root / file
        try:
            frame = pd.read_parquet(path, engine="pyarrow")
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for bad files
            raise _Corrupt(path, exc) from None
        if not isinstance(frame.index, pd.DatetimeIndex) and file.split("/")[-1].startswith(FRAMES):
            raise _Corrupt(path, "index is not dates")
        return frame

    def _quarantine(self, path: Path, reason) -> None:
        if not path.exists():
            log.warning("cache file %s is missing (%s); the data will be re-fetched", path, reason)
            return
        target = path.with_name(path.name + ".corrupt")
        log.warning("cache file %s is unreadable (%s); moved to %s and will be re-fetched",
                    path, reason, target.name)
        try:
            _replace(path, target)
        except OSError as exc:
            log.warning("could not quarantine %s: %s", path, exc)

    def clear(self) -> None:
        """Delete the whole cache directory (under the write lock, so no save is cut)."""
        if not self.root.exists():
            return
        try:
            with self._lock():
                for child in self.root.iterdir():
                    if child.name == WRITE_LOCK:
                        continue
                    if child.is_dir():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
        except OSError as exc:
            raise CacheError(f"cannot clear the cache at {self.root}: {exc}") from exc
        with contextlib.suppress(OSError):
            shutil.rmtree(self.root)


def _moment(text) -> pd.Timestamp | None:
    """A manifest's ``as_of_time`` (an aware ISO time, or null): the cached last row is a
    session in progress at that moment."""
    if not isinstance(text, str):
        return None
    moment = pd.Timestamp(text)
    return moment if moment.tzinfo is not None else None


class _Corrupt(Exception):
    def __init__(self, path: Path, reason) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason
