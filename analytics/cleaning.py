"""Dirty real data: bad prints that reverse the next day, and returns across data gaps
(docs/methods.md, "Bad prices" and "Gaps").

Both are causal in the sense the factors need: a price is judged bad only once the day after
it exists, so appending rows can change the verdict on the last day of the data and on no
earlier day; the last day's suspect moves are reported as provisional instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.rolling import row_blocks, wrap

SPIKE_RETURN = 0.5           # |r| above 50% in a day ...
SPIKE_MADS = 15.0            # ... or further than 15 cross-sectional MADs from the median
SPIKE_FLOOR = 1.1            # and never a move under 10% (price ratio)
REVERSAL_KEEP = 0.1          # the next day leaves at most a tenth of the spike (log terms)
LEVEL_BREAK = np.log(10.0)   # x10 or /10 in a day that stays: a break in the series
MAD_SCALE = 1.4826           # MAD -> standard deviation for normal data
MAX_GAP_DAYS = 5             # business days missing between two prices before a return is NaN


@dataclass(frozen=True)
class BadPrints:
    """prices: the input with every confirmed bad print blanked (NaN) and every level break
    taken out (the prices from the break on divided by its ratio, so no ranking signal spans
    it). broken: True on each break day, whose return must not count (set it to NaN).
    excluded: one row per bad print or break (ticker, date, kind, return into it, return out
    of it, NaN for a break). provisional: the last day's spikes that tomorrow's price will
    confirm or clear (ticker, date, return)."""

    prices: pd.DataFrame
    broken: np.ndarray
    excluded: pd.DataFrame
    provisional: pd.DataFrame

    def notes(self) -> list[str]:
        """Plain-words notes: every exclusion, and the provisional spikes of the last day."""
        out = []
        for kind, words in (("bad print", "bad print(s) that reversed the next day"),
                            ("level break", "one-day moves beyond x10 that did not reverse "
                                            "(series breaks)")):
            rows = self.excluded[self.excluded["kind"] == kind]
            if len(rows):
                listed = ", ".join(f"{r.ticker} {r.date:%Y-%m-%d} ({100 * r.ret:+.0f}%)"
                                   for r in rows.itertuples())
                out.append(f"excluded {len(rows)} {words} from the factors: {listed}")
        if len(self.provisional):
            rows = ", ".join(f"{r.ticker} {100 * r.ret:+.0f}%"
                             for r in self.provisional.itertuples())
            out.append(f"today's figures are provisional: {rows} on "
                       f"{self.provisional['date'].iloc[0]:%Y-%m-%d} may be a bad print "
                       "(excluded if it reverses tomorrow)")
        return out


def _row_median(a: np.ndarray) -> np.ndarray:
    """Median of each row's finite values, as a column (NaN sorts last; 8x np.nanmedian)."""
    ordered = np.sort(a, axis=1)
    n = np.isfinite(a).sum(axis=1)
    rows = np.arange(len(a))
    lo, hi = ordered[rows, np.maximum((n - 1) // 2, 0)], ordered[rows, n // 2 - (n == 0)]
    return np.where(n > 0, 0.5 * (lo + hi), np.nan)[:, None]


def _outliers(x_rows: np.ndarray) -> np.ndarray:
    """Cells further than ``SPIKE_MADS`` cross-sectional MADs from their row's median (rows of
    log returns with >= 10 names; False elsewhere)."""
    median = _row_median(x_rows)
    mad = MAD_SCALE * _row_median(np.abs(x_rows - median))
    enough = (np.isfinite(x_rows).sum(axis=1) >= 10)[:, None]
    with np.errstate(invalid="ignore"):
        return enough & (mad > 0) & (np.abs(x_rows - median) > SPIKE_MADS * mad)


def _moves_over_floor(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns), in row-major order, of the prices more than ``SPIKE_FLOOR`` times
    (or less than 1 / ``SPIKE_FLOOR``) the previous row's, from blocks of rows: the panel of
    ratios is never held."""
    found = []
    for block in row_blocks((len(p) - 1,) + p.shape[1:]):
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = p[block.start + 1:block.stop + 1] / p[block]
        moved = ratio > SPIKE_FLOOR
        moved |= ratio < 1.0 / SPIKE_FLOOR
        rows, cols = np.nonzero(moved)
        found.append((rows + block.start + 1, cols))
    if not found:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    return np.concatenate([r for r, _ in found]), np.concatenate([c for _, c in found])


def reversed_spikes(prices: pd.DataFrame) -> BadPrints:
    """Blank the prices of single-day spikes that reverse: day t moves more than 50% (or more
    than 15 cross-sectional MADs of log returns, on days with >= 10 names; never under 10%)
    and day t+1 undoes at least 90% of it (|x_t + x_t+1| <= |x_t| / 10, x = log return). The
    price at t is the bad print; blanking it removes both returns it touches.
    A move beyond x10 (or /10) that does not reverse is a break in the series (a unit change,
    a reorganisation): the prices from it on are divided by its ratio and its return is
    flagged in ``broken``. Vectorised: only the cells moving over 10% are examined, and the
    cross-sectional MADs are computed on their rows only; the last row can only be
    provisional."""
    p = prices.to_numpy(dtype=float)
    n_rows = len(p)
    rows, cols = _moves_over_floor(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.log(p[rows, cols] / p[rows - 1, cols])
        ahead = np.minimum(rows + 1, n_rows - 1)
        nxt = np.log(p[ahead, cols] / p[ahead - 1, cols])
    nxt[rows == n_rows - 1] = np.nan
    with np.errstate(invalid="ignore"):
        reverses = np.abs(x + nxt) <= REVERSAL_KEEP * np.abs(x)
    big = np.abs(np.expm1(x)) > SPIKE_RETURN
    examine = (reverses & ~big) | (rows == n_rows - 1)
    if examine.any():
        checked = np.unique(rows[examine])
        with np.errstate(invalid="ignore", divide="ignore"):
            outlier = _outliers(np.log(p[checked] / p[checked - 1]))
        position = np.searchsorted(checked, rows)
        inside = examine & (position < len(checked))
        big[inside] |= outlier[position[inside], cols[inside]]
    bad = big & reverses
    marked = np.zeros(p.shape, bool)
    marked[rows[bad], cols[bad]] = True
    after_bad = marked[np.maximum(rows - 1, 0), cols] & (rows > 0)   # the print's way back
    brk = (np.abs(x) > LEVEL_BREAK) & ~bad & ~after_bad & np.isfinite(nxt)
    excluded = pd.DataFrame({
        "ticker": prices.columns[np.r_[cols[bad], cols[brk]]].astype(str),
        "date": prices.index[np.r_[rows[bad], rows[brk]]],
        "kind": ["bad print"] * int(bad.sum()) + ["level break"] * int(brk.sum()),
        "ret": np.expm1(np.r_[x[bad], x[brk]]),
        "ret_next": np.r_[np.expm1(nxt[bad]), np.full(int(brk.sum()), np.nan)]})
    excluded = excluded.sort_values(["date", "ticker"], kind="stable", ignore_index=True)
    last = big & (rows == n_rows - 1) & ~after_bad
    provisional = pd.DataFrame({"ticker": prices.columns[cols[last]].astype(str),
                                "date": prices.index[rows[last]], "ret": np.expm1(x[last])})
    broken = np.zeros(p.shape, bool)
    broken[rows[brk], cols[brk]] = True
    if not len(excluded):
        return BadPrints(prices, broken, excluded, provisional)
    clean = p.copy()
    clean[rows[bad], cols[bad]] = np.nan
    if brk.any():                   # later prices onto the earlier basis: causal, like a split
        moved = np.unique(cols[brk])
        steps = np.zeros((n_rows, len(moved)))
        steps[rows[brk], np.searchsorted(moved, cols[brk])] = x[brk]
        clean[:, moved] /= np.exp(np.cumsum(steps, axis=0))
    return BadPrints(wrap(prices, clean), broken, excluded, provisional)


def gap_returns(level: pd.Series, max_gap: int = MAX_GAP_DAYS) -> pd.Series:
    """Simple returns on the series' own observation dates; NaN for a return spanning more
    than ``max_gap`` missing business days (a data gap is not a one-day move). The NaN stays
    in the series to mark the break (``analytics.regimes.period_returns`` skips periods that
    contain one)."""
    obs = level.dropna()
    r = obs / obs.shift(1) - 1.0
    if len(obs) > 1:
        days = obs.index.to_numpy(dtype="datetime64[D]")
        missing = np.busday_count(days[:-1], days[1:]) - 1
        r.iloc[1:] = r.iloc[1:].where(missing <= max_gap)
    return r
