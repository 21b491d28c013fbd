"""Contract tests of the Yahoo source at the HTTP boundary: responses in the shape of Yahoo's
chart API go through yfinance's real ``yf.download`` / ``Ticker.history`` code (session, cookie
and crumb handling, JSON parsing, adjustment); only the HTTP session is fake."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
import yfinance
from yfinance.data import YfData

from models.cache import MarketCache
from models.sources.yahoo import YahooSource
from models.universe import load_universe
from tests.models.yahoo_http import FakeYahooHTTP, random_listing

UNIVERSE = """
[benchmark]
ticker = "SPY"
[constituents]
"Information Technology" = ["AAPL", "NVDA", "MSFT", "GONE"]
"Consumer Staples" = ["KO"]
"""
# yfinance 1.7 calls DataFrame.rename(inplace=True), deprecated in pandas 3.1: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
DAYS = pd.bdate_range("2025-06-02", "2026-02-20")
FIRST_TODAY = pd.Timestamp("2026-02-06")
SECOND_TODAY = pd.Timestamp("2026-02-13")


@pytest.fixture(scope="module", autouse=True)
def yf_cache_dir(tmp_path_factory):
    """yfinance's timezone and cookie caches in a temporary folder, not the user's."""
    yfinance.set_tz_cache_location(str(tmp_path_factory.mktemp("yf-cache")))


@pytest.fixture
def serve(monkeypatch):
    """Make every session yfinance creates the given FakeYahooHTTP (yf.download makes a new
    one per call through ``new_session``); restore the real session afterwards."""
    data = YfData()
    original = data._session

    def install(session: FakeYahooHTTP) -> FakeYahooHTTP:
        for module in list(sys.modules.values()):
            if (getattr(module, "__name__", "").startswith("yfinance")
                    and hasattr(module, "new_session")):
                monkeypatch.setattr(module, "new_session", lambda: session)
        YfData(session=session)
        data._crumb, data._cookie = None, None
        data._set_cookie_strategy("basic")
        return session

    yield install
    YfData(session=original)
    data._crumb, data._cookie = None, None


@pytest.fixture
def universe(tmp_path):
    path = tmp_path / "u.toml"
    path.write_text(UNIVERSE, encoding="utf-8")
    return load_universe(path)


def listings(**overrides):
    base = {t: random_listing(seed, DAYS, level) for seed, (t, level) in enumerate(
        [("SPY", 600.0), ("AAPL", 230.0), ("NVDA", 720.0), ("MSFT", 410.0), ("KO", 62.0)])}
    for ticker, changes in overrides.items():
        for name, value in changes.items():
            setattr(base[ticker], name, value)
    return base


def source(tmp_path, today, sleeps=None, cached=True):
    return YahooSource(cache=MarketCache(tmp_path / "cache") if cached else None,
                       probe=lambda t: None, sleep=(sleeps if sleeps is not None else []).append,
                       clock=lambda: pd.Timestamp(today) + pd.Timedelta(hours=18), years=1,
                       seed=3, extras_budget=0.0)


def test_split_and_dividend_between_refreshes_match_a_fresh_full_download(tmp_path, serve,
                                                                           universe):
    split_day, dividend_day = pd.Timestamp("2026-02-10"), pd.Timestamp("2026-02-11")
    server = serve(FakeYahooHTTP(listings(
        NVDA={"splits": {split_day: 4.0}}, KO={"dividends": {dividend_day: 0.62}}), FIRST_TODAY))
    first = source(tmp_path, FIRST_TODAY).load(universe)
    assert first.close.index[-1] == FIRST_TODAY
    server.today = SECOND_TODAY
    server.chart_calls.clear()
    refreshed = source(tmp_path, SECOND_TODAY).load(universe)
    starts = {s: pd.Timestamp(int(p["period1"]), unit="s") for s, p in server.chart_calls
              if "period1" in p}
    assert starts["NVDA"] < FIRST_TODAY - pd.Timedelta(days=5), "incremental, not full"
    assert starts["NVDA"] > FIRST_TODAY - pd.Timedelta(days=10)

    full = source(tmp_path / "other", SECOND_TODAY, cached=False).load(universe)
    common = refreshed.close.index.intersection(full.close.index)
    assert len(common) > 150
    for ticker in ("SPY", "AAPL", "NVDA", "MSFT", "KO"):
        ours, truth = refreshed.close.loc[common, ticker], full.close.loc[common, ticker]
        np.testing.assert_allclose(ours, truth, rtol=1e-12, err_msg=ticker)
    np.testing.assert_allclose(refreshed.volume.loc[common, "NVDA"],
                               full.volume.loc[common, "NVDA"], rtol=1e-12)
    moves = refreshed.close.pct_change(fill_method=None)
    assert moves.loc[split_day, "NVDA"] > -0.10, "no fake -75% day from the split"
    assert moves.loc[dividend_day, "KO"] > -0.05
    note = next(n for n in refreshed.notes if n.startswith("re-adjusted"))
    assert "NVDA (x0.25)" in note and "KO (x0.99" in note and "split or dividend" in note
    assert "SPY" not in note and "AAPL" not in note


def test_a_cache_that_no_factor_explains_is_downloaded_again(tmp_path, serve, universe):
    server = serve(FakeYahooHTTP(listings(), FIRST_TODAY))
    source(tmp_path, FIRST_TODAY).load(universe)
    server.listings["MSFT"].raw_close.loc["2026-02-02"] *= 1.05       # Yahoo fixed a bad print
    server.today = SECOND_TODAY
    server.chart_calls.clear()
    refreshed = source(tmp_path, SECOND_TODAY).load(universe)
    msft = [pd.Timestamp(int(p["period1"]), unit="s") for s, p in server.chart_calls
            if s == "MSFT" and "period1" in p]
    assert min(msft) < pd.Timestamp("2025-03-01"), "full history downloaded again"
    truth = server.adjusted("MSFT")["adjclose"]
    np.testing.assert_allclose(refreshed.close["MSFT"].dropna(), truth.loc[
        refreshed.close["MSFT"].dropna().index], rtol=1e-12)
    assert any("re-downloaded the full history of MSFT" in n for n in refreshed.notes)


def test_a_ticker_that_404s_is_reported_and_the_rest_loads(tmp_path, serve, universe):
    serve(FakeYahooHTTP(listings(), FIRST_TODAY))
    market = source(tmp_path, FIRST_TODAY).load(universe)
    assert "GONE" not in market.close.columns
    assert {"SPY", "AAPL", "NVDA", "MSFT", "KO"} <= set(market.close.columns)
    note = next(n for n in market.notes if "returned no data" in n)
    assert note.startswith("1 of 6 tickers") and "GONE (" in note


def test_a_429_on_the_first_call_is_retried(tmp_path, serve, universe):
    server = serve(FakeYahooHTTP(listings(), FIRST_TODAY, rate_limited=2))
    sleeps = []
    market = source(tmp_path, FIRST_TODAY, sleeps).load(universe)
    assert {"SPY", "AAPL", "NVDA", "MSFT", "KO"} <= set(market.close.columns)
    assert server.rate_limited == 0
    assert not any("returned no data" in n and "SPY" in n for n in market.notes)


def test_a_response_without_adjclose_falls_back_to_the_split_adjusted_close(tmp_path, serve,
                                                                          universe):
    server = serve(FakeYahooHTTP(listings(KO={"adjclose": False,
                                              "dividends": {pd.Timestamp("2026-01-15"): 0.5}}),
                                 FIRST_TODAY))
    market = source(tmp_path, FIRST_TODAY).load(universe)
    served = server.adjusted("KO")
    ko = market.close["KO"].dropna()
    np.testing.assert_allclose(ko, served.loc[ko.index, "close"], rtol=1e-12)


def test_a_half_empty_today_row_is_dropped_with_a_note(tmp_path, serve, universe):
    half = {t: {"empty_today": True} for t in ("AAPL", "NVDA", "MSFT")}
    serve(FakeYahooHTTP(listings(**half), FIRST_TODAY))
    market = source(tmp_path, FIRST_TODAY).load(universe)
    assert market.close.index[-1] == FIRST_TODAY - pd.offsets.BDay(1)
    assert any("2026-02-06" in n and "dropped" in n for n in market.notes)
