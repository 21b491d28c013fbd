"""Price panels the user already has: CSV, CSV.gz or Parquet files, wide or long, one or many.

Wide: a date column plus one column per ticker. Long: columns date, ticker, close[, volume]
(case-insensitive). Layout is detected from the column names. Several files and folders are
outer-joined on dates; a ticker in two files must have the same prices on their common dates.
Column roles come from the universe (docs/data.md, "Column roles"): constituents are the
universe's constituents found in the data, other universe tickers keep their roles, and
columns the universe does not know are ignored unless ``constituents="file"``. Without the
universe's benchmark the equal-weighted average of the constituents stands in for it, and the
snapshot says so. Every problem raises one ``FileDataError`` naming the file and the first
offending row or column.
"""
from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.market import MarketData, drop_partial_tail, exclude_implausible
from models.sources import Progress
from models.universe import Universe

SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")
DATE_NAMES = ("date", "datetime", "timestamp", "time", "day", "dates")
EW_BENCHMARK = "EW constituents"
CONSTITUENT_MODES = ("universe", "file")
# day and month first, year last: 02/01/2024, 2.1.24, 02-01-2024 10:00
NUMERIC_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?:[ T].*)?$")
OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
NA_VALUES = ("", "NA", "N/A", "NaN", "nan", "null", "-")   # empty cells, as pandas reads them


class FileDataError(ValueError):
    """A user data file that cannot be used; names the file and the first bad row/column."""


def is_data_file(name: str) -> bool:
    return str(name).lower().endswith(SUFFIXES)


def split_paths(text: str) -> list[str]:
    """``a.csv;b.csv`` -> the paths (empty parts ignored)."""
    return [part.strip() for part in str(text).split(";") if part.strip()]


def expand_paths(paths) -> list[Path]:
    """Files as given; folders -> their data files (sorted). Errors name the path."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and is_data_file(p.name))
            if not inside:
                raise FileDataError(f"{path}: the folder has no data files "
                                    f"({', '.join(SUFFIXES)})")
            files += inside
        else:
            files.append(path)
    if len(set(files)) < len(files):
        dup = next(f for f in files if files.count(f) > 1)
        raise FileDataError(f"{dup.name}: given twice")
    return files


@dataclass(frozen=True)
class FileSource:
    """One or several price files or folders (``paths``) as a market."""

    paths: tuple[Path, ...]
    constituents: str = "universe"
    date_format: str | None = None
    name: str = "file"
    parsed_cache: Path | None = None       # folder of ParsedFileCache; None: parse every time

    def __post_init__(self) -> None:
        paths = (self.paths,) if isinstance(self.paths, (str, Path)) else tuple(self.paths)
        object.__setattr__(self, "paths", tuple(Path(p) for p in paths))
        if self.constituents not in CONSTITUENT_MODES:
            raise ValueError(f"--constituents must be one of {', '.join(CONSTITUENT_MODES)}, "
                             f"got {self.constituents!r}")

    def load(self, universe: Universe, progress: Progress | None = None) -> MarketData:
        progress = progress or (lambda stage, frac: None)
        files = expand_paths(self.paths)
        parts = []
        for n, path in enumerate(files):
            progress(f"Reading {path.name}", 0.1 + 0.7 * n / len(files))
            parts.append((path, *self._read(path)))
        close, volume = join_files(parts)
        label = files[0].name if len(files) == 1 else f"{len(files)} files"
        known = set(universe.all_tickers())
        members = [t for t in universe.index_members() if t in close.columns]
        unknown = [c for c in close.columns if c not in known]
        notes = []
        if self.constituents == "file":
            constituents = tuple(members + unknown)
        else:
            constituents = tuple(members)
            if unknown:
                shown = ", ".join(unknown[:12]) + (", ..." if len(unknown) > 12 else "")
                notes.append(f"ignored {len(unknown)} columns not in the universe: {shown}; use "
                             "--constituents file to treat unknown columns as stocks")
        current = [t for t in universe.constituents if t in close.columns]
        if len(current) < 0.5 * len(universe.constituents):
            share = len(current) / max(len(universe.constituents), 1)
            notes.append(f"only {len(current)} of the universe's {len(universe.constituents)} "
                         f"constituents are in the data ({share:.0%})")
        used = [c for c in close.columns if c in known or c in constituents]
        # The checks read the used columns in place: a selection or a row take copies the
        # whole panel (84 MB for 832 tickers x 50 years), so one is made only on a change.
        close, implausible = exclude_implausible(close, universe.yield_tickers(), used)
        kept, partial = drop_partial_tail(close, used)
        if len(kept) < len(close):
            close = close.iloc[:len(kept)]
            if volume is not None:
                volume = volume.iloc[:len(kept)]
        notes += [n for n in (implausible, partial) if n]
        benchmark, proxy = universe.benchmark, None
        if benchmark not in close.columns:
            if not constituents:
                raise FileDataError(f"{label}: no benchmark ({benchmark}) and no constituent "
                                    "columns to average (columns not in the universe are "
                                    "ignored; use --constituents file to count them)")
            returns = close[list(constituents)].pct_change(fill_method=None)
            ew = (1.0 + returns.mean(axis=1).fillna(0.0)).cumprod() * 100.0
            close = close.assign(**{EW_BENCHMARK: ew})
            benchmark = EW_BENCHMARK
            proxy = (f"equal-weighted average of {len(constituents)} constituents "
                     f"({universe.benchmark} is not in the data)")
            notes.append(f"benchmark: {proxy}")
        if volume is not None:
            volume = volume.reindex(columns=close.columns).fillna(0.0)
        return MarketData(close=close, volume=volume, source=f"file {label}",
                          simulated=False, yield_tickers=universe.yield_tickers(),
                          benchmark=benchmark, benchmark_proxy=proxy,
                          constituents=constituents, notes=tuple(notes),
                          availability={"file": "; ".join(map(str, files))})


    def _read(self, path: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """``read_price_file``, through the parsed-file cache when there is one."""
        if self.parsed_cache is None or not path.is_file():
            return read_price_file(path, self.date_format)
        from models.sources.parsed_cache import ParsedFileCache, stamp

        cache = ParsedFileCache(self.parsed_cache)
        valid_for = stamp(path, self.date_format)
        cached = cache.get(path, self.date_format)
        if cached is not None:
            return cached
        close, volume = read_price_file(path, self.date_format)
        cache.put(path, valid_for, close, volume)
        return close, volume


def join_files(parts: list[tuple[Path, pd.DataFrame, pd.DataFrame | None]]):
    """Outer-join (path, close, volume) parts on dates. A ticker in two files must have the
    same prices on the dates both hold; the error names both files, the ticker and the date."""
    if len(parts) == 1:
        return parts[0][1], parts[0][2]
    owner: dict[str, tuple[Path, pd.DataFrame]] = {}
    for path, close, _volume in parts:
        for ticker in close.columns.intersection(list(owner)):
            first_path, first = owner[ticker]
            a, b = first[ticker].align(close[ticker], join="inner")
            differ = a.notna() & b.notna() & ~np.isclose(a, b, rtol=1e-9, atol=0.0)
            if differ.any():
                day = differ.index[np.argmax(differ.to_numpy())]
                raise FileDataError(
                    f"{ticker} is in {first_path.name} and {path.name} with different prices "
                    f"(first on {day:%Y-%m-%d}: {a[day]:g} vs {b[day]:g})")
        for ticker in close.columns:
            owner.setdefault(ticker, (path, close))
    dates = parts[0][1].index
    for _path, close, _volume in parts[1:]:
        dates = dates.union(close.index)
    columns = {ticker: j for j, ticker in enumerate(owner)}
    close = pd.DataFrame(_fill_in([p[1] for p in parts], dates, columns), index=dates,
                         columns=list(owner), copy=False)
    volumes = [p[2] for p in parts if p[2] is not None]
    volume = None
    if volumes:
        volume = pd.DataFrame(_fill_in(volumes, dates, columns), index=dates,
                              columns=list(owner), copy=False)
    return close, volume


def _fill_in(frames: list[pd.DataFrame], dates: pd.DatetimeIndex, columns: dict[str, int]):
    """dates x columns values: each frame's where the frames before it have none (NaN), as
    ``combine_first`` in order, in one float64 block."""
    values = np.full((len(dates), len(columns)), np.nan, order="F")
    seen: set[int] = set()
    for frame in frames:
        rows = dates.get_indexer(frame.index)
        block = frame.to_numpy(dtype=np.float64)
        for k, column in enumerate(frame.columns):
            j = columns[column]
            target = values[:, j]
            if j in seen:
                held = target[rows]
                target[rows] = np.where(np.isnan(held), block[:, k], held)
            else:
                target[rows] = block[:, k]
                seen.add(j)
    return values


def read_price_file(path: str | Path, date_format: str | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read and validate a price file -> (close, volume or None), wide, sorted, float64.
    ``date_format`` (strptime, e.g. ``%d/%m/%Y``) overrides the detection of the date order."""
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
    dates = parse_dates(raw[date_col], fail, date_format)
    if "ticker" in lower and "close" in lower:
        return _from_long(raw, dates, lower, fail)
    return _from_wide(raw.drop(columns=[date_col]), dates, fail), None


def read_rows(path: str | Path, error: type[FileDataError] = FileDataError):
    """A side file's rows (share counts, option chains) and its ``fail`` (problem -> an
    ``error`` naming the file); a missing or empty file is an error."""
    path = Path(path)

    def fail(problem: str) -> FileDataError:
        return error(f"{path.name}: {problem}")

    if not path.is_file():
        raise fail("file not found")
    raw = _read_raw(path, fail)
    if raw.empty:
        raise fail("the file is empty (no rows)")
    return raw, fail


def _failer(path: Path):
    return lambda problem: FileDataError(f"{path.name}: {problem}")


def _read_raw(path: Path, fail) -> pd.DataFrame:
    try:
        if path.name.lower().endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
            return frame.reset_index() if isinstance(frame.index, pd.DatetimeIndex) else frame
        names = pd.read_csv(path, header=None, nrows=1, dtype=str).iloc[0]
        header = names.str.strip()
        if header.duplicated().any():
            raise fail(f"duplicate column {header[header.duplicated()].iloc[0]!r}")
        fast = None if names.isna().any() else _read_csv_arrow(path, list(names))
        if fast is not None:
            return fast
        return pd.read_csv(path, keep_default_na=False, na_values=list(NA_VALUES))
    except FileDataError:
        raise
    except pd.errors.EmptyDataError:
        raise fail("the file is empty") from None
    except (EOFError, zlib.error, gzip.BadGzipFile):
        raise fail(f"the compressed file is truncated or damaged after line {_gzip_lines(path)}: "
                   "download or export it again") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise fail(f"cannot be read as {'Parquet' if 'parquet' in path.name.lower() else 'CSV'}: "
                   f"{first}") from None


def _read_csv_arrow(path: Path, header: list[str]) -> pd.DataFrame | None:
    """The CSV read by pyarrow's multi-threaded reader when every column but the dates is a
    plain number column (the usual price file); ``None`` when the file needs pandas' reader,
    which gives the row-level messages (a non-numeric cell, a damaged gzip, a ragged row).
    Date-like columns stay text for ``parse_dates``; the numbers are one float64 block."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from models.sources.parsed_cache import float_block

    text_columns = {name for i, name in enumerate(header)
                    if i == 0 or name.strip().lower() in DATE_NAMES}
    try:
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            null_values=list(NA_VALUES), strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            column_types={name: pa.string() for name in text_columns}))
    except (pa.ArrowException, OSError, EOFError, zlib.error):
        return None
    names = table.column_names
    numbers = [n for n in names if n not in text_columns]
    if table.num_rows == 0 or any(not (pa.types.is_floating(table.schema.field(n).type)
                                       or pa.types.is_integer(table.schema.field(n).type)
                                       or pa.types.is_null(table.schema.field(n).type))
                                  for n in numbers):
        return None
    frame = pd.DataFrame(float_block(table, numbers), columns=numbers, copy=False)
    for position, name in ((names.index(n), n) for n in names if n in text_columns):
        frame.insert(position, name, table.column(name).to_pandas())
    return frame


def _gzip_lines(path: Path) -> int:
    """Complete lines readable from a damaged gzip file (where the damage starts)."""
    lines = 0
    try:
        with gzip.open(path, "rb") as fh:
            for _line in fh:
                lines += 1
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError):
        pass
    return lines


def _looks_like_dates(column: pd.Series) -> bool:
    sample = column.dropna().astype(str).str.strip().head(5).str.replace(OFFSET, "", regex=True)
    return len(sample) > 0 and pd.to_datetime(sample, errors="coerce", format="mixed").notna().all()


def parse_dates(column: pd.Series, fail, date_format: str | None = None) -> pd.DatetimeIndex:
    """A date column -> tz-naive DatetimeIndex; every problem names the row.

    Day/month/year dates (02/01/2024) are read in the one order that the whole column allows:
    a first field over 12 means day-first, a second field over 12 month-first; a column where
    neither decides is an error (write ISO dates or pass ``date_format``). Time-zone offsets
    (``2024-03-08 00:00:00-05:00``, as yfinance exports) give local dates when every stamp is
    at local midnight; other stamps must share one offset.
    """
    if pd.api.types.is_datetime64_any_dtype(column):
        index = pd.DatetimeIndex(column)
        return index.tz_localize(None) if index.tz is not None else index
    text = column.astype(str).str.strip()
    if date_format:
        parsed = pd.to_datetime(text, errors="coerce", format=date_format)
        _first_unparsed(parsed, column, fail, f" with --date-format {date_format}")
        return pd.DatetimeIndex(parsed)
    offsets = text.str.extract(f"({OFFSET.pattern})", expand=False)
    if offsets.notna().any():
        text = text.str.replace(OFFSET, "", regex=True).str.strip()
    dayfirst = _day_first(text, fail)
    parsed = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst)
    _first_unparsed(parsed, column, fail, "")
    if offsets.nunique() > 1 and (parsed != parsed.dt.normalize()).any():
        row = int(np.argmax((offsets != offsets.iloc[0]).to_numpy()))
        raise fail(f"row {row + 2}: time-zone offset {offsets.iloc[row]} differs from "
                   f"{offsets.iloc[0]} in row 2 on intraday times; export all stamps in one "
                   "time zone")
    return pd.DatetimeIndex(parsed)


def _day_first(text: pd.Series, fail) -> bool:
    fields = text.str.extract(NUMERIC_DMY)
    if fields[0].isna().all():
        return False
    first, second = fields[0].astype(float), fields[1].astype(float)
    day_first, month_first = first > 12, second > 12
    if day_first.any() and month_first.any():
        a, b = int(np.argmax(day_first.to_numpy())), int(np.argmax(month_first.to_numpy()))
        raise fail(f"dates mix day-first (row {a + 2}: {text.iloc[a]!r}) and month-first "
                   f"(row {b + 2}: {text.iloc[b]!r}) order")
    if not day_first.any() and not month_first.any():
        example = text[fields[0].notna()].iloc[0]
        raise fail(f"ambiguous dates: no day in the column is over 12, so {example!r} could be "
                   "day-first or month-first; write ISO dates (YYYY-MM-DD) or pass "
                   "--date-format (e.g. %d/%m/%Y)")
    return bool(day_first.any())


def _first_unparsed(parsed: pd.Series, column: pd.Series, fail, how: str) -> None:
    bad = parsed.isna()
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise fail(f"row {row + 2}: cannot parse date {column.iloc[row]!r}{how}")


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
