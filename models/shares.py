"""Dated history of ETF share counts and fund assets (docs/data.md, "Share counts").

Yahoo serves no share-count history for most ETFs, only today's ``sharesOutstanding`` and
``totalAssets``. So every Yahoo refresh records today's values, one row per (date, ticker,
source), and the history grows from the first day of use; a later refresh never rewrites an
earlier day (the same day is replaced by its latest value). A share-count file (an issuer's
daily history, ``--shares``) fills the same history and wins over Yahoo on the same day.

The history is a long frame with ``HISTORY_COLUMNS``; ``share_panel`` turns it into share
counts per trading day (each ticker from its first record on, the last report carried).
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from models.sources.files import FileDataError, parse_dates, read_rows

HISTORY_COLUMNS = ("date", "ticker", "shares_outstanding", "total_assets", "source")
SOURCES = ("yahoo", "file")            # later wins on the same day
SHARE_NAMES = re.compile(r"^shares?[ _]?(outstanding)?\s*(\((?P<unit>000|thousands?|mn|m|"
                         r"millions?)\))?$", re.IGNORECASE)
UNITS = {"000": 1e3, "thousand": 1e3, "thousands": 1e3, "mn": 1e6, "m": 1e6, "million": 1e6,
         "millions": 1e6}


class ShareFileError(FileDataError):
    """A share-count file that cannot be used; names the file, row and column."""


def empty_history() -> pd.DataFrame:
    return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"),
                         "ticker": pd.Series(dtype=str),
                         "shares_outstanding": pd.Series(dtype=np.float64),
                         "total_assets": pd.Series(dtype=np.float64),
                         "source": pd.Series(dtype=str)})


def merge(history: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """``history`` plus ``new`` rows; a (date, ticker, source) in both keeps the new value."""
    frames = [f for f in (history, new) if f is not None and len(f)]
    if not frames:
        return empty_history()
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    out = out.drop_duplicates(["date", "ticker", "source"], keep="last")
    return out.sort_values(["date", "ticker", "source"]).reset_index(drop=True)


def record(history: pd.DataFrame | None, day, values: dict[str, tuple[float, float]],
           source: str = "yahoo") -> pd.DataFrame:
    """Record one day's (shares_outstanding, total_assets) per ticker (NaN where unknown)."""
    rows = [(pd.Timestamp(day).normalize(), t, s, a, source) for t, (s, a) in values.items()
            if np.isfinite(s) or np.isfinite(a)]
    new = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS)) if rows else None
    return merge(history, new) if new is not None else (history if history is not None
                                                        else empty_history())


def share_panel(history: pd.DataFrame | None, index: pd.DatetimeIndex) -> pd.DataFrame | None:
    """Share counts per day of ``index``: a file beats Yahoo on the same day; each ticker from
    its first record on (NaN before), the last report carried forward."""
    if history is None or history["shares_outstanding"].notna().sum() == 0:
        return None
    known = history.dropna(subset=["shares_outstanding"])
    rank = known["source"].map({s: i for i, s in enumerate(SOURCES)}).fillna(-1)
    best = (known.assign(rank=rank).sort_values(["date", "ticker", "rank"])
            .drop_duplicates(["date", "ticker"], keep="last"))
    wide = best.pivot(index="date", columns="ticker", values="shares_outstanding")
    wide.columns.name = None
    return wide.reindex(index.union(wide.index)).ffill().reindex(index).astype(np.float64)


def latest_assets(history: pd.DataFrame | None) -> pd.Series | None:
    """The latest recorded total assets per ticker (USD)."""
    if history is None or history["total_assets"].notna().sum() == 0:
        return None
    known = history.dropna(subset=["total_assets"]).sort_values("date")
    return known.groupby("ticker")["total_assets"].last().astype(np.float64)


def read_share_file(path: str | Path, date_format: str | None = None) -> pd.DataFrame:
    """A share-count file -> history rows (source "file").

    Long: ``date, ticker, shares_outstanding`` (also "Shares Outstanding (000)" or "(mn)",
    scaled to shares, as issuers publish them). Wide: a date column and one column per ticker.
    """
    raw, fail = read_rows(path, ShareFileError)
    names = {str(c).strip(): c for c in raw.columns}
    lower = {k.lower(): v for k, v in names.items()}
    date_col = next((lower[n] for n in ("date", "dates", "day") if n in lower), raw.columns[0])
    dates = parse_dates(raw[date_col], fail, date_format)
    share_col = next(((c, m) for k, c in names.items() if (m := SHARE_NAMES.match(k))), None)
    if "ticker" in lower and share_col is not None:
        column, match = share_col
        scale = UNITS.get((match["unit"] or "").lower(), 1.0)
        values = _numbers(raw[column], fail, str(column)) * scale
        tickers = raw[lower["ticker"]].astype(str).str.strip()
        frame = pd.DataFrame({"date": dates, "ticker": tickers.to_numpy(),
                              "shares_outstanding": values})
    elif "ticker" in lower:
        raise fail("a long file needs a shares_outstanding column (or 'Shares Outstanding "
                   "(000)')")
    else:
        wide = {str(c).strip(): _numbers(raw[c], fail, str(c)) for c in raw.columns
                if c != date_col}
        if not wide:
            raise fail("no ticker columns next to the dates")
        frame = (pd.DataFrame(wide, index=dates).rename_axis("date").reset_index()
                 .melt(id_vars="date", var_name="ticker", value_name="shares_outstanding"))
    frame = frame.dropna(subset=["shares_outstanding"])
    negative = frame["shares_outstanding"] < 0
    if negative.any():
        row = frame[negative].iloc[0]
        raise fail(f"{row['ticker']} on {row['date']:%Y-%m-%d}: negative share count "
                   f"({row['shares_outstanding']:g})")
    frame = frame[frame["shares_outstanding"] > 0]
    frame = frame.drop_duplicates(["date", "ticker"], keep="last")
    return merge(None, frame.assign(total_assets=np.nan, source="file")[list(HISTORY_COLUMNS)])


def _numbers(column: pd.Series, fail, name: str) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=np.float64)
    text = column.astype(str).str.replace(",", "", regex=False).str.strip()
    numbers = pd.to_numeric(text.where(column.notna() & (text != "")), errors="coerce")
    bad = numbers.isna() & column.notna() & (text != "")
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise fail(f"column {name!r}, row {row + 2}: non-numeric share count "
                   f"{column.iloc[row]!r}")
    return numbers.to_numpy(dtype=np.float64)


def apply_history(market, history: pd.DataFrame | None):
    """``market`` with ``history`` attached: its share counts fill (and win over) the market's
    own per-day counts, its latest total assets fill the missing fund assets."""
    if history is None or history.empty:
        return market
    panel = share_panel(history, market.close.index)
    shares = market.shares_outstanding
    if panel is not None:
        shares = panel if shares is None else panel.combine_first(shares)
    assets = latest_assets(history)
    fund_assets = market.fund_assets
    if assets is not None:
        fund_assets = assets if fund_assets is None else fund_assets.combine_first(assets)
    return replace(market, share_history=history, shares_outstanding=shares,
                   fund_assets=fund_assets)


class WithShareCounts:
    """Any source plus share-count files (``--shares``): the files' counts join the source's
    share history and win over Yahoo's on the same day."""

    def __init__(self, inner, paths, date_format: str | None = None) -> None:
        self.inner, self.paths, self.date_format = inner, tuple(map(Path, paths)), date_format
        self.name = inner.name

    def load(self, universe, progress=None):
        counts = [read_share_file(p, self.date_format) for p in self.paths]
        market = self.inner.load(universe, progress)
        history = merge(market.share_history, pd.concat(counts, ignore_index=True))
        names = ", ".join(p.name for p in self.paths)
        market = apply_history(market, history)
        return replace(market, notes=market.notes + (f"share counts from {names}",))
