"""``auto``: the best data available, decided each refresh.

Fresh cache -> show it at once and ask for a background refresh from Yahoo; else Yahoo
(incremental on the cache); if Yahoo fails -> the last cache, marked stale with its age; else
the simulated market. ``MarketData.source`` always says which one is on screen.
"""
from __future__ import annotations

import datetime as dt
import logging
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


@dataclass
class AutoSource:
    cache: MarketCache
    yahoo: Callable[[], DataSource]
    demo: Callable[[], DataSource]
    max_age: dt.timedelta = dt.timedelta(hours=6)
    clock: Callable[[], dt.datetime] = dt.datetime.now
    name: str = "auto"
    _served_fresh_cache: bool = field(default=False, init=False)

    def load(self, universe: Universe, progress: Progress | None = None) -> MarketData:
        cached = self.cache.load()
        now = pd.Timestamp(self.clock())
        if cached is not None and not self._served_fresh_cache:
            age = now - cached.fetched_at
            if age <= self.max_age:
                self._served_fresh_cache = True
                return replace(cached, source=f"yahoo cache ({describe_age(age)} old)",
                               followup_refresh=True,
                               notes=cached.notes + ("refreshing from Yahoo in the background",))
        self._served_fresh_cache = False
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
