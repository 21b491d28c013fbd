"""``auto``: the best data available, decided each refresh.

Fresh cache -> show it at once and ask for a background refresh from Yahoo; else Yahoo
(incremental on the cache); if Yahoo fails -> the last cache, marked stale with its age; else
the simulated market. ``MarketData.source`` always says which one is on screen.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from models.cache import MarketCache
from models.market import MarketData
from models.sources import DataSource, Progress, SourceUnavailable
from models.universe import Universe

log = logging.getLogger(__name__)


def describe_age(age: dt.timedelta) -> str:
    minutes = age.total_seconds() / 60
    if minutes < 90:
        return f"{max(minutes, 0):.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.0f} h"
    return f"{minutes / 1440:.0f} days"


class FreshCacheGate:
    """What the refreshes of one source choice share (each refresh has its own AutoSource):
    whether the last one served a fresh cache, so its follow-up goes to Yahoo. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._served = False

    def take(self) -> bool:
        """True (and remember it) if the fresh cache should be served now; False, and forget,
        when the previous refresh just served it."""
        with self._lock:
            self._served = not self._served
            return self._served

    def reset(self) -> None:
        with self._lock:
            self._served = False


@dataclass
class AutoSource:
    cache: MarketCache
    yahoo: Callable[[], DataSource]
    demo: Callable[[], DataSource]
    max_age: dt.timedelta = dt.timedelta(hours=6)
    clock: Callable[[], dt.datetime] = dt.datetime.now
    name: str = "auto"
    gate: FreshCacheGate = field(default_factory=FreshCacheGate)

    def load(self, universe: Universe, progress: Progress | None = None) -> MarketData:
        cached = self.cache.load()
        now = pd.Timestamp(self.clock())
        if cached is not None and now - cached.fetched_at <= self.max_age:
            if self.gate.take():
                age = now - cached.fetched_at
                return replace(cached, source=f"yahoo cache ({describe_age(age)} old)",
                               followup_refresh=True,
                               notes=cached.notes + ("refreshing from Yahoo in the background",))
        else:
            self.gate.reset()
        try:
            return self.yahoo().load(universe, progress)
        except SourceUnavailable as exc:
            log.warning("Yahoo unavailable: %s", exc)
            reason = str(exc)
        if cached is not None:
            age = describe_age(now - cached.fetched_at)
            return replace(cached, source=f"yahoo cache (STALE, {age} old)",
                           notes=cached.notes + (f"Yahoo unavailable ({reason}); showing the "
                                                 f"last cache, {age} old",))
        market = self.demo().load(universe, progress)
        return replace(market, notes=market.notes + (f"Yahoo unavailable ({reason}) and no "
                                                     "cache: showing the simulated market",))
