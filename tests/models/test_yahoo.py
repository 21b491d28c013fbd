"""Yahoo source against frames shaped exactly like yfinance 1.x output (network mocked at the
yfinance.download / yfinance.Ticker boundary)."""
from __future__ import annotations

import logging
from collections import namedtuple

import numpy as np
import pandas as pd
import pytest
import yfinance

from models.cache import MarketCache
from models.sources import SourceUnavailable
from models.sources.yahoo import (
    CACHE_RETRIES,
    YahooSource,
    clean_chain,
    normalize_shares,
    parse_download,
)
from models.universe import load_universe

UNIVERSE = """
leveraged_etfs = [{ ticker = "SSO", underlying = "SPY", multiple = 2 }]
regions = [{ name = "Korea", index = "^KS11", etf = "EWY", currency = "KRW=X" }]
[benchmark]
ticker = "SPY"
[constituents]
"Information Technology" = ["AAPL", "MSFT", "DEADCO"]
[cross_asset]
rates = ["^TNX"]
[options]
underlyings = ["SPY"]
"""
Options = namedtuple("Options", ["calls", "puts", "underlying"])
NOW = pd.Timestamp("2026-02-06 20:00")


@pytest.fixture
def small_universe(tmp_path):
    path = tmp_path / "u.toml"
    path.write_text(UNIVERSE, encoding="utf-8")
    return load_universe(path)


def yf_frame(tickers, start, end, dead=()):
    """What yf.download(..., auto_adjust=True, group_by='column') returns in yfinance 1.x."""
    dates = pd.bdate_range(start, end)
    tickers = sorted(tickers)
    columns = pd.MultiIndex.from_product([["Close", "High", "Low", "Open", "Volume"], tickers],
                                         names=["Price", "Ticker"])
    data = pd.DataFrame(np.nan, index=pd.DatetimeIndex(dates, name="Date"), columns=columns)
    for i, t in enumerate(tickers):
        if t in dead:
            continue
        level = 4.2 if t == "^TNX" else 100.0 + 10 * i
        # the price of a day does not depend on the download's start (as on Yahoo)
        path = level * (1 + 0.001 * (dates - pd.Timestamp("2020-01-01")).days.to_numpy())
        for field in ("Close", "High", "Low", "Open"):
            data[(field, t)] = path
        data[("Volume", t)] = 1e6
    return data


class FakeYahoo:
    """Records calls; the first download is rate limited; DEADCO always fails as yfinance does."""

    def __init__(self, end="2026-02-06", rate_limit_first=True):
        self.end = end
        self.calls = []
        self.rate_limit_first = rate_limit_first

    def download(self, tickers, start=None, **kwargs):
        self.calls.append((list(tickers), start, kwargs))
        assert kwargs["auto_adjust"] is True and kwargs["multi_level_index"] is True
        if self.rate_limit_first and len(self.calls) == 1:
            raise yfinance.exceptions.YFRateLimitError()
        dead = [t for t in tickers if t == "DEADCO"]
        if dead:
            logging.getLogger("yfinance").error(
                "%s: YFTzMissingError('possibly delisted; no timezone found')", dead)
        return yf_frame(tickers, start, self.end, dead=dead)

    def Ticker(self, symbol):  # noqa: N802 - yfinance API
        return FakeTicker(symbol)


class FakeTicker:
    def __init__(self, symbol):
        self.symbol = symbol
        self.info = {"totalAssets": 7.5e9} if symbol == "SSO" else {}

    def get_shares_full(self, start=None, end=None):
        if self.symbol == "EWY":
            return None
        stamps = pd.to_datetime(["2026-01-05 14:00", "2026-01-20 09:00", "2026-01-20 16:00"]).tz_localize(
            "America/New_York")
        return pd.Series([1.0e8, 1.1e8, 1.2e8], index=stamps)

    @property
    def options(self):
        return ("2026-02-06", "2026-02-13", "2026-03-20", "2026-12-18")

    def option_chain(self, date):
        strikes = [580.0, 600.0, 620.0, 640.0]
        calls = pd.DataFrame({"contractSymbol": ["c"] * 4, "strike": strikes,
                              "openInterest": [100, 0, 300, 50],
                              "impliedVolatility": [0.2, 0.2, 12.0, 0.18]})
        puts = pd.DataFrame({"contractSymbol": ["p"] * 4, "strike": strikes,
                             "openInterest": [200, 150, np.nan, 10],
                             "impliedVolatility": [0.25, 1e-5, 0.2, 0.22]})
        return Options(calls, puts, {"regularMarketPrice": 600.0,
                                     "trailingAnnualDividendYield": 0.0118})


@pytest.fixture
def fake(monkeypatch):
    fake = FakeYahoo()
    monkeypatch.setattr(yfinance, "download", fake.download)
    monkeypatch.setattr(yfinance, "Ticker", fake.Ticker)
    return fake


def source(tmp_path, sleeps, **kw):
    return YahooSource(cache=MarketCache(tmp_path / "cache"), probe=lambda timeout: None,
                       sleep=sleeps.append, clock=lambda: NOW, seed=1, **kw)


def test_parse_download_handles_multiindex_and_tz():
    frame = yf_frame(["B", "A"], "2026-01-05", "2026-01-09", dead=["B"])
    frame.index = frame.index.tz_localize("America/New_York")
    close, volume = parse_download(frame)
    assert list(close.columns) == ["A"] and close.index.tz is None
    assert close.index[0] == pd.Timestamp("2026-01-05") and volume["A"].iloc[0] == 1e6
    swapped = yf_frame(["A"], "2026-01-05", "2026-01-09").swaplevel(0, 1, axis=1)
    assert list(parse_download(swapped)[0].columns) == ["A"]


def test_load_with_rate_limit_failures_and_extras(tmp_path, small_universe, fake):
    sleeps = []
    market = source(tmp_path, sleeps).load(small_universe)
    assert len(sleeps) == 1 and 1.0 <= sleeps[0] <= 2.0, "one back-off with jitter"
    assert "DEADCO" not in market.close.columns
    assert {"SPY", "AAPL", "MSFT", "SSO", "^KS11", "EWY", "KRW=X", "^TNX"} <= set(market.close)
    note = market.notes[0]
    assert note.startswith("1 of 9 tickers returned no data: DEADCO (YFTzMissingError")
    assert market.source == "yahoo" and not market.simulated
    assert market.close.index.tz is None and market.close.index[-1] == pd.Timestamp("2026-02-06")
    shares = market.shares_outstanding
    assert shares.loc["2026-01-19", "SPY"] == 1.0e8 and shares.loc["2026-01-20", "SPY"] == 1.2e8
    assert "EWY" not in shares.columns
    assert market.availability["shares_outstanding"] == "2 of 3 ETFs (history), 0 recorded today"
    assert market.fund_assets["SSO"] == pytest.approx(1.2e8 * market.close["SSO"].iloc[-1])
    chain = market.options["SPY"]
    assert set(chain["expiry"]) == {pd.Timestamp("2026-02-13"), pd.Timestamp("2026-03-20")}
    assert len(chain) == 2 * 4 and (chain["open_interest"] > 0).all()
    assert chain["implied_vol"].between(0.01, 3).all()
    assert market.availability["options SPY"] == "8 contracts in 2 expiries; 8 dropped"
    assert (chain["underlying_price"] == 600.0).all() and (chain["dividend_yield"] == 0.0118).all()
    assert (chain["quote_date"] == market.close.index[-1]).all()


def test_incremental_refresh_fetches_only_new_dates(tmp_path, small_universe, fake):
    sleeps = []
    first = source(tmp_path, sleeps).load(small_universe)
    fake.calls.clear()
    fake.end = "2026-02-13"
    later = YahooSource(cache=MarketCache(tmp_path / "cache"), probe=lambda t: None,
                        sleep=sleeps.append, clock=lambda: NOW + pd.Timedelta(days=7), seed=1)
    market = later.load(small_universe)
    starts = {tuple(tickers): start for tickers, start, _ in fake.calls}
    assert starts[("DEADCO",)] == "2021-02-13", "a ticker missing from the cache: full history"
    known = [start for tickers, start in starts.items() if "SPY" in tickers]
    assert set(known) == {"2026-01-30"}, "cached last date 2026-02-06 minus 5 business days"
    assert market.close.index[-1] == pd.Timestamp("2026-02-13")
    assert market.close.index[0] == first.close.index[0]


def test_rate_limit_budget_gives_up_cleanly(tmp_path, small_universe, monkeypatch):
    def always_limited(*args, **kwargs):
        raise yfinance.exceptions.YFRateLimitError()

    monkeypatch.setattr(yfinance, "download", always_limited)
    sleeps = []
    with pytest.raises(SourceUnavailable, match="rate limit"):
        source(tmp_path, sleeps, max_wait=5.0).load(small_universe)
    assert sum(sleeps) <= 5.0


@pytest.mark.parametrize("locked_times, fetched", [(1, True), (CACHE_RETRIES, False)])
def test_a_ticker_whose_timezone_cache_was_locked_is_asked_for_again(
        tmp_path, small_universe, monkeypatch, locked_times, fetched):
    """yfinance's threads can find its SQLite cache locked and drop a ticker: the source asks
    for it again (briefly, not as a rate limit), up to CACHE_RETRIES attempts, then names it."""
    fake = FakeYahoo(rate_limit_first=False)
    victim = small_universe.constituents[0]
    asked, locked = [], []

    def download(tickers, start=None, **kwargs):
        asked.append(list(tickers))
        if victim in tickers and len(locked) < locked_times:
            locked.append(victim)
            logging.getLogger("yfinance").error("%s: OperationalError('database is locked')",
                                                [victim])
            return fake.download([t for t in tickers if t != victim], start, **kwargs)
        return fake.download(tickers, start, **kwargs)

    monkeypatch.setattr(yfinance, "download", download)
    monkeypatch.setattr(yfinance, "Ticker", fake.Ticker)
    sleeps = []
    market = source(tmp_path, sleeps).load(small_universe)
    assert (victim in market.close.columns) is fetched
    assert asked.count([victim]) == (locked_times if fetched else CACHE_RETRIES - 1)
    assert all(wait < 1.0 for wait in sleeps), "a locked cache is not a rate limit"
    notes = " ".join(market.notes)
    assert ("database is locked" in notes) is not fetched


def test_offline_probe_fails_fast(tmp_path, small_universe):
    def offline(timeout):
        raise SourceUnavailable("no connection to Yahoo Finance (test)")

    with pytest.raises(SourceUnavailable, match="no connection"):
        YahooSource(probe=offline).load(small_universe)


def test_clean_chain_counts_dropped():
    calls = pd.DataFrame({"strike": [1.0, 2.0, 3.0], "openInterest": [0, 5, 5],
                          "impliedVolatility": [0.2, 1e-5, 12.0]})
    puts = pd.DataFrame({"strike": [1.0], "openInterest": [7], "impliedVolatility": [0.3]})
    chain, dropped = clean_chain(calls, puts, pd.Timestamp("2026-03-20"), pd.Timestamp("2026-02-06"))
    assert dropped == 3 and list(chain["kind"]) == ["P"]
    expired, lost = clean_chain(puts, None, pd.Timestamp("2026-02-06"), pd.Timestamp("2026-02-06"))
    assert expired.empty and lost == 1


def test_normalize_shares_deduplicates_days():
    index = pd.bdate_range("2026-01-01", "2026-01-09")
    stamps = pd.to_datetime(["2026-01-02 10:00", "2026-01-06 09:00", "2026-01-06 17:00"]).tz_localize("UTC")
    shares = normalize_shares(pd.Series([5.0, 6.0, 7.0], index=stamps), index)
    assert np.isnan(shares.iloc[0]) and shares.loc["2026-01-05"] == 5.0
    assert shares.loc["2026-01-06"] == 7.0 and shares.iloc[-1] == 7.0
    assert normalize_shares(None, index) is None


def test_yahoo_with_nothing_usable_shows_the_cache_stale(tmp_path, small_universe, fake,
                                                         monkeypatch):
    """The defect: every ticker empty or N/A, yet 'Source: yahoo' with no note and the cache's
    fetched_at rewritten to now ('0 min old' after a restart)."""
    first = source(tmp_path, []).load(small_universe)
    cache = MarketCache(tmp_path / "cache")
    before = cache.manifest()

    def nothing(tickers, start=None, **kwargs):
        frame = yf_frame(tickers, start, "2026-02-13")
        return frame.where(frame.isna(), "N/A")

    monkeypatch.setattr(yfinance, "download", nothing)
    later = YahooSource(cache=cache, probe=lambda t: None, sleep=lambda s: None,
                        clock=lambda: NOW + pd.Timedelta(hours=3), seed=1)
    market = later.load(small_universe)
    assert market.source == "yahoo cache (STALE, 3 h old)"
    assert market.fetched_at == first.fetched_at
    assert any(n.startswith("Yahoo returned no data") and "showing the cache from 2026-02-06 20:00"
               in n for n in market.notes)
    assert cache.manifest() == before, "nothing written: fetched_at is not rewritten"


@pytest.mark.parametrize("garbage", ["flat", "infinite"])
def test_garbage_tickers_are_dropped_with_a_note(tmp_path, small_universe, fake, monkeypatch,
                                                 garbage):
    """The defect: 'unexpected yfinance frame' or 'close: SPY ... is infinite' failed the
    whole refresh; now the unusable tickers are dropped and named."""
    real = fake.download

    def bad(tickers, start=None, **kwargs):
        frame = real(tickers, start, **kwargs)
        if garbage == "flat" and "AAPL" in tickers and len(tickers) == 1:
            return pd.DataFrame({"AAPL": [1.0, 2.0]})
        if garbage == "infinite":
            frame[("Close", "MSFT")] = np.inf
        return frame

    monkeypatch.setattr(yfinance, "download", bad)
    market = source(tmp_path, [], chunk_size=1).load(small_universe) if garbage == "flat" else \
        source(tmp_path, []).load(small_universe)
    missing = "AAPL" if garbage == "flat" else "MSFT"
    assert missing not in market.close.columns and "SPY" in market.close.columns
    assert np.isfinite(market.close.to_numpy()[market.close.notna().to_numpy()]).all()
    assert any(missing in n for n in market.notes)


def test_a_cancelled_refresh_makes_no_further_network_call(tmp_path, small_universe, fake,
                                                          monkeypatch):
    """Cancellation is a BaseException raised by the progress callback: the extras' broad
    'except Exception' cannot swallow it (the defect: a cancelled refresh carried on and
    logged 'options unavailable')."""
    from models.state import RefreshCancelled

    calls = {"n": 0, "after": 0}
    cancelled = {"now": False}
    real_ticker = fake.Ticker

    def counting_ticker(symbol):
        calls["n"] += 1
        if cancelled["now"]:
            calls["after"] += 1
        return real_ticker(symbol)

    monkeypatch.setattr(yfinance, "Ticker", counting_ticker)

    def progress(stage, fraction):
        if stage.startswith("Shares outstanding") and calls["n"] >= 1:
            cancelled["now"] = True
        if cancelled["now"]:
            raise RefreshCancelled(stage)

    fake.rate_limit_first = False
    with pytest.raises(RefreshCancelled):
        source(tmp_path, []).load(small_universe, progress)
    assert calls["after"] == 0
    assert not (tmp_path / "cache" / "manifest.json").exists(), "nothing half-written"


def test_a_cache_that_cannot_be_written_is_said(tmp_path, small_universe, fake, monkeypatch):
    from models.cache import CacheError

    def read_only(self, market):
        raise CacheError("cannot write the cache at /shared: [Errno 30] Read-only file system")

    monkeypatch.setattr(MarketCache, "save", read_only)
    market = source(tmp_path, []).load(small_universe)
    assert market.source == "yahoo" and len(market.close)
    assert any(n.startswith("the cache was not written") and "Read-only" in n
               for n in market.notes)


def test_a_hung_yahoo_call_is_given_up_after_the_request_timeout(tmp_path, small_universe,
                                                                fake, monkeypatch):
    import time

    release = __import__("threading").Event()

    def hung(*args, **kwargs):
        release.wait(30)

    monkeypatch.setattr(yfinance, "download", hung)
    started = time.perf_counter()
    try:
        with pytest.raises(SourceUnavailable, match="no answer from Yahoo in 0.3 s"):
            source(tmp_path, [], request_timeout=0.3).load(small_universe)
    finally:
        release.set()
    assert time.perf_counter() - started < 2.0

    monkeypatch.setattr(yfinance, "download", fake.download)
    fake.rate_limit_first = False

    class HungTicker:
        def __init__(self, symbol):
            self.symbol = symbol

        @property
        def info(self):
            release.wait(30)

        def get_shares_full(self, start=None):
            release.wait(30)

        @property
        def options(self):
            release.wait(30)

    release.clear()
    monkeypatch.setattr(yfinance, "Ticker", HungTicker)
    started = time.perf_counter()
    try:
        market = source(tmp_path, [], request_timeout=0.2, extras_budget=1.5).load(small_universe)
    finally:
        release.set()
    assert len(market.close) and time.perf_counter() - started < 4.0, \
        "hung extras cost at most the extras budget plus one request"
    assert "no answer from Yahoo" in market.availability["options SPY"]


class LiveYahoo(FakeYahoo):
    """Each ticker's price depends on its name and date only (not on the chunk it comes in);
    the last day's prices are ``live`` x the close while the session runs."""

    def __init__(self, live: float):
        super().__init__(rate_limit_first=False)
        self.live = live

    def download(self, tickers, start=None, **kwargs):
        self.calls.append((list(tickers), start, kwargs))
        data = pd.concat([yf_frame([t], start, self.end, dead=[t] if t == "DEADCO" else [])
                          for t in tickers], axis=1)
        data = data.T.sort_index().T
        data.loc[data.index[-1], ["Close", "Open", "High", "Low"]] *= self.live
        return data


def test_a_session_in_progress_is_labelled_and_replaced_by_the_next_refresh(
        tmp_path, small_universe, monkeypatch):
    import datetime as dt

    from analytics.session import NEW_YORK

    live = LiveYahoo(live=0.97)
    monkeypatch.setattr(yfinance, "download", live.download)
    monkeypatch.setattr(yfinance, "Ticker", live.Ticker)
    during = dt.datetime(2026, 2, 6, 11, 42, 30, tzinfo=NEW_YORK)
    market = source(tmp_path, [], session_clock=lambda: during).load(small_universe)
    assert market.session == "open" and market.delay_minutes == 15
    assert market.as_of_time == pd.Timestamp("2026-02-06 11:42", tz=NEW_YORK)
    assert any("session in progress at 11:42 ET (15-min delayed" in n for n in market.notes)
    cached = MarketCache(tmp_path / "cache").load()
    assert cached.as_of_time == market.as_of_time, "the partial row is cached as partial"
    assert cached.close["SPY"].iloc[-1] == pytest.approx(market.close["SPY"].iloc[-1])
    live.live = 1.0
    after = dt.datetime(2026, 2, 6, 16, 30, tzinfo=NEW_YORK)
    closed = source(tmp_path, [], session_clock=lambda: after).load(small_universe)
    assert closed.session == "closed" and closed.as_of_time is None
    assert closed.close["SPY"].iloc[-1] == pytest.approx(market.close["SPY"].iloc[-1] / 0.97)
    assert MarketCache(tmp_path / "cache").load().as_of_time is None


def yf_intraday(tickers, day="2026-02-04", bars=48):
    """What yf.download(..., interval="5m", period="1d") returns in yfinance 1.x: bar start
    times, tz-aware in the exchange's zone, (Price, Ticker) columns."""
    index = pd.date_range(f"{day} 09:30", periods=bars, freq="5min", tz="America/New_York",
                          name="Datetime")
    columns = pd.MultiIndex.from_product([["Close", "High", "Low", "Open", "Volume"],
                                          sorted(tickers)], names=["Price", "Ticker"])
    data = pd.DataFrame(1.0, index=index, columns=columns)
    for i, t in enumerate(sorted(tickers)):
        data[("Close", t)] = 100.0 + i + np.arange(bars) * 0.01
    return data


def test_intraday_bars_come_in_chunks_and_a_failed_chunk_is_named():
    from models.sources.yahoo import fetch_intraday

    calls = []

    def download(chunk, **kwargs):
        calls.append((list(chunk), kwargs))
        if "BAD" in chunk:
            raise ConnectionError("reset by peer")
        return yf_intraday(chunk)

    tickers = [f"T{i:03d}" for i in range(250)] + ["BAD"]
    bars, problems = fetch_intraday(tickers, chunk_size=100, download=download)
    assert [len(c) for c, _ in calls] == [100, 100, 51]
    assert all(k["interval"] == "5m" and k["period"] == "1d" for _, k in calls)
    assert bars.shape == (48, 200) and str(bars.index.tz) == "America/New_York"
    assert bars.index[0] == pd.Timestamp("2026-02-04 09:30", tz="America/New_York")
    assert problems == ["5-minute bars for T200..BAD failed: reset by peer"]
