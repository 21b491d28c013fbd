"""A fake Yahoo Finance at the HTTP level, for contract tests through yfinance's own parsing.

``FakeYahooHTTP`` is a ``requests.Session`` that answers the URLs yfinance 1.x calls: the cookie
page, ``/v1/test/getcrumb``, the consent pages (no form, so the csrf strategy finds nothing)
and ``/v8/finance/chart/<symbol>`` with JSON in the shape Yahoo serves: ``meta``,
``timestamp`` (session open, UTC seconds), ``indicators.quote`` (open/high/low/close/volume,
split-adjusted as of the server's today), ``indicators.adjclose`` (split- and
dividend-adjusted) and ``events`` (``splits``: numerator/denominator, ``dividends``: amount).
Everything else (quoteSummary, fundamentals) answers 404.

Each ticker has raw (unadjusted) prices and volumes; ``today`` is the last day served, so a
split with an ex-date after one refresh and before the next changes the back-adjusted history
between them exactly as Yahoo does.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import requests

OPEN_UTC = pd.Timedelta(hours=14, minutes=30)


@dataclass
class Listing:
    raw_close: pd.Series                     # unadjusted closes, one per trading day
    raw_volume: pd.Series
    splits: dict[pd.Timestamp, float] = field(default_factory=dict)      # ex-date -> ratio
    dividends: dict[pd.Timestamp, float] = field(default_factory=dict)   # ex-date -> amount
    adjclose: bool = True                    # False: the response has no adjclose block
    empty_today: bool = False                # True: today's bar has nulls (no trade yet)


def _ts(day: pd.Timestamp) -> int:
    return int((pd.Timestamp(day) + OPEN_UTC).timestamp())


class FakeYahooHTTP(requests.Session):
    """Serves ``listings`` up to ``today``; ``rate_limited`` chart calls answer 429 first."""

    def __init__(self, listings: dict[str, Listing], today, rate_limited: int = 0) -> None:
        super().__init__()
        self.listings = listings
        self.today = pd.Timestamp(today)
        self.rate_limited = rate_limited
        self.chart_calls: list[tuple[str, dict]] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ adjustment
    def adjusted(self, symbol: str, start=None) -> pd.DataFrame:
        """What Yahoo serves today: close/volume split-adjusted, adjclose also for dividends."""
        listing = self.listings[symbol]
        raw = listing.raw_close.loc[:self.today]
        volume = listing.raw_volume.loc[:self.today]
        split_factor = pd.Series(1.0, index=raw.index)
        for ex, ratio in listing.splits.items():
            if ex <= self.today:
                split_factor[raw.index < ex] *= ratio
        close = raw / split_factor
        adj = pd.Series(1.0, index=raw.index)
        for ex, amount in listing.dividends.items():
            if ex <= self.today:
                before = close.index[close.index < ex]
                adj[close.index < ex] *= 1.0 - amount / close.loc[before[-1]]
        frame = pd.DataFrame({"close": close, "adjclose": close * adj,
                              "volume": (volume * split_factor).round()})
        return frame if start is None else frame.loc[pd.Timestamp(start):]

    # ------------------------------------------------------------------ HTTP
    def request(self, method, url, params=None, **kwargs):  # noqa: D102 - requests API
        parsed = urlparse(url)
        path = parsed.path
        if parsed.hostname == "fc.yahoo.com":
            return self._answer(url, 404, "")
        if path.endswith("/v1/test/getcrumb"):
            return self._answer(url, 200, "fake-crumb")
        if "consent" in (parsed.hostname or ""):
            return self._answer(url, 200, "<html><body>no form</body></html>")
        if "/v8/finance/chart/" in path:
            return self._chart(url, path.rsplit("/", 1)[-1], dict(params or {}))
        return self._answer(url, 404, json.dumps({"finance": {"result": None, "error": {
            "code": "Not Found", "description": "not served by the fake"}}}))

    def _answer(self, url: str, status: int, text: str) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = text.encode("utf-8")
        response.url = url
        response.encoding = "utf-8"
        response.headers["Content-Type"] = "application/json"
        return response

    def _chart(self, url: str, symbol: str, params: dict) -> requests.Response:
        with self._lock:
            self.chart_calls.append((symbol, params))
            if self.rate_limited > 0:
                self.rate_limited -= 1
                return self._answer(url, 429, "Too Many Requests\r\n")
        if symbol not in self.listings:
            return self._answer(url, 404, json.dumps({"chart": {"result": None, "error": {
                "code": "Not Found", "description": "No data found, symbol may be delisted"}}}))
        listing = self.listings[symbol]
        if "period1" in params:
            start = pd.Timestamp(int(params["period1"]), unit="s").normalize()
            frame = self.adjusted(symbol, start)
        else:
            frame = self.adjusted(symbol).iloc[-1:]
        stamps = [_ts(d) for d in frame.index]
        close = frame["close"].tolist()
        volume = [int(v) for v in frame["volume"]]
        adjclose = frame["adjclose"].tolist()
        if listing.empty_today and len(frame) and frame.index[-1] == self.today:
            close[-1] = adjclose[-1] = volume[-1] = None
        events: dict = {}
        for ex, ratio in listing.splits.items():
            if ex in frame.index:
                events.setdefault("splits", {})[str(_ts(ex))] = {
                    "date": _ts(ex), "numerator": float(ratio), "denominator": 1.0,
                    "splitRatio": f"{ratio:g}:1"}
        for ex, amount in listing.dividends.items():
            if ex in frame.index:
                events.setdefault("dividends", {})[str(_ts(ex))] = {"amount": amount,
                                                                    "date": _ts(ex)}
        indicators: dict = {"quote": [{"open": close, "high": close, "low": close,
                                       "close": close, "volume": volume}]}
        if listing.adjclose:
            indicators["adjclose"] = [{"adjclose": adjclose}]
        last = frame.index[-1] if len(frame) else self.today
        result = {
            "meta": {"currency": "USD", "symbol": symbol, "exchangeName": "NMS",
                     "fullExchangeName": "NasdaqGS", "instrumentType": "EQUITY",
                     "firstTradeDate": stamps[0] if stamps else None,
                     "regularMarketTime": _ts(last) + 6 * 3600 + 1800, "hasPrePostMarketData": True,
                     "gmtoffset": -18000, "timezone": "EST",
                     "exchangeTimezoneName": "America/New_York",
                     "regularMarketPrice": close[-1] if close else None,
                     "chartPreviousClose": close[0] if close else None, "priceHint": 2,
                     "dataGranularity": "1d", "range": params.get("range", ""),
                     "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y",
                                     "10y", "ytd", "max"]},
            "timestamp": stamps, "events": events, "indicators": indicators}
        return self._answer(url, 200, json.dumps({"chart": {"result": [result], "error": None}}))


def random_listing(seed: int, days: pd.DatetimeIndex, level: float = 100.0, **kwargs) -> Listing:
    rng = np.random.default_rng(seed)
    close = level * np.exp(np.cumsum(rng.normal(0.0, 0.015, len(days))))
    volume = rng.integers(1_000_000, 5_000_000, len(days)).astype(float)
    return Listing(pd.Series(np.round(close, 4), index=days),
                   pd.Series(volume, index=days), **kwargs)
