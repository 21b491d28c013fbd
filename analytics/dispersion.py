"""Dispersion, breadth and average correlation (METHODS sections 5 and 6)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.factors import daily_returns
from analytics.rolling import rolling_rms, rolling_std


def rolling_vol(returns: pd.DataFrame | pd.Series, window: int, method: str = "rms"):
    """Daily vol over the ``window`` days ending at t (including t); all days required.

    method "rms" (zero-mean root mean square, METHODS 5.1: with 5 days a demeaned std throws
    away a degree of freedom and is much noisier) or "std" (sample standard deviation).
    """
    if method == "rms":
        return rolling_rms(returns, window)
    if method == "std":
        return rolling_std(returns, window)
    raise ValueError(f"unknown method {method!r} (rms or std)")


def dispersion_ratio(prices: pd.DataFrame, benchmark: pd.Series, window: int = 5,
                     method: str = "rms") -> pd.Series:
    """Average constituent's ``window``-day realized vol divided by the benchmark's.

    Equal-weighted cross-sectional mean over constituents with a complete window; a ratio of
    6.9 means single stocks moved ~7x as much as the index. Includes day t.
    """
    members = rolling_vol(daily_returns(prices), window, method).mean(axis=1)
    index = rolling_vol(benchmark / benchmark.shift(1) - 1.0, window, method)
    return (members / index.where(index > 0)).rename("dispersion_ratio")


def breadth(prices: pd.DataFrame, benchmark: pd.Series) -> pd.Series:
    """Fraction (0..1) of constituents with a return that day whose return beats the
    benchmark's (ties do not count as beating)."""
    returns = daily_returns(prices)
    bench = benchmark / benchmark.shift(1) - 1.0
    have = returns.notna()
    beats = returns.gt(bench, axis=0) & have
    count = have.sum(axis=1)
    return (beats.sum(axis=1) / count.where(count > 0)).where(bench.notna()).rename("breadth")


def advance_decline(prices: pd.DataFrame) -> pd.DataFrame:
    """Advancers, decliners (zero returns count as neither) and net A-D per day."""
    returns = daily_returns(prices)
    up = (returns > 0).sum(axis=1)
    down = (returns < 0).sum(axis=1)
    return pd.DataFrame({"advancers": up, "decliners": down, "net": up - down})


def implied_average_correlation(index_vol, member_vols, weights=None):
    """Average pairwise correlation implied by the variance identity (METHODS 5.1):

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
    index_var = np.square(np.asarray(index_vol, dtype=float)).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = raw / raw.sum(axis=1, keepdims=True)
        diagonal = (w * w * s * s).sum(axis=1)
        total = (w * s).sum(axis=1)
        rho = (index_var - diagonal) / (total * total - diagonal)
    if isinstance(member_vols, pd.DataFrame):
        return pd.Series(rho, index=member_vols.index, name="implied_correlation")
    return float(rho[0]) if rho.size == 1 else rho


def realized_average_correlation(prices: pd.DataFrame, benchmark: pd.Series,
                                 window: int = 21) -> pd.Series:
    """Average pairwise correlation implied by realized ``window``-day vols of the benchmark
    and of the constituents (equal weights), per day, including day t."""
    member_vols = rolling_vol(daily_returns(prices), window)
    index_vol = rolling_vol(benchmark / benchmark.shift(1) - 1.0, window)
    return implied_average_correlation(index_vol.to_numpy(), member_vols)
