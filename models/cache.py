"""On-disk cache of downloaded market data: Parquet datasets plus a JSON manifest.

Layout under ``root`` (default: the platform's user cache dir / FactorDesk / <source>):
``manifest.json`` (source, tickers, first/last date, fetched_at, datasets) and one generation
folder ``g<time>/`` holding ``close.parquet``, ``volume.parquet``, ``shares_outstanding.parquet``,
``fund_assets.parquet``, ``share_history.parquet`` (dated share counts, models/shares.py) and
``options_<underlying>.parquet``. A save writes a complete new
generation, then replaces the manifest atomically (temp file + ``os.replace``), then deletes
older generations: a crash at any point leaves the previous manifest and the generation it
names intact. A file that cannot be read is renamed ``*.corrupt`` (quarantined), logged, and the
cache reports itself empty so the data is fetched again. Never pickle.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from pathlib import Path

import pandas as pd

from models.market import MarketData

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"
FRAMES = ("close", "volume", "shares_outstanding")


def default_cache_root(source: str) -> Path:
    """The user cache dir (or $FACTORDESK_CACHE_DIR) / <source>."""
    override = os.environ.get("FACTORDESK_CACHE_DIR")
    if override:
        return Path(override) / source
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("FactorDesk", appauthor=False)) / source


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


class MarketCache:
    """Read and write one source's MarketData as Parquet files with a manifest."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # ------------------------------------------------------------------ writing
    def _write_bytes_atomic(self, path: Path, write) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            write(tmp)
            os.replace(tmp, path)
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
        """Write ``market`` as a new generation, then switch the manifest to it atomically."""
        generation = f"g{time.time_ns()}"
        (self.root / generation).mkdir(parents=True, exist_ok=True)
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
        options = {}
        for underlying, chain in market.options.items():
            options[underlying] = self._write_frame(generation, f"options_{_safe(underlying)}",
                                                    chain)
        close = market.close
        manifest = {
            "source": market.source,
            "tickers": list(map(str, close.columns)),
            "first": close.index[0].strftime("%Y-%m-%d") if len(close) else None,
            "last": close.index[-1].strftime("%Y-%m-%d") if len(close) else None,
            "fetched_at": (market.fetched_at or pd.Timestamp.now()).isoformat(),
            "generation": generation,
            "datasets": datasets,
            "options": options,
            "availability": market.availability,
            "yield_tickers": sorted(market.yield_tickers),
        }
        self._write_bytes_atomic(self.root / MANIFEST, lambda p: p.write_text(
            json.dumps(manifest, indent=1), encoding="utf-8"))
        for old in self.root.glob("g*"):
            if old.is_dir() and old.name != generation:
                shutil.rmtree(old, ignore_errors=True)

    # ------------------------------------------------------------------ reading
    def manifest(self) -> dict | None:
        path = self.root / MANIFEST
        if not path.exists():
            return None
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict) or "datasets" not in manifest:
                raise ValueError("not a FactorDesk cache manifest")
            pd.Timestamp(manifest["fetched_at"])
            return manifest
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self._quarantine(path, exc)
            return None

    def fetched_at(self) -> pd.Timestamp | None:
        manifest = self.manifest()
        return None if manifest is None else pd.Timestamp(manifest["fetched_at"])

    def load(self) -> MarketData | None:
        """The cached MarketData, or None when there is none or it is unreadable."""
        manifest = self.manifest()
        if manifest is None:
            return None
        frames: dict[str, pd.DataFrame] = {}
        try:
            for name, file in manifest["datasets"].items():
                frames[name] = self._read(file)
            options = {u: self._read(f) for u, f in manifest.get("options", {}).items()}
            close = frames["close"]
            assets = frames.get("fund_assets")
            return MarketData(
                close=close, volume=frames.get("volume"),
                shares_outstanding=frames.get("shares_outstanding"), options=options,
                source=manifest.get("source", "cache"), simulated=False,
                yield_tickers=frozenset(manifest.get("yield_tickers", [])),
                fund_assets=None if assets is None else assets["usd"],
                share_history=frames.get("share_history"),
                availability=dict(manifest.get("availability", {})),
                fetched_at=pd.Timestamp(manifest["fetched_at"]))
        except _Corrupt as exc:
            self._quarantine(exc.path, exc.reason)
        except (KeyError, ValueError, TypeError) as exc:
            self._quarantine(self.root / MANIFEST, exc)
        return None

    def _read(self, file: str) -> pd.DataFrame:
        path = self.root / file
        try:
            frame = pd.read_parquet(path, engine="pyarrow")
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for bad files
            raise _Corrupt(path, exc) from None
        if not isinstance(frame.index, pd.DatetimeIndex) and file.startswith(FRAMES):
            raise _Corrupt(path, "index is not dates")
        return frame

    def _quarantine(self, path: Path, reason) -> None:
        target = path.with_name(path.name + ".corrupt")
        log.warning("cache file %s is unreadable (%s); moved to %s and will be re-fetched",
                    path, reason, target.name)
        try:
            os.replace(path, target)
        except OSError as exc:
            log.warning("could not quarantine %s: %s", path, exc)

    def clear(self) -> None:
        """Delete the whole cache directory."""
        if self.root.exists():
            shutil.rmtree(self.root)


class _Corrupt(Exception):
    def __init__(self, path: Path, reason) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason
