"""ETF share counts: the dated history Yahoo refreshes record, share-count files, and fund
assets (shares x price) on price files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yfinance

from analytics.engine import compute
from models.cache import MarketCache
from models.shares import ShareFileError, read_share_file, record, share_panel
from models.sources import open_source
from models.sources.yahoo import YahooSource
from models.state import engine_params
from tests.models.test_yahoo import FakeTicker, FakeYahoo, small_universe  # noqa: F401


class CountingTicker(FakeTicker):
    """Yahoo's info for a fund: today's share count grows by 1m shares a day."""

    day = pd.Timestamp("2026-02-06")

    @property
    def info(self):
        shares = 1e8 + 1e6 * (self.day - pd.Timestamp("2026-02-06")).days
        return {"sharesOutstanding": shares, "totalAssets": shares * 50.0}

    @info.setter
    def info(self, value):
        pass

    def get_shares_full(self, start=None, end=None):
        return None


def test_three_refreshes_accumulate_one_value_per_day(tmp_path, small_universe, monkeypatch):  # noqa: F811
    fake = FakeYahoo(rate_limit_first=False)
    monkeypatch.setattr(yfinance, "download", fake.download)
    monkeypatch.setattr(yfinance, "Ticker", CountingTicker)
    markets = []
    for day in ("2026-02-06", "2026-02-09", "2026-02-09", "2026-02-10"):
        fake.end = day
        CountingTicker.day = pd.Timestamp(day)
        source = YahooSource(cache=MarketCache(tmp_path / "cache"), probe=lambda t: None,
                             sleep=lambda s: None,
                             clock=lambda d=day: pd.Timestamp(d) + pd.Timedelta(hours=20),
                             seed=1)
        markets.append(source.load(small_universe))
    history = markets[-1].share_history
    spy = history[history["ticker"] == "SPY"].set_index("date")["shares_outstanding"]
    assert list(spy.index) == list(pd.to_datetime(["2026-02-06", "2026-02-09", "2026-02-10"]))
    assert spy.loc["2026-02-06"] == 1e8, "an earlier day is never rewritten by a later refresh"
    assert spy.loc["2026-02-10"] == 1e8 + 4e6
    shares = markets[-1].shares_outstanding["SPY"]
    assert np.isnan(shares.loc["2026-02-05"]), "no count before the first day of use"
    assert shares.loc["2026-02-09"] == 1e8 + 3e6
    assert markets[-1].fund_assets["SSO"] > 0
    cached = MarketCache(tmp_path / "cache").load()
    pd.testing.assert_frame_equal(cached.share_history, history)
    regions = compute(markets[-1], engine_params(small_universe, markets[-1])).regions
    assert regions.flows_since == pd.Timestamp("2026-02-06")
    # creations (share-count change x that day's price), booked on the day before the count
    ewy = markets[-1].close["EWY"]
    expected = 3e6 * ewy.loc["2026-02-09"] + 1e6 * ewy.loc["2026-02-10"]
    assert regions.table.loc["Korea", "flows 1m"] == pytest.approx(expected, rel=1e-12)


def test_record_replaces_the_same_day_only():
    first = record(None, "2026-02-06", {"SPY": (1.0, np.nan)})
    again = record(first, "2026-02-06", {"SPY": (2.0, np.nan)})
    later = record(again, "2026-02-09", {"SPY": (3.0, np.nan)})
    assert list(later["shares_outstanding"]) == [2.0, 3.0]


def test_a_file_wins_over_yahoo_on_the_same_day(tmp_path):
    yahoo = record(None, "2026-02-06", {"SSO": (5.0e7, np.nan)})
    path = tmp_path / "shares.csv"
    path.write_text("date,ticker,shares_outstanding\n2026-02-06,SSO,6e7\n2026-02-05,SSO,5.5e7\n",
                    encoding="utf-8")
    history = pd.concat([yahoo, read_share_file(path)], ignore_index=True)
    panel = share_panel(history, pd.bdate_range("2026-02-04", "2026-02-09"))
    assert np.isnan(panel.loc["2026-02-04", "SSO"])
    assert list(panel["SSO"].iloc[1:]) == [5.5e7, 6e7, 6e7]


def test_wide_share_files_and_issuer_units(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text("Dates,SSO,SDS\n7/12/2006,2.4,0.5\n7/13/2006,2.5,\n", encoding="utf-8")
    frame = read_share_file(wide)
    assert set(frame["ticker"]) == {"SSO", "SDS"} and len(frame) == 3
    issuer = tmp_path / "issuer.csv"
    issuer.write_text("Date,Ticker,NAV,Shares Outstanding (000)\n3/1/2024,SSO,74.7,\"58,650\"\n"
                      "2/29/2024,SSO,73.5,59000\n", encoding="utf-8")
    frame = read_share_file(issuer)
    assert list(frame["shares_outstanding"]) == [59_000_000.0, 58_650_000.0]


@pytest.mark.parametrize("text, message", [
    ("date,ticker,shares_outstanding\n2026-02-06,SSO,-5\n",
     "s.csv: SSO on 2026-02-06: negative share count"),
    ("date,ticker,shares_outstanding\n2026-02-06,SSO,lots\n",
     "s.csv: column 'shares_outstanding', row 2: non-numeric share count 'lots'"),
    ("date,ticker,nav\n2026-02-06,SSO,5\n", "s.csv: a long file needs a shares_outstanding"),
])
def test_bad_share_files_name_the_file_and_the_problem(tmp_path, text, message):
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ShareFileError, match=message):
        read_share_file(path)


def test_a_price_file_and_a_share_file_give_leveraged_etf_assets(tmp_path, universe):
    days = pd.bdate_range("2025-01-02", periods=300)
    rng = np.random.default_rng(5)
    spy = 500 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
    spy_r = np.diff(spy) / spy[:-1]
    sso = 50 * np.concatenate([[1.0], np.cumprod(1 + 2 * spy_r)])
    prices = pd.DataFrame({"SPY": spy, "SSO": sso}, index=days).rename_axis("date")
    prices.reset_index().to_csv(tmp_path / "prices.csv", index=False)
    counts = pd.DataFrame({"date": days[::5], "ticker": "SSO", "shares_outstanding": 6e7})
    counts.to_csv(tmp_path / "counts.csv", index=False)
    without = open_source(str(tmp_path / "prices.csv")).load(universe)
    bare = compute(without, engine_params(universe, without))
    assert bare.headline()["letf"]["rebalance_total_usd"] is None, "missing is not $0"
    assert bare.radar.signals["LETF flow % of ADV"].value.startswith("n/a: no fund assets")
    source = open_source(str(tmp_path / "prices.csv"), shares=[str(tmp_path / "counts.csv")])
    market = source.load(universe)
    snapshot = compute(market, engine_params(universe, market))
    fund = snapshot.flows.funds.loc["SSO"]
    assert fund["aum"] == pytest.approx(6e7 * sso[-2])
    assert snapshot.headline()["letf"]["rebalance_total_usd"] == pytest.approx(
        6e7 * sso[-2] * 2 * (2 - 1) * spy_r[-1])


def test_proshares_issuer_files_load_as_share_history(realdata, universe):
    files = sorted((realdata / "letf").glob("proshares_*_historical_nav_2006_2024.csv.gz"))
    history = pd.concat([read_share_file(p) for p in files], ignore_index=True)
    assert set(history["ticker"]) == {"DDM", "DXD", "QID", "QLD", "SDS", "SSO"}
    sso = history[history["ticker"] == "SSO"].set_index("date")["shares_outstanding"]
    assert sso.loc["2024-03-01"] == 58_650_000.0 and sso.index.is_monotonic_increasing
    wide = pd.read_csv(realdata / "letf" / "proshares_shares_outstanding_mn_2006_2024.csv")
    assert wide.iloc[-1]["SSO"] * 1e6 == pytest.approx(sso.iloc[-1], rel=0.01)
    etfs = realdata / "yf_adjclose_2026" / "etfs_adjclose_wide.csv.gz"
    market = open_source(str(etfs), shares=[str(p) for p in files]).load(universe)
    market = market.until("2024-03-01")
    snapshot = compute(market, engine_params(universe, market))
    funds = snapshot.flows.funds
    assert {"SSO", "SDS", "QLD", "QID"} <= set(funds.index)
    assert funds.loc["SSO", "aum"] == pytest.approx(
        sso.loc["2024-02-29"] * market.close.loc["2024-02-29", "SSO"])
    assert 1e9 < funds.loc["SSO", "aum"] < 1e10
