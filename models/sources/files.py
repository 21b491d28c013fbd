"""A price panel the user already has: CSV, CSV.gz or Parquet, wide or long.

Wide: a date column plus one column per ticker. Long: columns date, ticker, close[, volume]
(case-insensitive). Layout is detected from the column names. Every problem raises one
``FileDataError`` naming the file and the first offending row or column; unsorted dates are
sorted silently. Columns that are not in the universe are treated as constituents; without the
universe's benchmark the equal-weighted average of the constituents stands in for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.market import MarketData, drop_partial_tail
from models.sources import Progress
from models.universe import Universe

SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")
DATE_NAMES = ("date", "datetime", "timestamp", "time", "day")
EW_BENCHMARK = "EW constituents"


class FileDataError(ValueError):
    """A user data file that cannot be used; names the file and the first bad row/column."""


def is_data_file(name: str) -> bool:
    return str(name).lower().endswith(SUFFIXES)


@dataclass(frozen=True)
class FileSource:
    path: Path
    name: str = "file"

    def load(self, universe: Universe, progress: Progress | None = None) -> MarketData:
        progress = progress or (lambda stage, frac: None)
        progress(f"Reading {self.path.name}", 0.1)
        close, volume = read_price_file(self.path)
        progress(f"Validated {self.path.name}", 0.8)
        close, partial = drop_partial_tail(close)
        notes = [partial] if partial else []
        if volume is not None:
            volume = volume.loc[close.index]
        known = set(universe.all_tickers()) - set(universe.constituents)
        constituents = tuple(t for t in close.columns if t not in known)
        benchmark = universe.benchmark
        if benchmark not in close.columns:
            if not constituents:
                raise FileDataError(f"{self.path}: no benchmark ({benchmark}) and no constituent "
                                    "columns to average")
            returns = close[list(constituents)].pct_change(fill_method=None)
            ew = (1.0 + returns.mean(axis=1).fillna(0.0)).cumprod() * 100.0
            close = close.assign(**{EW_BENCHMARK: ew})
            benchmark = EW_BENCHMARK
            notes.append(f"{universe.benchmark} is not in {self.path.name}: the benchmark is the "
                         f"equal-weighted average of {len(constituents)} constituents")
        if volume is not None:
            volume = volume.reindex(columns=close.columns).fillna(0.0)
        return MarketData(close=close, volume=volume, source=f"file {self.path.name}",
                          simulated=False, yield_tickers=universe.yield_tickers(),
                          benchmark=benchmark, constituents=constituents, notes=tuple(notes),
                          availability={"file": str(self.path)})


def read_price_file(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read and validate a price file -> (close, volume or None), wide, sorted, float64."""
    path = Path(path)
    fail = _failer(path)
    if not path.is_file():
        raise fail("file not found")
    if not is_data_file(path.name):
        raise fail(f"unsupported file type (expected one of {', '.join(SUFFIXES)})")
    if path.stat().st_size == 0:
        raise fail("the file is empty")
    raw = _read_raw(path, fail)
    if raw.empty or len(raw.columns) == 0:
        raise fail("the file is empty (no rows)")
    lower = {str(c).strip().lower(): c for c in raw.columns}
    date_col = next((lower[n] for n in DATE_NAMES if n in lower), None)
    if date_col is None:
        first = raw.columns[0]
        if not _looks_like_dates(raw[first]):
            raise fail(f"no date column (expected one named date, or dates in the first "
                       f"column; first column is {first!r})")
        date_col = first
    dates = _parse_dates(raw[date_col], fail)
    if "ticker" in lower and "close" in lower:
        return _from_long(raw, dates, lower, fail)
    return _from_wide(raw.drop(columns=[date_col]), dates, fail), None


def _failer(path: Path):
    return lambda problem: FileDataError(f"{path.name}: {problem}")


def _read_raw(path: Path, fail) -> pd.DataFrame:
    try:
        if path.name.lower().endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
            return frame.reset_index() if isinstance(frame.index, pd.DatetimeIndex) else frame
        header = pd.read_csv(path, header=None, nrows=1, dtype=str).iloc[0].str.strip()
        if header.duplicated().any():
            raise fail(f"duplicate column {header[header.duplicated()].iloc[0]!r}")
        return pd.read_csv(path, keep_default_na=False,
                           na_values=["", "NA", "N/A", "NaN", "nan", "null", "-"])
    except FileDataError:
        raise
    except pd.errors.EmptyDataError:
        raise fail("the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise fail(f"cannot be read as {'Parquet' if 'parquet' in path.name.lower() else 'CSV'}: "
                   f"{first}") from None


def _looks_like_dates(column: pd.Series) -> bool:
    sample = column.dropna().astype(str).head(5)
    return len(sample) > 0 and pd.to_datetime(sample, errors="coerce", format="mixed").notna().all()


def _parse_dates(column: pd.Series, fail) -> pd.DatetimeIndex:
    if pd.api.types.is_datetime64_any_dtype(column):
        parsed = pd.to_datetime(column)
    else:
        parsed = pd.to_datetime(column.astype(str).str.strip(), errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise fail(f"row {row + 2}: cannot parse date {column.iloc[row]!r}")
    index = pd.DatetimeIndex(parsed)
    if index.tz is not None:
        index = index.tz_localize(None)
    return index


def _numeric(frame: pd.DataFrame, fail, dates: pd.DatetimeIndex) -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            out[str(col).strip()] = values.to_numpy(dtype=np.float64)
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() & values.notna()
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise fail(f"column {col!r}, row {row + 2} ({dates[row]:%Y-%m-%d}): "
                       f"non-numeric value {values.iloc[row]!r}")
        out[str(col).strip()] = numbers.to_numpy(dtype=np.float64)
    return pd.DataFrame(out, index=dates)


def _check_prices(close: pd.DataFrame, fail) -> pd.DataFrame:
    close = close.dropna(axis=1, how="all")
    if close.shape[1] == 0:
        raise fail("no usable columns (no ticker column has any number)")
    values = close.to_numpy()
    for mask, problem in ((np.isinf(values), "is infinite"), (values <= 0, "is zero or negative")):
        if mask.any():
            row, col = np.argwhere(mask)[0]
            raise fail(f"column {close.columns[col]!r} on {close.index[row]:%Y-%m-%d}: price "
                       f"{problem} ({values[row, col]})")
    if close.index.has_duplicates:
        dup = close.index[close.index.duplicated()][0]
        raise fail(f"duplicate date {dup:%Y-%m-%d}")
    close = close.sort_index()
    if len(close) < 2:
        raise fail("only one row of prices: at least two dates are needed for returns")
    return close


def _from_wide(frame: pd.DataFrame, dates: pd.DatetimeIndex, fail) -> pd.DataFrame:
    if frame.shape[1] == 0:
        raise fail("no usable columns (only a date column)")
    if frame.columns.has_duplicates:
        raise fail(f"duplicate column {frame.columns[frame.columns.duplicated()][0]!r}")
    return _check_prices(_numeric(frame, fail, dates), fail)


def _from_long(raw: pd.DataFrame, dates: pd.DatetimeIndex, lower: dict, fail):
    tickers = raw[lower["ticker"]].astype(str).str.strip()
    empty = tickers.eq("") | raw[lower["ticker"]].isna()
    if empty.any():
        raise fail(f"row {int(np.argmax(empty.to_numpy())) + 2}: empty ticker")
    key = pd.DataFrame({"date": dates, "ticker": tickers.to_numpy()})
    dup = key.duplicated()
    if dup.any():
        row = int(np.argmax(dup.to_numpy()))
        raise fail(f"row {row + 2}: duplicate date {dates[row]:%Y-%m-%d} for {tickers.iloc[row]}")
    fields = {"close": lower["close"], **({"volume": lower["volume"]} if "volume" in lower else {})}
    values = _numeric(raw[list(fields.values())].set_axis(list(fields), axis=1), fail, dates)
    values["ticker"] = tickers.to_numpy()
    wide = values.reset_index(names="date").pivot(index="date", columns="ticker")
    close = _check_prices(wide["close"].rename_axis(None, axis=1), fail)
    volume = None
    if "volume" in fields:
        volume = wide["volume"].rename_axis(None, axis=1).reindex(index=close.index,
                                                                  columns=close.columns)
        if (volume < 0).any().any():
            raise fail("negative volume")
    close.index.name = None
    return close, volume
