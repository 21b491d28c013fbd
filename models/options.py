"""Option chains from files (``--options PATH``, File -> Open option chain...).

A chain file is a CSV (or .csv.gz / Parquet) with one row per contract:

    expiry, strike, kind (C/P or call/put), open_interest, implied_vol
    [, underlying_price, quote_date, underlying, dividend_yield, bid, ask, last_price]

Column names are matched without case, spaces or punctuation, and the names vendors and
yfinance use are understood (``openInterest``, ``impliedVolatility``, ``option_type``,
``put/call``, ``oi``, ``impVol``, ``Expiration_Date``, ``S``, ``spot_date``, ``datePulled``...).
Implied vols may be fractions (0.2) or percent strings ("20%"); open interest may carry
thousands separators. Validation is like the price files': one message naming the file, the
row and the column, and nothing partial is loaded. docs/data.md gives every rule.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from models.market import MarketData
from models.sources import Progress
from models.sources.files import FileDataError, parse_dates, read_rows
from models.universe import Universe

ALIASES = {
    "expiry": ("expiry", "expiration", "expirationdate", "expiry_date", "exp", "maturity"),
    "strike": ("strike", "strikeprice"),
    "kind": ("kind", "type", "optiontype", "putcall", "callput", "cp", "right"),
    "open_interest": ("openinterest", "oi"),
    "implied_vol": ("impliedvol", "impliedvolatility", "iv", "impvol"),
    "underlying_price": ("underlyingprice", "spot", "s", "underlyinglast", "spotprice"),
    "quote_date": ("quotedate", "date", "spotdate", "datepulled", "asof", "tradedate"),
    "underlying": ("underlying", "ticker", "root", "under", "symbolunderlying"),
    "dividend_yield": ("dividendyield", "q"),
    "bid": ("bid",),
    "ask": ("ask",),
    "last_price": ("lastprice", "last", "price"),
    "last_trade_date": ("lasttradedate", "lasttrade"),
}
REQUIRED = ("expiry", "strike", "kind", "open_interest", "implied_vol")
KINDS = {"c": "C", "call": "C", "calls": "C", "p": "P", "put": "P", "puts": "P"}


class OptionFileError(FileDataError):
    """An option-chain file that cannot be used; names the file, row and column."""


def _key(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _columns(raw: pd.DataFrame, fail) -> dict[str, str]:
    """Our column -> the file's column (first alias found)."""
    keys = {_key(c): c for c in raw.columns}
    found = {}
    for ours, names in ALIASES.items():
        for name in names:
            if _key(name) in keys:
                found[ours] = keys[_key(name)]
                break
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise fail(f"missing column(s) {', '.join(missing)} (an option chain needs expiry, "
                   "strike, kind, open_interest, implied_vol)")
    return found


def _numbers(raw: pd.DataFrame, column: str, fail, ours: str, percent_ok: bool = False
             ) -> pd.Series:
    values = raw[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    text = values.astype(str).str.strip().str.replace(",", "", regex=False)
    percent = text.str.endswith("%")
    blank = values.isna() | text.isin(["", "nan", "NaN", "-"])
    numbers = pd.to_numeric(text.str.rstrip("%"), errors="coerce")
    bad = numbers.isna() & ~blank
    if bad.any() or (percent.any() and not percent_ok):
        row = int(np.argmax((bad | (percent & ~percent_ok)).to_numpy()))
        raise fail(f"row {row + 2}, column {column!r} ({ours}): not a number "
                   f"({values.iloc[row]!r})")
    return numbers.where(~percent, numbers / 100.0)


def read_option_file(path: str | Path, underlying: str | None = None,
                     date_format: str | None = None) -> dict[str, pd.DataFrame]:
    """Chains by underlying from one file. ``underlying``: the symbol for files without an
    underlying column (the universe's first option underlying). Rows with a missing strike,
    kind or expiry are errors; missing or zero open interest and implausible vols are kept
    for ``analytics.gamma.clean_chain`` to drop and count."""
    raw, fail = read_rows(path, OptionFileError)
    cols = _columns(raw, fail)
    kinds = raw[cols["kind"]].astype(str).str.strip().str.lower().map(KINDS)
    if kinds.isna().any():
        row = int(np.argmax(kinds.isna().to_numpy()))
        raise fail(f"row {row + 2}, column {cols['kind']!r}: kind must be C/P or call/put, got "
                   f"{raw[cols['kind']].iloc[row]!r}")
    chain = pd.DataFrame({
        "expiry": parse_dates(raw[cols["expiry"]], fail, date_format).normalize(),
        "strike": _numbers(raw, cols["strike"], fail, "strike").to_numpy(),
        "kind": kinds.to_numpy(),
        "open_interest": _numbers(raw, cols["open_interest"], fail, "open_interest").to_numpy(),
        "implied_vol": _numbers(raw, cols["implied_vol"], fail, "implied_vol",
                                percent_ok=True).to_numpy()})
    for ours in ("underlying_price", "dividend_yield", "bid", "ask", "last_price"):
        if ours in cols and not (ours == "underlying_price" and _is_text(raw[cols[ours]])):
            chain[ours] = _numbers(raw, cols[ours], fail, ours, percent_ok=True).to_numpy()
    bad_strike = ~(chain["strike"] > 0)
    if bad_strike.any():
        row = int(np.argmax(bad_strike.to_numpy()))
        raise fail(f"row {row + 2}, column {cols['strike']!r}: strike must be positive, got "
                   f"{raw[cols['strike']].iloc[row]!r}")
    negative = chain["open_interest"] < 0
    if negative.any():
        row = int(np.argmax(negative.to_numpy()))
        raise fail(f"row {row + 2}, column {cols['open_interest']!r}: negative open interest")
    chain["open_interest"] = chain["open_interest"].fillna(0.0)
    chain["implied_vol"] = chain["implied_vol"].fillna(0.0).clip(lower=0.0)
    chain["quote_date"] = _quote_date(raw, cols, fail, date_format)
    symbols = raw[cols["underlying"]].astype(str).str.strip().str.upper() \
        if "underlying" in cols and _is_text(raw[cols["underlying"]]) else None
    if symbols is None:
        if underlying is None:
            raise fail("no underlying column, and no default underlying to assign it to")
        return {underlying: chain}
    return {name: part.reset_index(drop=True)
            for name, part in chain.groupby(symbols.to_numpy(), sort=False)}


def _is_text(column: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(column)


def _quote_date(raw: pd.DataFrame, cols: dict, fail, date_format) -> pd.Timestamp | None:
    """The day the chain was observed: the quote-date column (one date per file), else the
    latest last-trade date (a snapshot taken after its last trade), else unknown (None: the
    market's as-of date is used)."""
    if "quote_date" in cols:
        days = parse_dates(raw[cols["quote_date"]], fail, date_format).normalize().unique()
        if len(days) > 1:
            raise fail(f"column {cols['quote_date']!r} holds {len(days)} different quote dates "
                       f"({days[0]:%Y-%m-%d}, {days[1]:%Y-%m-%d}, ...): one chain per file")
        return pd.Timestamp(days[0])
    if "last_trade_date" in cols:
        stamps = pd.to_datetime(raw[cols["last_trade_date"]], errors="coerce", utc=True)
        if stamps.notna().any():
            return pd.Timestamp(stamps.max().tz_convert("America/New_York").date())
    return None


class WithOptionChains:
    """Any source plus option-chain files (``--options``): the files' chains replace the
    source's for the same underlyings."""

    def __init__(self, inner, paths, date_format: str | None = None) -> None:
        self.inner, self.paths, self.date_format = inner, tuple(map(Path, paths)), date_format
        self.name = inner.name

    def load(self, universe: Universe, progress: Progress | None = None) -> MarketData:
        default = universe.option_underlyings[0] if universe.option_underlyings else None
        chains: dict[str, pd.DataFrame] = {}
        for path in self.paths:
            chains.update(read_option_file(path, default, self.date_format))
        market = self.inner.load(universe, progress)
        notes = []
        for name, chain in chains.items():
            day = chain["quote_date"].iloc[0]
            when = f"quoted {day:%Y-%m-%d}" if pd.notna(day) else \
                f"no quote date: taken as of {market.as_of:%Y-%m-%d}"
            notes.append(f"option chain {name} from a file ({len(chain):,} contracts, {when})")
        return replace(market, options={**market.options, **chains},
                       notes=market.notes + tuple(notes))
