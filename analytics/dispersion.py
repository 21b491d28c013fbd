"""Dispersion, breadth and average correlation (docs/methods.md)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.factors import daily_returns
from analytics.params import EngineParams
from analytics.rolling import block_rows, rolling_rms, rolling_std, row_blocks
from analytics.snapshot import DispersionToday, DispersionView
from analytics.stats import percentile_rank


def rolling_vol(returns: pd.DataFrame | pd.Series, window: int, method: str = "rms"):
    """Daily vol over the ``window`` days ending at t (including t); all days required.

    method "rms" (zero-mean root mean square, docs/methods.md: with 5 days a demeaned std throws
    away a degree of freedom and is much noisier) or "std" (sample standard deviation).
    """
    if method == "rms":
        return rolling_rms(returns, window)
    if method == "std":
        return rolling_std(returns, window)
    raise ValueError(f"unknown method {method!r} (rms or std)")


def vol_cross_section(returns: np.ndarray, window: int, method: str = "rms",
                      with_squares: bool = True):
    """Per day, over the members with a complete ``window``-day vol (``rolling_vol``): their
    number, the sum of their vols and the sum of squared vols (None without
    ``with_squares``), as three arrays.

    Streams down the rows in blocks that stay in cache: each vol is summed directly over its
    own ``window`` values (in a fixed order, so appending rows leaves every earlier value
    bit-identical) and only the cross-sectional sums are kept, never the full panel of vols.
    The mean square's division by ``window`` is applied to the day's sums.
    """
    if method not in ("rms", "std"):
        raise ValueError(f"unknown method {method!r} (rms or std)")
    returns = np.ascontiguousarray(returns, dtype=float)
    days = len(returns)
    count, total = np.zeros(days), np.zeros(days)
    squares = np.zeros(days) if with_squares else None
    step = max(block_rows(returns.shape), 4 * window)
    halo = window - 1
    for first in range(halo, days, step):
        rows = slice(first, min(first + step, days))
        size = rows.stop - rows.start
        values = returns[first - halo:rows.stop]
        if method == "rms":
            variance = _window_sums(np.square(values), size, window)
        else:
            variance = _sample_variance(values, size, window)
        missing = np.isnan(variance)                # an incomplete window
        count[rows] = missing.shape[1] - _row_counts(missing)
        np.putmask(variance, missing, 0.0)
        if squares is not None:
            squares[rows] = variance.sum(axis=1)
        total[rows] = np.sqrt(variance, out=variance).sum(axis=1)
    if method == "rms":
        total /= np.sqrt(window)
        if squares is not None:
            squares /= window
    return count, total, squares


def _row_counts(flags: np.ndarray) -> np.ndarray:
    """Number of True values in each row of a boolean array, summed as bytes into the
    narrowest integers that hold the row's length (3x faster than counting booleans)."""
    total = np.uint16 if flags.shape[1] < 2**16 else np.int64
    return flags.view(np.uint8).sum(axis=1, dtype=total)


def _window_sums(values: np.ndarray, size: int, window: int) -> np.ndarray:
    """Sum over each of the last ``size`` rows' trailing ``window`` rows of ``values`` (NaN
    when any is missing), from sums of 1, 2, 4, ... consecutive rows: each row's sum is added
    up in the same order whatever block it falls in."""
    parts, start = [], 0                            # rows summed so far, from the window's start
    span, power = values, 1
    while True:
        if window & power:
            parts.append(span[start:start + size])
            start += power
        if 2 * power > window:
            break
        span = span[:-power] + span[power:]         # sums of 2 x power consecutive rows
        power *= 2
    if len(parts) == 1:
        return parts[0].copy()
    out = parts[0] + parts[1]
    for part in parts[2:]:
        out += part
    return out


def _sample_variance(values: np.ndarray, size: int, window: int) -> np.ndarray:
    """Sample variance (two passes) over each of the last ``size`` rows' trailing ``window``
    rows of ``values``; NaN when any value in the window is missing."""
    shifted = [values[j:j + size] for j in range(window)]
    mean = shifted[0].copy()
    for part in shifted[1:]:
        mean += part
    mean /= window
    out = np.zeros_like(mean)
    for part in shifted:
        deviation = part - mean
        deviation *= deviation
        out += deviation
    out /= window - 1
    return out


def _member_returns(prices: pd.DataFrame, returns: pd.DataFrame | None) -> np.ndarray:
    frame = daily_returns(prices) if returns is None else returns
    return frame.to_numpy(dtype=float).reshape(len(frame), -1)


def dispersion_ratio(prices: pd.DataFrame, benchmark: pd.Series, window: int = 5,
                     method: str = "rms", returns: pd.DataFrame | None = None) -> pd.Series:
    """Average constituent's ``window``-day realized vol divided by the benchmark's.

    Equal-weighted cross-sectional mean over constituents with a complete window; a ratio of
    6.9 means single stocks moved ~7x as much as the index. Includes day t.
    ``returns``: ``daily_returns(prices)`` when already computed (here and below).
    """
    count, total, _ = vol_cross_section(_member_returns(prices, returns), window, method,
                                        with_squares=False)
    with np.errstate(invalid="ignore", divide="ignore"):
        members = pd.Series(np.where(count > 0, total / count, np.nan), index=prices.index)
    index = rolling_vol(benchmark / benchmark.shift(1) - 1.0, window, method)
    return (members / index.where(index > 0)).rename("dispersion_ratio")


def breadth(prices: pd.DataFrame, benchmark: pd.Series,
            returns: pd.DataFrame | None = None) -> pd.Series:
    """Fraction (0..1) of constituents with a return that day whose return beats the
    benchmark's (ties do not count as beating)."""
    r = (daily_returns(prices) if returns is None else returns).to_numpy(dtype=float)
    bench = (benchmark / benchmark.shift(1) - 1.0).reindex(prices.index).to_numpy(dtype=float)
    count, beats = np.empty(len(r), np.int32), np.empty(len(r), np.int32)
    for rows in row_blocks(r.shape):                   # both counts while the rows are cached
        count[rows] = _row_counts(np.isfinite(r[rows]))
        beats[rows] = _row_counts(r[rows] > bench[rows, None])     # NaN never beats
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where((count > 0) & np.isfinite(bench), beats / count, np.nan)
    return pd.Series(fraction, index=prices.index, name="breadth")


def advance_decline(prices: pd.DataFrame, returns: pd.DataFrame | None = None) -> pd.DataFrame:
    """Advancers, decliners (zero returns count as neither) and net A-D per day."""
    r = (daily_returns(prices) if returns is None else returns).to_numpy(dtype=float)
    up = (r > 0).sum(axis=1)
    down = (r < 0).sum(axis=1)
    return pd.DataFrame({"advancers": up, "decliners": down, "net": up - down},
                        index=prices.index)


def implied_average_correlation(index_vol, member_vols, weights=None):
    """Average pairwise correlation implied by the variance identity (docs/methods.md):

        rho = (s_I^2 - sum w_i^2 s_i^2) / ((sum w_i s_i)^2 - sum w_i^2 s_i^2)

    ``index_vol``: scalar or Series; ``member_vols``: 1-d array (one date) or DataFrame (dates x
    members, NaN = member absent that day); ``weights`` default equal over present members.
    Not clipped: a concentrated index can imply a correlation near or below zero.
    """
    vols = member_vols.to_numpy() if isinstance(member_vols, pd.DataFrame) else \
        np.atleast_2d(np.asarray(member_vols, dtype=float))
    present = np.isfinite(vols)
    raw = present.astype(float) if weights is None else \
        np.where(present, np.atleast_2d(np.asarray(weights, dtype=float)), 0.0)
    s = np.where(present, vols, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = raw / raw.sum(axis=1, keepdims=True)
    rho = _implied(index_vol, (w * s).sum(axis=1), (w * w * s * s).sum(axis=1))
    if isinstance(member_vols, pd.DataFrame):
        return pd.Series(rho, index=member_vols.index, name="implied_correlation")
    return float(rho[0]) if rho.size == 1 else rho


def _implied(index_vol, total: np.ndarray, diagonal: np.ndarray) -> np.ndarray:
    """The identity above from sum w_i s_i and sum w_i^2 s_i^2."""
    index_var = np.square(np.asarray(index_vol, dtype=float)).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (index_var - diagonal) / (total * total - diagonal)


def realized_average_correlation(prices: pd.DataFrame, benchmark: pd.Series,
                                 window: int = 21,
                                 returns: pd.DataFrame | None = None) -> pd.Series:
    """Average pairwise correlation implied by realized ``window``-day vols of the benchmark
    and of the constituents (equal weights over the members with a complete window), per
    day, including day t. NaN on days with fewer than two such members (no pair)."""
    count, total, squares = vol_cross_section(_member_returns(prices, returns), window)
    index_vol = rolling_vol(benchmark / benchmark.shift(1) - 1.0, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = _implied(index_vol.to_numpy(), total / count, squares / (count * count))
    rho[count < 2] = np.nan
    return pd.Series(rho, index=prices.index, name="implied_correlation")


def dispersion_view(close: pd.DataFrame, members: list[str], bench: pd.Series,
                    bench_r: pd.Series, returns: pd.DataFrame,
                    params: EngineParams) -> DispersionView:
    """Dispersion ratio and breadth with their percentiles since ``params.dispersion_start``,
    advancers and decliners, and the correlation implied by realized vols."""
    prices = close[members]
    start = pd.Timestamp(params.dispersion_start)
    if start < close.index[0] or start > close.index[-1]:
        start = close.index[0]
    ratio = dispersion_ratio(prices, bench, returns=returns)
    ratio_pct = percentile_rank(ratio, start)
    fraction = breadth(prices, bench, returns=returns)
    fraction_pct = percentile_rank(fraction, start)
    day = close.index[-1]
    moves = advance_decline(prices, returns=returns).iloc[-1]
    today = DispersionToday(day=day, ratio=float(ratio.get(day, np.nan)),
                            ratio_pct=float(ratio_pct.get(day, np.nan)),
                            breadth=float(fraction.get(day, np.nan)),
                            breadth_pct=float(fraction_pct.get(day, np.nan)),
                            benchmark=float(bench_r.get(day, np.nan)),
                            advancers=int(moves["advancers"]), decliners=int(moves["decliners"]))
    return DispersionView(ratio=ratio, ratio_percentile=ratio_pct, breadth=fraction,
                          benchmark_return=bench_r,
                          correlation=realized_average_correlation(prices, bench,
                                                                   returns=returns),
                          start=start,
                          today=today)

