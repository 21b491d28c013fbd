"""Auto mode decisions with a fake clock and a fake network."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from models.cache import MarketCache
from models.sources import SourceUnavailable, open_source
from models.sources.auto import AutoSource, describe_age
from tests.models.test_cache import small_market

FETCHED = dt.datetime(2026, 2, 6, 18, 0)


class FakeYahoo:
    def __init__(self, online: bool):
        self.online, self.loads = online, 0

    def load(self, universe, progress=None):
        self.loads += 1
        if not self.online:
            raise SourceUnavailable("no connection to Yahoo Finance (fake)")
        return small_market(seed=5, fetched="2026-02-07 09:00")


class FakeDemo:
    def load(self, universe, progress=None):
        market = small_market(seed=9)
        from dataclasses import replace

        return replace(market, source="demo", simulated=True, fetched_at=None)


def auto(tmp_path, online, now, cached=True):
    cache = MarketCache(tmp_path)
    if cached:
        cache.save(small_market(fetched=FETCHED.isoformat()))
    yahoo = FakeYahoo(online)
    return AutoSource(cache=cache, yahoo=lambda: yahoo, demo=FakeDemo, clock=lambda: now), yahoo


def test_fresh_cache_first_then_background_yahoo(tmp_path, universe):
    source, yahoo = auto(tmp_path, online=True, now=FETCHED + dt.timedelta(hours=2))
    first = source.load(universe)
    assert first.source == "yahoo cache (2 h old)" and first.followup_refresh
    assert yahoo.loads == 0
    second = source.load(universe)
    assert second.source == "yahoo" and not second.followup_refresh and yahoo.loads == 1


def test_old_cache_goes_to_yahoo(tmp_path, universe):
    source, yahoo = auto(tmp_path, online=True, now=FETCHED + dt.timedelta(days=1))
    assert source.load(universe).source == "yahoo" and yahoo.loads == 1


def test_yahoo_down_shows_stale_cache_with_age(tmp_path, universe):
    source, yahoo = auto(tmp_path, online=False, now=FETCHED + dt.timedelta(days=3))
    market = source.load(universe)
    assert market.source == "yahoo cache (STALE, 3 days old)"
    assert not market.simulated
    assert any("Yahoo unavailable" in n and "3 days old" in n for n in market.notes)


def test_offline_first_start_is_simulated(tmp_path, universe):
    source, yahoo = auto(tmp_path, online=False, now=FETCHED, cached=False)
    market = source.load(universe)
    assert market.simulated and market.source == "demo"
    assert any("no cache: showing the simulated market" in n for n in market.notes)


def test_describe_age():
    assert describe_age(dt.timedelta(minutes=5)) == "5 min"
    assert describe_age(dt.timedelta(hours=5)) == "5 h"
    assert describe_age(dt.timedelta(days=4)) == "4 days"


def test_open_source_names(tmp_path):
    assert open_source("auto", cache_root=tmp_path).name == "auto"
    assert open_source("yahoo", cache_root=tmp_path).name == "yahoo"
    assert open_source("cache", cache_root=tmp_path).name == "cache"
    with pytest.raises(ValueError, match="unknown data source 'bogus'"):
        open_source("bogus")
    with pytest.raises(SourceUnavailable, match="no usable cache"):
        open_source("cache", cache_root=tmp_path).load(None)
    assert pd.Timestamp(FETCHED) < pd.Timestamp("2026-02-07")
