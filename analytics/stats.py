"""Sigma moves, worst-since, drawdowns and percentile ranks (docs/methods.md).

Returns are fractions (0.01 = 1%). Every statistic that judges day t uses data up to t-1 unless
it says it includes today.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.rolling import rolling_rms, rolling_std

EWMA_LAMBDA = 0.94


def trailing_vol(returns: pd.Series | pd.DataFrame, window: int = 63,
                 method: str = "std") -> pd.Series | pd.DataFrame:
    """Daily volatility known at the close of t-1, for judging day t (same index as input).

    method: "std" (sample std of the last ``window`` returns), "rms" (zero-mean root mean
    square) or "ewma" (RiskMetrics, lambda 0.94, seeded with the first squared return).
    A window missing any of its ``window`` returns gives NaN (std and rms).
    """
    if method == "std":
        vol = rolling_std(returns, window)
    elif method == "rms":
        vol = rolling_rms(returns, window)
    elif method == "ewma":
        vol = np.sqrt((returns ** 2).ewm(alpha=1 - EWMA_LAMBDA, adjust=False).mean())
    else:
        raise ValueError(f"unknown volatility method {method!r} (std, rms or ewma)")
    return vol.shift(1)


def sigma_move(returns: pd.Series | pd.DataFrame, window: int = 63, method: str = "std"):
    """r[t] / vol(r[t-window .. t-1]): today's move in units of trailing daily volatility.

    A zero or missing trailing vol (a stale series) gives NaN rather than an infinite z.
    """
    vol = trailing_vol(returns, window, method)
    return returns / vol.where(vol > 0)


def worst_since(returns: pd.Series, day, best: bool = False) -> pd.Timestamp | None:
    """The most recent earlier date whose return was <= the return on ``day`` (>= if ``best``);
    None when no earlier date was as bad ("worst on record")."""
    day = pd.Timestamp(day)
    value = returns.loc[day]
    before = returns.loc[:day].iloc[:-1].dropna()
    hits = before[before >= value] if best else before[before <= value]
    return None if hits.empty else hits.index[-1]


def drawdown(returns: pd.Series | pd.DataFrame, compound: bool = True):
    """Drawdown from the running peak (fractions, <= 0).

    compound=True: wealth = cumprod(1 + r) (the factor-index convention, used for long/short
    baskets re-levered daily); False: wealth = 1 + cumsum(r) (arithmetic).
    """
    r = returns.fillna(0.0)
    wealth = (1.0 + r).cumprod() if compound else 1.0 + r.cumsum()
    peak = np.maximum(wealth.cummax(), 1.0)      # the starting wealth 1 is the first peak
    return wealth / peak - 1.0 if compound else wealth - peak


def percentile_rank(series: pd.Series, start=None, include_current: bool = True) -> pd.Series:
    """Percentile (0-100) of each value within the window [start, t] ("weak" definition:
    100 x #{x_s <= x_t} / n), indexed by the non-missing dates from ``start``. With
    ``include_current=False`` the window is [start, t-1]: today's value does not count toward n
    (a new high still reads 100)."""
    x = series.loc[pd.Timestamp(start):] if start is not None else series
    x = x.dropna()
    at_most = x.expanding().rank(method="max")
    count = x.expanding().count()
    if include_current:
        pct = 100.0 * at_most / count
    else:
        pct = 100.0 * (at_most - 1.0) / (count - 1.0).where(count > 1)
    return pct


def worst_in(returns: pd.Series, days: int) -> pd.Series:
    """True where the return is at or below every one of the ``days`` returns before it (the
    worst day in that long, vectorised); False until ``days`` earlier returns exist."""
    prior = returns.shift(1).rolling(days, min_periods=days).min()
    return (returns <= prior).fillna(False).astype(bool)


def rolling_drawdown(returns: pd.Series, days: int = 252) -> pd.Series:
    """Compounded drawdown from the highest wealth of the last ``days`` days (today included,
    the start of the series counting as wealth 1): how far a factor is below its 1-year peak."""
    wealth = (1.0 + returns.fillna(0.0)).cumprod()
    start = pd.Series(1.0, index=wealth.index).where(np.arange(len(wealth)) < days)
    peak = np.fmax(wealth.rolling(days, min_periods=1).max(), start.fillna(0.0))
    return wealth / peak - 1.0
