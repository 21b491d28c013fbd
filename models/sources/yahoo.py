"""Yahoo Finance through yfinance (imported lazily, inside the worker).

Prices: ``yf.download`` in chunks (~100 tickers), ``auto_adjust=True``, the (Price, Ticker) column
MultiIndex handled explicitly, dates made tz-naive. yfinance swallows per-ticker failures and
leaves empty columns; they are detected, reported with the reason yfinance logged, and never
fail the refresh. yfinance does not retry rate limiting (``YFRateLimitError``, HTTP 429): we
back off with jitter within a bounded total wait, then give up with ``SourceUnavailable``.
Extras, each best effort and described in ``MarketData.availability``: ETF shares outstanding
(``get_shares_full``, duplicate dates removed; empty for most ETFs), each ETF's current
``info['sharesOutstanding']`` / ``info['totalAssets']`` recorded in the dated share history
(models/shares.py), leveraged-ETF assets (shares x price, else total assets), option chains
(expiries <= 90 days, cleaned).
With a cache, a refresh downloads only from the cached last date minus a 5-day overlap, and
first brings the cached history onto the new adjustment basis (splits and dividends since the
last refresh; models/sources/adjustment.py, docs/data.md).
During US market hours the last daily row is the session in progress (a live, delayed price):
the market carries ``as_of_time`` (the download's moment, New York time) and the 15-minute
delay; the next refresh's overlap re-downloads that day, so the partial row never outlives
it. ``fetch_intraday`` downloads today's 5-minute bars (``interval="5m", period="1d"``) in
chunks, for the intraday chart (docs/methods.md, "Intraday mode").
"""
from __future__ import annotations

import datetime as dt
import logging
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd

from analytics.session import NEW_YORK, session_at
from models.cache import MarketCache
from models.market import MarketData, drop_partial_tail
from models.shares import apply_history, record
from models.sources import Progress, SourceUnavailable
from models.sources.adjustment import readjust
from models.universe import Universe

log = logging.getLogger(__name__)
PROBE_HOST = ("query1.finance.yahoo.com", 443)
RATE_LIMIT = re.compile(r"rate.?limit|too many requests|429", re.IGNORECASE)
# yfinance's threads share its SQLite timezone cache; one can find it locked by another and
# give up on its ticker (yfinance issue #1274). Such a ticker is asked for again.
CACHE_LOCKED = re.compile(r"database is locked", re.IGNORECASE)
CACHE_RETRIES = 3               # attempts for a ticker whose cache was locked
CACHE_LOCK_WAIT_S = 0.2         # before asking for those tickers again
MAX_OPTION_DAYS = 90
DELAY_MINUTES = 15          # Yahoo's quotes of US equities during the session


def session_of(close: pd.DataFrame, now: dt.datetime) -> pd.Timestamp | None:
    """The moment (New York) the last row's prices are from when that row is today's session
    in progress at ``now``; None when it is a close (after 16:00, or an earlier day)."""
    state = session_at(now)
    if not state.is_open or close.empty or close.index[-1].date() != state.day:
        return None
    return pd.Timestamp(state.now).floor("min")


def parse_intraday(data: pd.DataFrame | None) -> pd.DataFrame:
    """The 5-minute closes of a ``yf.download(..., interval="5m")`` frame: aware New York bar
    start times x tickers; not positive finite prices become NaN, empty columns are dropped."""
    if data is None or data.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz=NEW_YORK), dtype=np.float64)
    if not isinstance(data.columns, pd.MultiIndex) or data.columns.nlevels != 2:
        raise UnusableResponse("unexpected yfinance frame: expected (Price, Ticker) column "
                               "levels")
    level = 0 if "Close" in data.columns.get_level_values(0) else 1
    if "Close" not in set(data.columns.get_level_values(level)):
        raise UnusableResponse("unexpected yfinance frame: no Close column")
    close = data.xs("Close", axis=1, level=level).apply(pd.to_numeric, errors="coerce")
    index = pd.DatetimeIndex(pd.to_datetime(data.index))
    close.index = index.tz_localize("UTC").tz_convert(NEW_YORK) if index.tz is None else \
        index.tz_convert(NEW_YORK)
    close.columns = [str(c) for c in close.columns]
    close = close[~close.index.duplicated(keep="last")].sort_index().astype(np.float64)
    return close.where(np.isfinite(close) & (close > 0)).dropna(axis=1, how="all")


def fetch_intraday(tickers: list[str], chunk_size: int = 100, timeout: float = 30.0,
                   download: Callable | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Today's 5-minute bars of ``tickers``: one ``download(chunk, interval="5m",
    period="1d")`` per chunk of ``chunk_size``; returns (bars, problems in words). A failed
    chunk is left out and named; it never raises for one chunk."""
    if download is None:
        import yfinance as yf

        download = yf.download
    parts, problems = [], []
    for start in range(0, len(tickers), chunk_size):
        chunk = tickers[start:start + chunk_size]
        try:
            data = bounded(partial(download, chunk, interval="5m", period="1d",
                                   auto_adjust=True, group_by="column", threads=True,
                                   progress=False, multi_level_index=True, timeout=10),
                           timeout, f"5-minute bars for {len(chunk)} tickers")
            parts.append(parse_intraday(data))
        except Exception as exc:  # noqa: BLE001 - yfinance raises many types
            problems.append(f"5-minute bars for {chunk[0]}..{chunk[-1]} failed: {exc}")
    parts = [p for p in parts if not p.empty]
    bars = pd.concat(parts, axis=1).sort_index() if parts else parse_intraday(None)
    return bars.loc[:, ~bars.columns.duplicated()], problems


def probe_yahoo(timeout: float) -> None:
    """Raise SourceUnavailable unless Yahoo answers a TCP connect within ``timeout`` s.

    Runs in a daemon thread so that a slow DNS lookup cannot stretch the wait either.
    """
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            socket.create_connection(PROBE_HOST, timeout=timeout).close()
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise SourceUnavailable(f"no answer from Yahoo Finance within {timeout:.0f} s")
    if outcome[0] is not None:
        raise SourceUnavailable(f"no connection to Yahoo Finance ({outcome[0]})")


class _ErrorCapture(logging.Handler):
    """Collects the per-ticker errors that yf.download logs instead of raising."""

    LINE = re.compile(r"^\[(?P<syms>[^\]]*)\]:\s*(?P<msg>.*)$", re.DOTALL)

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        match = self.LINE.match(record.getMessage().strip())
        if match:
            for sym in re.findall(r"'([^']+)'", match["syms"]):
                self.errors[sym] = match["msg"].strip()


@contextmanager
def _captured_yf_errors():
    handler = _ErrorCapture()
    logger = logging.getLogger("yfinance")
    logger.addHandler(handler)
    try:
        yield handler.errors
    finally:
        logger.removeHandler(handler)


class RequestTimeout(TimeoutError):
    """One Yahoo request did not answer within the source's ``request_timeout``."""


def bounded(call: Callable[[], object], timeout: float, what: str):
    """``call()`` with a deadline: it runs on a daemon thread, and after ``timeout`` seconds
    without an answer ``RequestTimeout`` is raised and the thread is abandoned (yfinance's
    quote-summary and option calls have no timeout of their own that we can set)."""
    outcome: dict[str, object] = {}
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller as is
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"yahoo: {what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise RequestTimeout(f"{what}: no answer from Yahoo in {timeout:g} s")
    if failure:
        raise failure[0]
    return outcome.get("value")


class UnusableResponse(ValueError):
    """A yf.download answer that holds no usable prices (wrong shape, no Close, bad dates)."""


def parse_download(data: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(close, volume) from a yf.download frame with (Price, Ticker) MultiIndex columns.

    Accepts either level order; dates become tz-naive midnight; duplicates keep the last row;
    prices that are not positive finite numbers ("N/A", inf, 0) become NaN and all-NaN
    columns (failed tickers) are dropped. A frame of the wrong shape raises
    ``UnusableResponse`` (the caller drops those tickers with a note).
    """
    if data is None or data.empty:
        empty = pd.DataFrame(index=pd.DatetimeIndex([]), dtype=np.float64)
        return empty, empty
    if not isinstance(data.columns, pd.MultiIndex) or data.columns.nlevels != 2:
        raise UnusableResponse("unexpected yfinance frame: expected (Price, Ticker) column "
                               "levels")
    level = 0 if "Close" in data.columns.get_level_values(0) else 1
    fields = set(data.columns.get_level_values(level))
    if "Close" not in fields:
        raise UnusableResponse("unexpected yfinance frame: no Close column")
    try:
        index = pd.DatetimeIndex(pd.to_datetime(data.index))
    except (TypeError, ValueError) as exc:
        raise UnusableResponse(f"unexpected yfinance frame: dates unreadable ({exc})") from None
    if index.tz is not None:
        index = index.tz_localize(None)
    frames = []
    for name in ("Close", "Volume"):
        if name not in fields:
            frames.append(pd.DataFrame(index=index, dtype=np.float64))
            continue
        frame = data.xs(name, axis=1, level=level).copy()
        frame.index = index.normalize()
        frame.columns = [str(c) for c in frame.columns]
        frame = frame[~frame.index.duplicated(keep="last")].sort_index()
        numeric = all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes)
        frames.append((frame if numeric else frame.apply(pd.to_numeric, errors="coerce"))
                      .astype(np.float64))
    close, volume = frames
    close = close.where(np.isfinite(close) & (close > 0)).dropna(axis=1, how="all")
    volume = volume.where(np.isfinite(volume) & (volume >= 0))
    return close, volume.reindex(columns=close.columns)


def clean_chain(calls: pd.DataFrame, puts: pd.DataFrame, expiry: pd.Timestamp,
                as_of: pd.Timestamp) -> tuple[pd.DataFrame, int]:
    """One expiry's yfinance calls/puts -> our chain columns, and how many rows were dropped.

    Dropped: expired, open interest missing or 0, implied vol outside (0.01, 3).
    """
    rows = []
    for kind, frame in (("C", calls), ("P", puts)):
        if frame is None or frame.empty:
            continue
        rows.append(pd.DataFrame({
            "expiry": pd.Timestamp(expiry), "strike": pd.to_numeric(frame["strike"], errors="coerce"),
            "kind": kind, "open_interest": pd.to_numeric(frame["openInterest"], errors="coerce"),
            "implied_vol": pd.to_numeric(frame["impliedVolatility"], errors="coerce")}))
    if not rows:
        return pd.DataFrame(columns=["expiry", "strike", "kind", "open_interest", "implied_vol"]), 0
    chain = pd.concat(rows, ignore_index=True)
    keep = ((chain["open_interest"] > 0) & (chain["implied_vol"] > 0.01)
            & (chain["implied_vol"] < 3) & chain["strike"].gt(0)
            & (chain["expiry"] > as_of))
    return chain[keep].reset_index(drop=True).astype({"open_interest": float, "strike": float}), \
        int((~keep).sum())


def normalize_shares(series: pd.Series | None, index: pd.DatetimeIndex) -> pd.Series | None:
    """get_shares_full output -> share count on each trading day (as of the latest report).

    The series is tz-aware at irregular times and may repeat a day with different values
    (yfinance #1954): keep the last report of each day.
    """
    if series is None or len(series) == 0:
        return None
    s = pd.Series(pd.to_numeric(series.to_numpy(), errors="coerce"),
                  index=pd.DatetimeIndex(series.index))
    if s.index.tz is not None:
        s.index = s.index.tz_localize(None)
    s.index = s.index.normalize()
    s = s[~s.index.duplicated(keep="last")].sort_index().dropna()
    s = s[s > 0]
    if s.empty:
        return None
    return s.reindex(index.union(s.index)).ffill().reindex(index)


@dataclass
class YahooSource:
    """Live Yahoo data. ``cache`` makes refreshes incremental; ``probe`` checks connectivity."""

    cache: MarketCache | None = None
    years: int = 5
    chunk_size: int = 100
    max_wait: float = 60.0
    probe_timeout: float = 2.0
    overlap_days: int = 5
    extras_budget: float = 120.0
    request_timeout: float = 30.0     # per Yahoo call (bounded): a hung call is given up
    probe: Callable[[float], None] = probe_yahoo
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], pd.Timestamp] = pd.Timestamp.now
    session_clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    seed: int | None = None
    name: str = "yahoo"
    _waited: float = field(default=0.0, init=False)

    def load(self, universe: Universe, progress: Progress | None = None) -> MarketData:
        progress = progress or (lambda stage, frac: None)
        progress("Checking connection to Yahoo", 0.0)
        self.probe(self.probe_timeout)
        import yfinance as yf

        self._waited = 0.0
        self._rng = random.Random(self.seed)
        tickers = universe.all_tickers()
        cached = self.cache.load() if self.cache is not None else None
        known = [t for t in tickers if cached is not None and t in cached.close.columns]
        fresh = [t for t in tickers if t not in known]
        now = self.clock()
        full_start = (now - pd.DateOffset(years=self.years)).normalize()
        jobs = []
        if known and cached is not None:
            overlap_start = cached.close.index[-1] - pd.offsets.BDay(self.overlap_days)
            jobs.append((known, overlap_start))
        if fresh:
            jobs.append((fresh, full_start))
        close, volume, errors = self._download(yf, jobs, progress)
        if cached is not None and not close.notna().to_numpy().any():
            return self._stale(cached, errors)
        notes = []
        if cached is not None:
            readjusted = readjust(cached.close, cached.volume, close, volume)
            if readjusted.refetch:
                again, again_volume, again_errors = self._download(
                    yf, [(list(readjusted.refetch), full_start)], progress)
                close = _combine([close, again])
                volume = _combine([volume, again_volume])
                errors.update(again_errors)
            note = readjusted.note()
            if note:
                notes.append(note)
                log.info(note)
            close, volume = _merge_cached(readjusted.close, readjusted.volume, close, volume)
        close = close.reindex(columns=[t for t in tickers if t in close.columns])
        close, partial = drop_partial_tail(close)
        if partial:
            notes.append(partial)
        if close.empty:
            raise SourceUnavailable("Yahoo returned no data for any ticker")
        failed = [t for t in tickers if t not in close.columns]
        if failed:
            reasons = "; ".join(f"{t} ({errors[t]})" if t in errors else t for t in failed[:12])
            more = f" and {len(failed) - 12} more" if len(failed) > 12 else ""
            notes.append(f"{len(failed)} of {len(tickers)} tickers returned no data: "
                         f"{reasons}{more}")
            log.warning(notes[-1])
        volume = volume.reindex(index=close.index, columns=close.columns).fillna(0.0)
        deadline = time.monotonic() + self.extras_budget
        shares, assets, availability, today = self._fund_data(yf, universe, close, deadline,
                                                              progress)
        options, option_notes = self._options(yf, universe, close.index[-1], deadline, progress)
        availability.update(option_notes)
        progress("Prices downloaded", 1.0)
        as_of_time = session_of(close, self.session_clock())
        if as_of_time is not None:
            notes.append(f"the {close.index[-1]:%Y-%m-%d} row is the session in progress at "
                         f"{as_of_time:%H:%M} ET ({DELAY_MINUTES}-min delayed prices); the "
                         "next refresh replaces it")
        market = MarketData(close=close, volume=volume, shares_outstanding=shares, options=options,
                            source="yahoo", simulated=False, yield_tickers=universe.yield_tickers(),
                            fund_assets=assets, availability=availability, notes=tuple(notes),
                            fetched_at=now, as_of_time=as_of_time, delay_minutes=DELAY_MINUTES)
        history = record(cached.share_history if cached is not None else None, close.index[-1],
                         today)
        market = apply_history(market, history)
        if self.cache is not None:
            try:
                self.cache.save(market)
            except OSError as exc:
                log.warning("could not write the cache at %s: %s", self.cache.root, exc)
                market = replace(market, notes=market.notes + (
                    f"the cache was not written ({exc}): the next start downloads again",))
        return market

    def _stale(self, cached: MarketData, errors: dict[str, str]) -> MarketData:
        """Yahoo answered but with no usable price: the cache as it was, its ``fetched_at``
        kept, marked STALE (as when Yahoo is unreachable); nothing is written."""
        from models.sources.auto import describe_age

        when = f"{cached.fetched_at:%Y-%m-%d %H:%M}" if cached.fetched_at is not None else "?"
        age = describe_age(self.clock() - cached.fetched_at) if cached.fetched_at is not None \
            else "unknown age"
        why = next(iter(errors.values()), "every ticker empty")
        log.warning("Yahoo returned no usable prices (%s); showing the cache from %s", why, when)
        return replace(cached, source=f"yahoo cache (STALE, {age} old)",
                       notes=cached.notes + (f"Yahoo returned no data ({why}): showing the cache "
                                             f"from {when}",))

    # ------------------------------------------------------------------ prices
    def _download(self, yf, jobs: list[tuple[list[str], pd.Timestamp]], progress: Progress):
        """Chunked downloads of (tickers, start) jobs -> (close, volume, errors)."""
        chunks = [(group[i:i + self.chunk_size], start) for group, start in jobs
                  for i in range(0, len(group), self.chunk_size)]
        close_parts, volume_parts, errors = [], [], {}
        for n, (chunk, start) in enumerate(chunks, 1):
            progress(f"Downloading prices: chunk {n}/{len(chunks)} ({len(chunk)} tickers)",
                     0.05 + 0.6 * (n - 1) / len(chunks))
            close, volume, chunk_errors = self._download_chunk(yf, chunk, start)
            close_parts.append(close)
            volume_parts.append(volume)
            errors.update(chunk_errors)
        close = _combine(close_parts)
        return close, _combine(volume_parts).reindex(index=close.index, columns=close.columns), \
            errors

    def _download_chunk(self, yf, chunk: list[str], start: pd.Timestamp):
        pending = list(chunk)
        closes, volumes, errors = [], [], {}
        attempt = 0
        while pending:
            limited: list[str] = []
            with _captured_yf_errors() as logged:
                try:
                    data = bounded(partial(
                        yf.download, pending, start=start.strftime("%Y-%m-%d"), auto_adjust=True,
                        group_by="column", threads=True, progress=False,
                        multi_level_index=True, timeout=10),
                        self.request_timeout, f"prices for {len(pending)} tickers")
                except Exception as exc:  # noqa: BLE001 - yfinance raises many types
                    if not RATE_LIMIT.search(f"{type(exc).__name__} {exc}"):
                        raise SourceUnavailable(f"Yahoo download failed: {exc}") from exc
                    data, limited = None, list(pending)
            try:
                close, volume = parse_download(data)
            except UnusableResponse as exc:
                log.warning("Yahoo answered %d tickers with %s", len(pending), exc)
                errors.update({t: str(exc) for t in pending})
                break
            closes.append(close)
            volumes.append(volume)
            locked: list[str] = []
            for t, message in logged.items():
                if RATE_LIMIT.search(message) and t not in close.columns:
                    limited.append(t)
                elif (CACHE_LOCKED.search(message) and t not in close.columns
                      and attempt + 1 < CACHE_RETRIES):
                    locked.append(t)
                else:
                    errors[t] = message
            if limited:
                wait = min(2.0 ** attempt + self._rng.uniform(0, 1.0),
                           self.max_wait - self._waited)
                if wait <= 0:
                    raise SourceUnavailable(f"Yahoo rate limit: gave up after waiting "
                                            f"{self._waited:.0f} s")
                log.warning("Yahoo rate limit on %d tickers; retrying in %.1f s",
                            len(limited), wait)
                self._waited += wait
            elif locked:
                wait = CACHE_LOCK_WAIT_S
                log.info("yfinance's timezone cache was locked for %s; asking again",
                         ", ".join(locked))
            else:
                break
            self.sleep(wait)
            attempt += 1
            pending = list(dict.fromkeys(limited + locked))
        return _combine(closes), _combine(volumes), errors

    # ------------------------------------------------------------------ extras
    def _fund_data(self, yf, universe: Universe, close: pd.DataFrame, deadline: float,
                   progress: Progress):
        letfs = [f.ticker for f in universe.leveraged_etfs if f.ticker in close.columns]
        etfs = list(dict.fromkeys(
            [universe.benchmark, *letfs, *universe.cross_asset.sectors,
             *(r.etf for r in universe.regions if r.etf)]))
        etfs = [t for t in etfs if t in close.columns]
        shares: dict[str, pd.Series] = {}
        today: dict[str, tuple[float, float]] = {}
        start = (close.index[0]).strftime("%Y-%m-%d")
        for n, ticker in enumerate(etfs):
            if time.monotonic() > deadline:
                break
            progress(f"Shares outstanding: {ticker} ({n + 1}/{len(etfs)})",
                     0.7 + 0.15 * n / max(len(etfs), 1))
            fund = yf.Ticker(ticker)
            try:
                info = bounded(partial(getattr, fund, "info"), self.request_timeout,
                               f"{ticker} quote") or {}
                today[ticker] = (_positive(info.get("sharesOutstanding")),
                                 _positive(info.get("totalAssets")))
            except Exception as exc:  # noqa: BLE001 - best effort, one failure is not fatal
                log.info("share count and assets for %s unavailable: %s", ticker, exc)
            try:
                series = normalize_shares(bounded(partial(fund.get_shares_full, start=start),
                                                  self.request_timeout,
                                                  f"{ticker} share counts"), close.index)
            except Exception as exc:  # noqa: BLE001 - best effort, one failure is not fatal
                log.info("shares outstanding for %s unavailable: %s", ticker, exc)
                series = None
            if series is not None:
                shares[ticker] = series
        frame = pd.DataFrame(shares, index=close.index, dtype=np.float64) if shares else None
        assets: dict[str, float] = {}
        for ticker in letfs:
            if ticker in shares and not np.isnan(shares[ticker].iloc[-1]):
                assets[ticker] = float(shares[ticker].iloc[-1] * close[ticker].ffill().iloc[-1])
            elif np.isfinite(today.get(ticker, (np.nan, np.nan))[1]):
                assets[ticker] = today[ticker][1]
        availability = {
            "shares_outstanding": f"{len(shares)} of {len(etfs)} ETFs (history), "
                                  f"{sum(np.isfinite(v[0]) for v in today.values())} recorded today",
            "fund_assets": f"{len(assets)} of {len(letfs)} leveraged ETFs",
        }
        return frame, (pd.Series(assets, dtype=np.float64) if assets else None), availability, \
            today

    def _options(self, yf, universe: Universe, as_of: pd.Timestamp, deadline: float,
                 progress: Progress):
        chains, notes = {}, {}
        for underlying in universe.option_underlyings:
            if time.monotonic() > deadline:
                break
            progress(f"Options {underlying}: expiries", 0.85)
            try:
                ticker = yf.Ticker(underlying)
                expiries = [pd.Timestamp(e) for e in bounded(
                    partial(getattr, ticker, "options"), self.request_timeout,
                    f"{underlying} expiries")]
                expiries = [e for e in expiries
                            if as_of < e <= as_of + pd.Timedelta(days=MAX_OPTION_DAYS)]
                parts: list[pd.DataFrame] = []
                quote: dict[str, object] = {}
                dropped = 0
                for n, expiry in enumerate(expiries):
                    if time.monotonic() > deadline:
                        break
                    progress(f"Options {underlying}: expiry {n + 1}/{len(expiries)}", 0.85)
                    chain = bounded(partial(ticker.option_chain, expiry.strftime("%Y-%m-%d")),
                                    self.request_timeout, f"{underlying} {expiry:%Y-%m-%d} chain")
                    part, lost = clean_chain(chain.calls, chain.puts, expiry, as_of)
                    parts.append(part)
                    dropped += lost
                    quote = getattr(chain, "underlying", None) or quote
            except Exception as exc:  # noqa: BLE001 - best effort
                log.info("options for %s unavailable: %s", underlying, exc)
                notes[f"options {underlying}"] = f"unavailable ({exc})"
                continue
            if parts:
                chains[underlying] = pd.concat(parts, ignore_index=True).assign(
                    **chain_inputs(quote, as_of))
            notes[f"options {underlying}"] = (f"{sum(len(p) for p in parts)} contracts in "
                                              f"{len(parts)} expiries; {dropped} dropped")
        return chains, notes


def chain_inputs(quote: dict, as_of: pd.Timestamp) -> dict:
    """Columns that carry the gamma model's inputs with a Yahoo chain: ``underlying_price``
    (the quote's unadjusted regularMarketPrice; NaN if absent), ``quote_date`` and
    ``dividend_yield`` (the ETF's trailing ``yield``, else trailingAnnualDividendYield; NaN if
    neither is a plausible fraction)."""
    dividend = np.nan
    for key in ("yield", "trailingAnnualDividendYield"):
        value = quote.get(key)
        if isinstance(value, (int, float)) and 0 <= value < 0.2:
            dividend = float(value)
            break
    return {"underlying_price": _positive(quote.get("regularMarketPrice")),
            "quote_date": pd.Timestamp(as_of).normalize(), "dividend_yield": dividend}


def _positive(value) -> float:
    """A positive number from Yahoo's info, else NaN."""
    return float(value) if isinstance(value, (int, float)) and value > 0 else np.nan


def _combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One frame from chunk frames, a later part winning where two hold the same cell. The
    usual case, chunks of distinct tickers, is one concat (iterated ``combine_first`` took a
    second for the full universe and held the GIL, stalling the window)."""
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(index=pd.DatetimeIndex([]), dtype=np.float64)
    columns = [c for p in parts for c in p.columns]
    if len(set(columns)) == len(columns):
        return pd.concat(parts, axis=1, sort=False).sort_index()
    out = parts[0]
    for part in parts[1:]:
        out = part.combine_first(out)
    return out.sort_index()


def _merge_cached(cached_close: pd.DataFrame, cached_volume: pd.DataFrame, close: pd.DataFrame,
                  volume: pd.DataFrame):
    """New rows win over cached rows on the overlap; cached history (already on the new
    adjustment basis, see ``readjust``) fills the rest."""
    merged_close = close.combine_first(cached_close)
    merged_volume = volume.combine_first(cached_volume)
    return merged_close.astype(np.float64), merged_volume.astype(np.float64)
