"""Momentum and high-beta long/short factors, basket and pair returns (docs/methods.md).

``prices``: adjusted closes, DatetimeIndex x tickers. Returns are simple daily returns on each
ticker's own calendar (no forward fill across a ticker's missing days), as fractions. Legs are
re-formed every day from information up to t-1 and held over day t.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from analytics.rolling import RowRing, block_rows, trailing_sums, wrap

log = logging.getLogger(__name__)


def daily_returns(prices: pd.DataFrame) -> pd.DataFrame:
    """P[t] / P[t-1] - 1 per ticker; NaN where either close is missing. Stored row by row
    (the rankings read it a day at a time), a block of days at a time."""
    p = prices.to_numpy(dtype=float)
    out = np.empty(p.shape)
    out[:1] = np.nan
    step = 2 * block_rows(p.shape)
    rows_of = RowRing(p, step + 1)
    with np.errstate(divide="ignore", invalid="ignore"):    # after a zero: inf, as pandas
        for start in range(1, len(p), step):
            now = out[start:start + step]
            rows_of.ratio(start, start - 1, len(now), now)
            now -= 1.0
    return wrap(prices, out)


def _leg_block_rows(shape: tuple[int, ...]) -> int:
    """Days per block of the daily legs (``_daily_legs``; the signals' rings hold one block
    beyond their lookback)."""
    return 2 * block_rows(shape)


def leg_masks(signal: np.ndarray, valid: np.ndarray, quantile: float):
    """Top and bottom ``quantile`` of ``signal`` among ``valid`` entries, per row.

    k = floor(n_valid x quantile) names per leg (rows with k = 0 have empty legs); names tied
    with the k-th value are included, so a leg can hold more than k names on ties.
    Returns boolean arrays (long, short) of the input's shape.
    """
    long, short = np.empty(signal.shape, bool), np.empty(signal.shape, bool)
    _deciles(np.where(valid, signal, np.nan), valid.sum(axis=1), quantile, long, short)
    return long, short


def _deciles(ranked: np.ndarray, n: np.ndarray, quantile: float,
             long: np.ndarray, short: np.ndarray) -> None:
    """``leg_masks`` of ``ranked`` into the boolean arrays ``long`` and ``short``, where NaN
    marks the names left out and ``n`` counts the others in each row.

    The cut-offs come from a float32 copy (a row of up to 512 float32 values sorts in
    registers, 5-7x faster than float64). Rounding to float32 never reverses an order, so the
    legs it gives hold every name of the float64 legs, and more only where a name below the
    top cut-off (above the bottom one) rounds to the cut-off's float32: then the sorted
    copy's value next to the cut-off on that side equals it. Rows where one does are cut
    again on the float64 values (docs/methods.md, "Momentum").
    """
    rows, width = ranked.shape
    n = n.astype(np.intp)
    k = (n * quantile + 1e-9).astype(np.intp)      # floor: never negative
    with np.errstate(over="ignore"):                # beyond float32: inf, still in order
        coarse = ranked.astype(np.float32)
    ordered = np.sort(coarse, axis=1)
    # Per row, positions in the flattened sorted rows: below the top cut-off, the top cut-off,
    # the bottom cut-off, above it. Clipping at the row's ends compares a value with itself:
    # the row is cut again, exactly, for nothing.
    at = np.empty((rows, 4), np.intp)
    np.subtract(n, k, out=at[:, 1])
    np.subtract(at[:, 1], 1, out=at[:, 0])
    np.subtract(k, 1, out=at[:, 2])
    at[:, 3] = k
    np.maximum(at, 0, out=at)
    np.minimum(at, width - 1, out=at)
    values = ordered.reshape(-1)[at + np.arange(0, rows * width, width)[:, None]]
    values[k <= 0, 1:3] = np.nan                    # empty legs
    _cut(coarse, values[:, 1], values[:, 2], long, short)
    shared = (values[:, 0] == values[:, 1]) | (values[:, 2] == values[:, 3])
    if shared.any():
        exact = ranked[shared]
        picked = np.take_along_axis(np.sort(exact, axis=1), at[shared][:, 1:3], axis=1)
        picked[k[shared] <= 0] = np.nan
        long[shared], short[shared] = _cut(exact, picked[:, 0], picked[:, 1])


def _cut(ranked: np.ndarray, top: np.ndarray, bottom: np.ndarray,
         long: np.ndarray | None = None, short: np.ndarray | None = None):
    """Names at or above each row's ``top`` cut-off and at or below its ``bottom`` one (a NaN
    cut-off: an empty leg), into ``long`` and ``short`` when given."""
    return (np.greater_equal(ranked, top[:, None], out=long),
            np.less_equal(ranked, bottom[:, None], out=short))


def _daily_legs(index: pd.Index, returns: np.ndarray,
                signal: Callable[[slice, np.ndarray], None], quantile: float,
                weights: np.ndarray | None = None):
    """Legs re-formed every day on the ranking values ``signal(rows, out)`` writes for those
    rows, held over the day: (factor frame, long mask, short mask). The frame's ``neutral``
    column is the same-weighted mean return of every ranked name (the portfolio the deciles
    are cut from: each leg's excess over it says which leg moved). Works block by block of
    rows in scratch arrays (a ranking is within a day).

    Each day's legs are (3 x names) 0/1 rows, long, short and ranked, multiplied by the day's
    held returns (0 where not ranked) in one matrix product per day, so a day's sums never
    depend on the block it falls in.
    """
    days, width = returns.shape
    long, short = np.empty(returns.shape, bool), np.empty(returns.shape, bool)
    legs = np.empty((days, 3))
    step = _leg_block_rows(returns.shape)
    sig_block = np.empty((step, width))
    masks = np.empty((step, 3, width))
    held = np.ones((step, 2, width))                # each day: held returns, then 1s
    ones = held[0, 1]
    # a zero price gives an infinite signal or return, an empty leg a 0 / 0: NaN, quietly
    with np.errstate(invalid="ignore", divide="ignore"):
        for start in range(0, days, step):
            rows = slice(start, min(start + step, days))
            size = rows.stop - rows.start
            sig, chosen, day = sig_block[:size], masks[:size], held[:size]
            r = returns[rows]
            signal(rows, sig)
            np.subtract(r, r, out=day[:, 0])        # 0 where the return is finite, else NaN
            sig += day[:, 0]                        # NaN: not ranked today
            infinite = np.isinf(sig)                # a zero price in the signal's ratio
            if infinite.any():
                sig[infinite] = np.nan
            ranked = np.equal(sig, sig)
            np.copyto(chosen[:, 2], ranked)
            _deciles(sig, chosen[:, 2] @ ones, quantile, long[rows], short[rows])
            np.copyto(chosen[:, 0], long[rows])
            np.copyto(chosen[:, 1], short[rows])
            np.copyto(day[:, 0], np.where(ranked, r, 0.0))
            if weights is not None:
                chosen = np.where(chosen > 0, weights[rows][:, None, :], 0.0)
            sums = chosen @ day.transpose(0, 2, 1)  # per leg: sum of returns, of weights
            legs[rows] = np.where(sums[:, :, 1] > 0, sums[:, :, 0] / sums[:, :, 1], np.nan)
    factor = pd.DataFrame({"long": legs[:, 0], "short": legs[:, 1],
                           "long_short": legs[:, 0] - legs[:, 1], "neutral": legs[:, 2]},
                          index=index)
    return factor, long, short


def _cap_weights(prices: pd.DataFrame, shares: pd.DataFrame | None, weighting: str):
    if weighting == "equal":
        return None
    if weighting != "cap":
        raise ValueError(f"weighting must be 'equal' or 'cap', got {weighting!r}")
    if shares is None or not set(prices.columns) & set(shares.columns):
        log.warning("cap weighting needs shares outstanding; falling back to equal weights")
        return None
    caps = shares.reindex(index=prices.index, columns=prices.columns) * prices
    return caps.shift(1).to_numpy()


def momentum(prices: pd.DataFrame, lookback: int = 252, skip: int = 21, quantile: float = 0.1,
             weighting: str = "equal", shares: pd.DataFrame | None = None) -> pd.DataFrame:
    """Daily momentum long/short: columns ``long``, ``short``, ``long_short`` (= long - short)
    and ``neutral`` (the mean return of all ranked names, weighted like the legs).

    Each day t, constituents are ranked on P[t-skip] / P[t-lookback] - 1 (information up to
    t-1 when skip >= 1); the top and bottom ``quantile`` form the legs (see ``leg_masks``).
    A name without a full signal or without a return on day t is left out that day.
    ``weighting="cap"`` weights by shares x price at t-1 when ``shares`` covers the names,
    else falls back to equal weights with a logged warning.
    """
    return momentum_with_legs(prices, lookback, skip, quantile, weighting, shares)[0]


def momentum_legs(prices: pd.DataFrame, lookback: int = 252, skip: int = 21,
                  quantile: float = 0.1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (long, short) membership masks used by ``momentum``, as boolean DataFrames."""
    return momentum_with_legs(prices, lookback, skip, quantile)[1:]


def momentum_with_legs(prices: pd.DataFrame, lookback: int = 252, skip: int = 21,
                       quantile: float = 0.1, weighting: str = "equal",
                       shares: pd.DataFrame | None = None,
                       returns: pd.DataFrame | None = None):
    """``momentum`` and ``momentum_legs`` from one ranking: (factor, long mask, short mask).

    ``returns``: ``daily_returns(prices)`` when already computed.
    """
    r = (daily_returns(prices) if returns is None else returns).to_numpy(dtype=float)
    rows_of = RowRing(prices.to_numpy(dtype=float), lookback + _leg_block_rows(r.shape))

    def signal(rows, out):                          # P[t - skip] / P[t - lookback] - 1
        first = min(max(rows.start, lookback), rows.stop)
        out[:first - rows.start] = np.nan
        if first < rows.stop:
            now = out[first - rows.start:]
            rows_of.ratio(first - skip, first - lookback, len(now), now)
            now -= 1.0

    factor, long, short = _daily_legs(prices.index, r, signal, quantile,
                                      _cap_weights(prices, shares, weighting))
    return (factor, pd.DataFrame(long, index=prices.index, columns=prices.columns, copy=False),
            pd.DataFrame(short, index=prices.index, columns=prices.columns, copy=False))


def rolling_beta(returns: pd.DataFrame, market: pd.Series, window: int = 252,
                 min_periods: int = 120) -> pd.DataFrame:
    """OLS beta of each column on ``market`` over the trailing window ending at t-1.

    Pairs where either return is missing are skipped; fewer than ``min_periods`` pairs: NaN.
    """
    r = returns.to_numpy(dtype=float)
    m = market.reindex(returns.index).to_numpy(dtype=float)[:, None]

    def fill(rows, blocks):                        # pairs, x, y, x y, x x
        both = np.isfinite(r[rows]) & np.isfinite(m[rows])
        np.copyto(blocks[0], both)
        for block, values in ((blocks[1], m[rows]), (blocks[2], r[rows])):
            np.copyto(block, values)
            block[~both] = 0.0
        np.multiply(blocks[1], blocks[2], out=blocks[3])
        np.multiply(blocks[1], blocks[1], out=blocks[4])

    beta = np.empty(r.shape)                        # row t: the window ending at t-1
    beta[:1] = np.nan                               # the blocks write every later row
    for rows, sums in trailing_sums(r.shape, 5, fill, [window]):
        n, sx, sy, sxy, sxx = (total[window] for total in sums)
        with np.errstate(invalid="ignore", divide="ignore"):
            sy *= sx
            sy /= n
            sxy -= sy                               # n x covariance
            sx *= sx
            sx /= n
            sxx -= sx                               # n x variance
            ok = (n >= min_periods) & (sxx > 0)
            np.divide(sxy, sxx, out=sxy, where=ok)
        sxy[~ok] = np.nan
        beta[rows.start + 1:rows.stop + 1] = sxy[:len(beta) - rows.start - 1]
    return wrap(returns, beta)


def high_beta(prices: pd.DataFrame, benchmark: pd.Series, window: int = 252,
              quantile: float = 0.2, beta: pd.DataFrame | None = None,
              returns: pd.DataFrame | None = None) -> pd.DataFrame:
    """High-beta minus low-beta long/short (columns ``long``, ``short``, ``long_short``).

    Betas are trailing ``window``-day OLS betas on the benchmark's returns, known at t-1
    (>= 120 observations); top and bottom ``quantile`` by beta, equal weight, re-formed daily.
    ``beta`` (``rolling_beta``) and ``returns`` (``daily_returns(prices)``): when already
    computed, to avoid doing it twice.
    """
    return high_beta_with_legs(prices, benchmark, window, quantile, beta, returns)[0]


def high_beta_with_legs(prices: pd.DataFrame, benchmark: pd.Series, window: int = 252,
                        quantile: float = 0.2, beta: pd.DataFrame | None = None,
                        returns: pd.DataFrame | None = None):
    """``high_beta`` and its legs' membership: (factor, high-beta mask, low-beta mask), the
    masks dates x ``prices.columns``."""
    returns = daily_returns(prices) if returns is None else returns
    if beta is None:
        beta = rolling_beta(returns, benchmark / benchmark.shift(1) - 1.0, window)
    beta = beta.reindex(columns=prices.columns).to_numpy(dtype=float)
    return _daily_legs(prices.index, returns.to_numpy(dtype=float),
                       lambda rows, out: np.copyto(out, beta[rows]), quantile)


def basket_returns(prices: pd.DataFrame, baskets: dict[str, list[str]]) -> pd.DataFrame:
    """Equal-weighted daily return of each basket; members missing on a day are skipped."""
    held = list(dict.fromkeys(t for members in baskets.values() for t in members
                              if t in prices.columns))
    returns = daily_returns(prices[held])
    out = {}
    for name, members in baskets.items():
        present = [t for t in members if t in returns.columns]
        out[name] = returns[present].mean(axis=1) if present else \
            pd.Series(np.nan, index=returns.index)
    return pd.DataFrame(out, index=prices.index)


def pair_returns(prices: pd.DataFrame, pairs) -> pd.DataFrame:
    """Long basket minus short basket (each equal-weighted) for objects with name/long/short."""
    out = {}
    for pair in pairs:
        legs = basket_returns(prices, {"long": list(pair.long), "short": list(pair.short)})
        out[pair.name] = legs["long"] - legs["short"]
    return pd.DataFrame(out, index=prices.index)


def leg_attribution(long_ex: float, short_ex: float) -> float | None:
    """Share of a long/short move due to the long leg, x_L / (x_L - x_S) (docs/methods.md, "Who sold");
    None when the legs' excess returns do not push the spread the same way."""
    if any(map(math.isnan, (long_ex, short_ex))) or long_ex * short_ex > 0 or \
            long_ex == short_ex:
        return None
    return long_ex / (long_ex - short_ex)


def membership_mask(index: pd.DatetimeIndex, columns: pd.Index, stays) -> np.ndarray:
    """Point-in-time index membership as a boolean dates x columns array: True where a stay
    (objects with ``ticker``, ``start``, ``end``; ``end`` None = still a member; both ends
    inclusive) covers the date. Vectorised: +1 at each stay's first row, -1 after its last,
    summed down the rows."""
    where = {c: i for i, c in enumerate(columns)}
    held = [s for s in stays if s.ticker in where]
    steps = np.zeros((len(index) + 1, len(columns)), np.int32)
    if held:
        cols = np.array([where[s.ticker] for s in held])
        first = index.searchsorted(pd.DatetimeIndex([pd.Timestamp(s.start) for s in held]))
        last = index.searchsorted(pd.DatetimeIndex(
            [pd.Timestamp(s.end) if s.end is not None else index[-1] for s in held]),
            side="right")
        np.add.at(steps, (first, cols), 1)
        np.add.at(steps, (last, cols), -1)
    return np.cumsum(steps[:-1], axis=0) > 0
