"""MarketData: the validated, immutable bundle of market history that every analytic reads."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import bottleneck as bn
import numpy as np
import pandas as pd

OPTION_COLUMNS = ("expiry", "strike", "kind", "open_interest", "implied_vol")


class MarketDataError(ValueError):
    """Market data that breaks an invariant; the message names the ticker and date."""


@dataclass(frozen=True)
class MarketData:
    """Daily market history.

    close: adjusted closes, DatetimeIndex (sorted, unique, tz-naive) x tickers, float64. NaN marks
        a missing observation; yields (``yield_tickers``) are in percent and may be <= 0.
    volume: same index, shares (0 where the instrument has none, as Yahoo reports FX and yields).
    shares_outstanding: same index, ETF and stock share counts where known.
    options: underlying -> chain with columns expiry, strike, kind ('C'/'P'), open_interest,
        implied_vol (fraction, 0.2 = 20%), observed on ``as_of``.
    fund_assets: latest total assets per fund in USD (leveraged ETFs), where known.
    share_history: dated share counts and total assets as recorded or loaded (long frame, see
        ``models.shares``); ``shares_outstanding`` already includes them.
    benchmark / constituents: set by sources whose data defines its own universe (a user file);
        None means "as the universe says".
    benchmark_proxy: what stands in for a benchmark missing from the data, in words (None when
        the benchmark itself is there).
    availability: what optional data is present, in words (kind -> e.g. "45 of 60 ETFs").
    notes: warnings for the status bar and log (failed tickers, substitutions, staleness).
    fetched_at: when the data was downloaded (None for simulated data).
    followup_refresh: the source served a quick answer (a fresh cache) and wants a refresh.
    as_of_time: set when the last row is a session in progress: the moment its prices are
        from (aware, New York time); None when the last row is a close.
    intraday: the last day's 5-minute closes (aware New York bar start times x tickers), where
        known; ``delay_minutes``: how late the source's prices are (15 for Yahoo).
    """

    close: pd.DataFrame
    volume: pd.DataFrame | None = None
    shares_outstanding: pd.DataFrame | None = None
    options: dict[str, pd.DataFrame] = field(default_factory=dict)
    as_of: pd.Timestamp | None = None
    source: str = ""
    simulated: bool = False
    yield_tickers: frozenset[str] = frozenset()
    fund_assets: pd.Series | None = None
    share_history: pd.DataFrame | None = None
    benchmark: str | None = None
    constituents: tuple[str, ...] | None = None
    benchmark_proxy: str | None = None
    availability: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    fetched_at: pd.Timestamp | None = None
    followup_refresh: bool = False
    as_of_time: pd.Timestamp | None = None
    intraday: pd.DataFrame | None = None
    delay_minutes: int = 0

    def __post_init__(self) -> None:
        _check_frame("close", self.close, positive=True, exempt=self.yield_tickers)
        for name in ("volume", "shares_outstanding"):
            frame = getattr(self, name)
            if frame is None:
                continue
            _check_frame(name, frame, positive=False, exempt=frozenset())
            if not frame.index.equals(self.close.index):
                raise MarketDataError(f"{name}: its dates differ from the close prices' dates")
        for underlying, chain in self.options.items():
            _check_chain(underlying, chain)
        if self.as_of is None:
            object.__setattr__(self, "as_of", self.close.index[-1] if len(self.close) else None)
        if self.intraday is not None:
            index = self.intraday.index
            if not isinstance(index, pd.DatetimeIndex) or index.tz is None or \
                    not index.is_monotonic_increasing:
                raise MarketDataError("intraday bars: the index must be sorted, time-zone "
                                      "aware bar times")

    @property
    def session(self) -> str:
        """"open" while the last row is a session in progress, "closed" otherwise."""
        return "open" if self.as_of_time is not None else "closed"

    def until(self, day) -> MarketData:
        """The data as it stood at the close of ``day`` (later rows dropped). An option chain is
        kept only when it was observed on ``day``: its ``quote_date`` (a chain file), else the
        data's last date."""
        day = pd.Timestamp(day)
        if day > self.close.index[-1]:
            raise MarketDataError(f"--as-of {day:%Y-%m-%d} is after the last date of the data "
                                  f"({self.close.index[-1]:%Y-%m-%d})")
        if day == self.close.index[-1]:
            return self
        if day < self.close.index[0]:
            raise MarketDataError(f"--as-of {day:%Y-%m-%d} is before the first date "
                                  f"{self.close.index[0]:%Y-%m-%d}")
        cut = lambda frame: None if frame is None else frame.loc[:day]  # noqa: E731
        close = self.close.loc[:day]
        chains = {name: chain for name, chain in self.options.items()
                  if "quote_date" in chain.columns and
                  (pd.to_datetime(chain["quote_date"]).dt.normalize() == close.index[-1]).all()}
        kept = f"option chains of that day: {', '.join(chains)}" if chains else "no option chains"
        return replace(self, close=close, volume=cut(self.volume),
                       shares_outstanding=cut(self.shares_outstanding), options=chains,
                       as_of=close.index[-1], as_of_time=None, intraday=None,
                       notes=self.notes + (f"as of {close.index[-1]:%Y-%m-%d}: later data "
                                           f"hidden; {kept}",))


TAIL_ROWS = 64                 # rows counted at a time from the end by drop_partial_tail


def drop_partial_tail(close: pd.DataFrame, columns=None) -> tuple[pd.DataFrame, str | None]:
    """Drop trailing rows priced for under 90% of the tickers (``columns``, default all)
    priced the day before them (a session in progress, a file cut during the day): their
    'today' would mix two days. Returns the kept rows and a note naming the dropped dates
    (None when nothing was dropped). Only the last rows are read."""
    def counts_from(first: int) -> np.ndarray:
        rows = close.iloc[first:]
        return (rows if columns is None else rows[list(columns)]).notna().sum(axis=1).to_numpy()

    first = max(0, len(close) - TAIL_ROWS)
    counts = counts_from(first)
    end = len(close)
    while end > 2:
        if end - 2 < first:                         # a long partial tail: count every row
            first, counts = 0, counts_from(0)
        if counts[end - 1 - first] >= 0.9 * counts[end - 2 - first]:
            break
        end -= 1
    if end == len(close):
        return close, None
    days = ", ".join(f"{d:%Y-%m-%d}" for d in close.index[end:])
    return close.iloc[:end], (f"dropped the last {len(close) - end} row(s) ({days}): under 90% "
                              "of the tickers have a price (a session in progress or a file "
                              "cut during the day)")


IMPLAUSIBLE_JUMP = 1000.0      # a price x1000 (or /1000) the prior days' median in one day
IMPLAUSIBLE_PRICE = 1e9        # above any traded share price (BRK-A is under 1e6)
CHECK_COLUMNS = 32             # tickers checked at a time (12,602 days x 32: 3 MB)


def exclude_implausible(close: pd.DataFrame, exempt=frozenset(),
                        columns=None) -> tuple[pd.DataFrame, str | None]:
    """Blank prices no market prints: above ``IMPLAUSIBLE_PRICE``, or more than
    ``IMPLAUSIBLE_JUMP`` times away from the median of the five prior prices (a bad print or a
    unit error, e.g. 1e300). Causal: a day is judged on earlier days only. Only ``columns``
    (default: all) are checked. Returns the cleaned frame (``close`` itself when nothing was
    excluded) and a note naming each excluded ticker, date and price (None when none was)."""
    prices = close.to_numpy(dtype=float)            # not a copy when it is one block
    checked = np.arange(prices.shape[1]) if columns is None else \
        close.columns.get_indexer(list(columns))
    suspect = np.zeros(prices.shape[1], bool)
    for first in range(0, len(checked), CHECK_COLUMNS):       # blocks that stay in cache
        block = prices[:, checked[first:first + CHECK_COLUMNS]]
        last = bn.push(block, axis=0)               # the last price known on each day
        with np.errstate(invalid="ignore", divide="ignore"):
            step = block[1:] / last[:-1]
        suspect[checked[first:first + CHECK_COLUMNS]] = (
            (step > IMPLAUSIBLE_JUMP) | (step < 1.0 / IMPLAUSIBLE_JUMP)).any(axis=0) \
            | (block > IMPLAUSIBLE_PRICE).any(axis=0)
    suspect &= ~close.columns.isin(list(exempt))
    flagged = list(close.columns[suspect])
    if not flagged:
        return close, None
    part = close[flagged]
    prior = pd.DataFrame({c: part[c].dropna().shift(1).rolling(5, min_periods=1).median()
                          for c in flagged}, index=part.index)   # prices, not rows: gaps skipped
    ratio = part / prior
    bad = (part > IMPLAUSIBLE_PRICE) | (ratio > IMPLAUSIBLE_JUMP) | (ratio < 1.0 / IMPLAUSIBLE_JUMP)
    stacked = part.where(bad).stack().dropna()
    if stacked.empty:
        return close, None
    cleaned = close.copy()
    cleaned[flagged] = part.mask(bad)
    shown = ", ".join(f"{t} on {d:%Y-%m-%d} ({v:.6g})" for (d, t), v in list(stacked.items())[:12])
    more = f" and {len(stacked) - 12} more" if len(stacked) > 12 else ""
    return cleaned, (f"excluded {len(stacked)} implausible price(s) (over 1e9, or a move beyond "
                     f"x1000 in a day): {shown}{more}")


def _check_frame(name: str, frame: pd.DataFrame, positive: bool, exempt: frozenset[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise MarketDataError(f"{name}: expected a DataFrame, got {type(frame).__name__}")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        raise MarketDataError(f"{name}: the index must be dates (DatetimeIndex), "
                              f"got {type(index).__name__}")
    if index.tz is not None:
        raise MarketDataError(f"{name}: dates must be tz-naive, got time zone {index.tz}")
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise MarketDataError(f"{name}: duplicate date {dup:%Y-%m-%d}")
    if not index.is_monotonic_increasing:
        pos = int(np.argmax(np.diff(index.asi8) < 0)) + 1
        raise MarketDataError(f"{name}: dates are not sorted (at {index[pos]:%Y-%m-%d})")
    if frame.columns.has_duplicates:
        dup = frame.columns[frame.columns.duplicated()][0]
        raise MarketDataError(f"{name}: duplicate ticker {dup}")
    bad_dtype = [c for c, d in frame.dtypes.items() if d != np.float64]
    if bad_dtype:
        raise MarketDataError(f"{name}: ticker {bad_dtype[0]} has dtype "
                              f"{frame.dtypes[bad_dtype[0]]}, expected float64")
    values = frame.to_numpy()
    _first_bad(name, frame, np.isinf(values), "is infinite")
    floor = values <= 0 if positive else values < 0       # the whole panel: no column copy
    floor[:, frame.columns.isin(list(exempt))] = False
    _first_bad(name, frame, floor, "is not positive" if positive else "is negative")


def _first_bad(name: str, frame: pd.DataFrame, mask: np.ndarray, problem: str) -> None:
    if mask.any():
        row, col = np.argwhere(mask)[0]
        value = frame.iat[row, col]
        raise MarketDataError(f"{name}: {frame.columns[col]} on {frame.index[row]:%Y-%m-%d} "
                              f"{problem} ({value})")


def _check_chain(underlying: str, chain: pd.DataFrame) -> None:
    missing = [c for c in OPTION_COLUMNS if c not in chain.columns]
    if missing:
        raise MarketDataError(f"options {underlying}: missing column(s) {', '.join(missing)}")
    kinds = set(chain["kind"].unique()) - {"C", "P"}
    if kinds:
        raise MarketDataError(f"options {underlying}: kind must be 'C' or 'P', got {sorted(kinds)[0]!r}")
    for col in ("strike", "open_interest", "implied_vol"):
        values = pd.to_numeric(chain[col], errors="coerce")
        if values.isna().any() or (values < 0).any() or np.isinf(values).any():
            raise MarketDataError(f"options {underlying}: column {col} must be finite and >= 0")
