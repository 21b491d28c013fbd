"""Data sources: ``open_source(name, **options)`` returns an object with ``.load(universe)``.

Names: ``demo`` (simulated market), ``yahoo`` (live, cached), ``auto`` (fresh cache, else Yahoo,
else last cache, else demo), ``cache`` (the last Yahoo cache, no network), or the path of a
CSV / CSV.gz / Parquet price file.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from models.market import MarketData
from models.universe import Universe

Progress = Callable[[str, float], None]
"""Progress callback: (stage name, fraction done 0..1)."""
NAMES = ("auto", "demo", "yahoo", "cache")


class SourceUnavailable(RuntimeError):
    """The source cannot deliver data now (offline, rate limited past the budget, no cache)."""


class DataSource(Protocol):
    @property
    def name(self) -> str: ...

    def load(self, universe: Universe, progress: Progress | None = None) -> MarketData: ...


class CacheSource:
    """The last downloaded Yahoo data, without touching the network."""

    name = "cache"

    def __init__(self, cache) -> None:
        self.cache = cache

    def load(self, universe: Universe, progress: Progress | None = None) -> MarketData:
        market = self.cache.load()
        if market is None:
            raise SourceUnavailable(f"no usable cache in {self.cache.root}")
        return market


def open_source(name: str | Path, cache_root: str | Path | None = None, **options: Any) -> DataSource:
    """Open a data source by name, or price files and folders by path (``a.csv;b.csv``).

    ``cache_root`` overrides where the Yahoo cache lives (default: the user cache dir).
    ``demo`` takes ``seed``, ``end`` and ``intraday`` ("HH:MM"); files take ``constituents``
    ("universe" or "file") and ``date_format``; ``shares`` (paths of share-count files) and
    ``options`` (paths of option-chain files) apply to every source; ``gate``
    (``auto.FreshCacheGate``) is what the auto sources of one choice share; other sources
    ignore the rest.
    """
    shares = options.pop("shares", None)
    chains = options.pop("options", None)
    gate = options.pop("gate", None)
    source = _open(str(name), cache_root, options, gate)
    if shares:
        from models.shares import WithShareCounts

        source = WithShareCounts(source, shares, options.get("date_format"))
    if chains:
        from models.options import WithOptionChains

        source = WithOptionChains(source, chains, options.get("date_format"))
    return source


def _open(name: str, cache_root, options: dict[str, Any], gate=None) -> DataSource:
    from models.cache import MarketCache, default_cache_root

    demo_options = {k: options.pop(k) for k in ("seed", "end", "intraday") if k in options}
    file_options = {k: options[k] for k in ("constituents", "date_format")
                    if options.get(k) is not None}
    options = {k: v for k, v in options.items() if k not in ("constituents", "date_format")}
    if name == "demo":
        from models.sources.demo import DemoSource

        return DemoSource(**{k: v for k, v in demo_options.items() if v is not None})
    cache = MarketCache(cache_root or default_cache_root("yahoo"))
    if name == "yahoo":
        from models.sources.yahoo import YahooSource

        return YahooSource(cache=cache, **options)
    if name == "cache":
        return CacheSource(cache)
    if name == "auto":
        from models.sources.auto import AutoSource, FreshCacheGate

        return AutoSource(cache=cache, yahoo=lambda: open_source("yahoo", cache_root, **options),
                          demo=lambda: open_source("demo", **demo_options),
                          gate=gate or FreshCacheGate())
    from models.sources.files import FileSource, is_data_file, split_paths

    paths = split_paths(name)
    named = [p for p in paths if p in NAMES]
    if named:
        raise ValueError(f"{named[0]!r} cannot be combined with files: give either one source "
                         f"name ({', '.join(NAMES)}) or data files and folders")
    if paths and all(is_data_file(p) or Path(p).exists() for p in paths):
        return FileSource(tuple(Path(p) for p in paths), **file_options,
                          parsed_cache=default_cache_root("files"))
    raise ValueError(f"unknown data source {name!r} (use {', '.join(NAMES)}, or data files "
                     "and folders: CSV, CSV.gz or Parquet)")
