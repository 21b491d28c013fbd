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

from analytics.rolling import block_rows, row_blocks, trailing_sums, wrap

log = logging.getLogger(__name__)


def daily_returns(prices: pd.DataFrame) -> pd.DataFrame:
    """P[t] / P[t-1] - 1 per ticker; NaN where either close is missing."""
    p = prices.to_numpy(dtype=float)
    out = np.empty(p.shape)                 # C order: the rankings read it a day at a time
    out[0] = np.nan
    np.divide(p[1:], p[:-1], out=out[1:])
    out[1:] -= 1.0
    return wrap(prices, out)


def leg_masks(signal: np.ndarray, valid: np.ndarray, quantile: float,
              scratch: np.ndarray | None = None):
    """Top and bottom ``quantile`` of ``signal`` among ``valid`` entries, per row.

    k = floor(n_valid x quantile) names per leg (rows with k = 0 have empty legs); names tied
    with the k-th value are included, so a leg can hold more than k names on ties.
    Returns boolean arrays (long, short) of the input's shape. ``scratch``: a float array of
    that shape to sort in, instead of a new one.
    """
    return _deciles(np.where(valid, signal, np.nan), valid.sum(axis=1), quantile, scratch)


def _deciles(ranked: np.ndarray, n: np.ndarray, quantile: float,
             scratch: np.ndarray | None = None):
    """``leg_masks`` of ``ranked``, where NaN marks the names left out and ``n`` counts the
    others in each row.

    The cut-offs come from a float32 copy (a row of up to 512 float32 values sorts in
    registers, 5-7x faster than float64): rounding to float32 keeps the order, so the k-th
    value of the copy is the k-th value rounded, and the legs it gives are exact unless
    another name rounds to the same float32 as a cut-off (its neighbour in the sorted row).
    Rows where one does are cut again on the float64 values (docs/methods.md, "Momentum").
    """
    k = np.floor(n * quantile + 1e-9).astype(int)
    last = ranked.shape[1] - 1
    at = np.minimum(n - k, last), np.maximum(k - 1, 0)      # the top and bottom cut-offs
    with np.errstate(over="ignore"):                # beyond float32: inf, still in order
        coarse = ranked.astype(np.float32)
    ordered = np.sort(coarse, axis=1)
    around = np.stack([at[0] - 1, at[0], at[0] + 1, at[1] - 1, at[1], at[1] + 1], axis=1)
    values = np.take_along_axis(ordered, np.clip(around, 0, last), axis=1)
    inside = (around >= 0) & (around <= last)
    same = (values == values[:, [1, 1, 1, 4, 4, 4]]) & inside
    shared = same[:, [0, 2, 3, 5]].any(axis=1)
    long, short = _cut(coarse, k, ordered, at)
    if shared.any():
        exact = ranked[shared]
        if scratch is None or len(scratch) < len(exact):
            scratch = np.empty(exact.shape)
        ordered = scratch[:len(exact)]
        np.copyto(ordered, exact)
        ordered.sort(axis=1)
        long[shared], short[shared] = _cut(exact, k[shared], ordered,
                                           (at[0][shared], at[1][shared]))
    return long, short


def _pick(ordered: np.ndarray, position: np.ndarray) -> np.ndarray:
    """``ordered[i, position[i]]`` for every row i."""
    return np.take_along_axis(ordered, position[:, None], axis=1)[:, 0]


def _cut(ranked: np.ndarray, k: np.ndarray, ordered: np.ndarray, at):
    """Leg masks of ``ranked`` from its rows sorted (``ordered``, NaN last) and the positions
    ``at`` of the top and bottom cut-offs: names at or above the top one, at or below the
    bottom one (rows with k = 0: empty legs)."""
    top, bottom = _pick(ordered, at[0]), _pick(ordered, at[1])
    empty = k <= 0
    top[empty] = np.nan
    bottom[empty] = np.nan
    with np.errstate(invalid="ignore"):
        return ranked >= top[:, None], ranked <= bottom[:, None]


def _leg_returns(returns: np.ndarray, masks: np.ndarray, weights: np.ndarray | None
                 ) -> np.ndarray:
    """Weighted mean return of each leg per row, NaN for an empty leg: ``masks`` is a float
    array (legs, rows, names) of 0/1, ``returns`` (rows, names) finite wherever a mask is 1
    and 0 elsewhere."""
    if weights is not None:
        masks = np.where(masks > 0, weights, 0.0)
    total = masks.sum(axis=2)
    weighted = np.einsum("kij,ij->ki", masks, returns)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weighted / total, np.nan)


def _daily_legs(index: pd.Index, returns: np.ndarray,
                signal: Callable[[slice, np.ndarray], None], quantile: float,
                weights: np.ndarray | None = None):
    """Legs re-formed every day on the ranking values ``signal(rows, out)`` writes for those
    rows, held over the day: (factor frame, long mask, short mask). The frame's ``neutral``
    column is the same-weighted mean return of every ranked name (the portfolio the deciles
    are cut from: each leg's excess over it says which leg moved). Works block by block of
    rows in scratch arrays (a ranking is within a day)."""
    long, short = np.zeros(returns.shape, bool), np.zeros(returns.shape, bool)
    legs = np.full((3, len(returns)), np.nan)
    step = block_rows(returns.shape)
    scratch = np.empty((3, step) + returns.shape[1:])
    masks = np.empty((3, step) + returns.shape[1:])
    for rows in row_blocks(returns.shape):
        size = rows.stop - rows.start
        sig, ordered, held = scratch[:, :size]
        r = returns[rows]
        signal(rows, sig)
        np.multiply(r, 0.0, out=held)               # 0 where both are finite, else NaN
        held += sig
        held -= sig
        sig += held                                 # NaN: not ranked today
        chosen = masks[:, :size]
        np.equal(held, 0.0, out=chosen[2])          # ranked, as 0/1
        n = chosen[2].sum(axis=1).astype(int)
        long[rows], short[rows] = _deciles(sig, n, quantile, ordered)
        np.copyto(chosen[0], long[rows])
        np.copyto(chosen[1], short[rows])
        np.copyto(held, r)
        held[chosen[2] == 0.0] = 0.0
        legs[:, rows] = _leg_returns(held, chosen, None if weights is None else weights[rows])
    factor = pd.DataFrame({"long": legs[0], "short": legs[1], "long_short": legs[0] - legs[1],
                           "neutral": legs[2]}, index=index)
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
    # Blocks of rows are read in the frame's own order: a copy in rows' order (50 MB on 50
    # years of the S&P 500) costs more than reading the blocks across columns.
    p = prices.to_numpy(dtype=float)

    def signal(rows, out):                          # P[t - skip] / P[t - lookback] - 1
        out[:] = np.nan
        first = max(rows.start, lookback)
        if first < rows.stop:
            now = out[first - rows.start:]
            np.divide(p[first - skip:rows.stop - skip], p[first - lookback:rows.stop - lookback],
                      out=now)
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

    beta = np.full(r.shape, np.nan)                 # row t: the window ending at t-1
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
