"""Momentum and high-beta long/short factors, basket and pair returns (METHODS section 1).

``prices``: adjusted closes, DatetimeIndex x tickers. Returns are simple daily returns on each
ticker's own calendar (no forward fill across a ticker's missing days), as fractions. Legs are
re-formed every day from information up to t-1 and held over day t.
"""
from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from analytics.rolling import window_sum

log = logging.getLogger(__name__)


def daily_returns(prices: pd.DataFrame) -> pd.DataFrame:
    """P[t] / P[t-1] - 1 per ticker; NaN where either close is missing."""
    return prices / prices.shift(1) - 1.0


def leg_masks(signal: np.ndarray, valid: np.ndarray, quantile: float):
    """Top and bottom ``quantile`` of ``signal`` among ``valid`` entries, per row.

    k = floor(n_valid x quantile) names per leg (rows with k = 0 have empty legs); names tied
    with the k-th value are included, so a leg can hold more than k names on ties.
    Returns boolean arrays (long, short) of the input's shape.
    """
    sig = np.where(valid, signal, np.inf)
    ordered = np.sort(sig, axis=1)
    n = valid.sum(axis=1)
    k = np.floor(n * quantile + 1e-9).astype(int)
    rows = np.arange(len(sig))
    has = k > 0
    top = np.full(len(sig), np.inf)
    bottom = np.full(len(sig), -np.inf)
    top[has] = ordered[rows[has], n[has] - k[has]]
    bottom[has] = ordered[rows[has], k[has] - 1]
    long = valid & (sig >= top[:, None])
    short = valid & (sig <= bottom[:, None])
    return long, short


def _leg_return(returns: np.ndarray, mask: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    r = np.where(mask, returns, 0.0)
    w = mask.astype(float) if weights is None else np.where(mask, weights, 0.0)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w * r).sum(axis=1) / total, np.nan)


def _legs_frame(index, returns, long, short, weights) -> pd.DataFrame:
    long_r = _leg_return(returns, long, weights)
    short_r = _leg_return(returns, short, weights)
    return pd.DataFrame({"long": long_r, "short": short_r, "long_short": long_r - short_r},
                        index=index)


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
    """Daily momentum long/short: columns ``long``, ``short``, ``long_short`` (= long - short).

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
                       shares: pd.DataFrame | None = None):
    """``momentum`` and ``momentum_legs`` from one ranking: (factor, long mask, short mask)."""
    returns, long, short = _momentum_masks(prices, lookback, skip, quantile)
    factor = _legs_frame(prices.index, returns, long, short,
                         _cap_weights(prices, shares, weighting))
    return (factor, pd.DataFrame(long, index=prices.index, columns=prices.columns),
            pd.DataFrame(short, index=prices.index, columns=prices.columns))


def _momentum_masks(prices: pd.DataFrame, lookback: int, skip: int, quantile: float):
    returns = daily_returns(prices).to_numpy()
    signal = (prices.shift(skip) / prices.shift(lookback) - 1.0).to_numpy()
    long, short = leg_masks(signal, np.isfinite(signal) & np.isfinite(returns), quantile)
    return returns, long, short


def rolling_beta(returns: pd.DataFrame, market: pd.Series, window: int = 252,
                 min_periods: int = 120) -> pd.DataFrame:
    """OLS beta of each column on ``market`` over the trailing window ending at t-1.

    Pairs where either return is missing are skipped; fewer than ``min_periods`` pairs: NaN.
    """
    r = returns.to_numpy()
    m = market.reindex(returns.index).to_numpy()[:, None]
    both = np.isfinite(r) & np.isfinite(m)
    x = np.where(both, m, 0.0)
    y = np.where(both, r, 0.0)

    n = window_sum(both.astype(float), window)
    sx, sy = window_sum(x, window), window_sum(y, window)
    sxx, sxy = window_sum(x * x, window), window_sum(x * y, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = sxx - sx * sx / n
        beta = (sxy - sx * sy / n) / var
    beta = np.where((n >= min_periods) & (var > 0), beta, np.nan)
    return pd.DataFrame(beta, index=returns.index, columns=returns.columns).shift(1)


def high_beta(prices: pd.DataFrame, benchmark: pd.Series, window: int = 252,
              quantile: float = 0.2, beta: pd.DataFrame | None = None) -> pd.DataFrame:
    """High-beta minus low-beta long/short (columns ``long``, ``short``, ``long_short``).

    Betas are trailing ``window``-day OLS betas on the benchmark's returns, known at t-1
    (>= 120 observations); top and bottom ``quantile`` by beta, equal weight, re-formed daily.
    ``beta``: those betas when already computed (``rolling_beta``), to avoid doing it twice.
    """
    returns = daily_returns(prices)
    if beta is None:
        beta = rolling_beta(returns, benchmark / benchmark.shift(1) - 1.0, window)
    beta = beta.reindex(columns=prices.columns).to_numpy()
    r = returns.to_numpy()
    valid = np.isfinite(beta) & np.isfinite(r)
    long, short = leg_masks(beta, valid, quantile)
    return _legs_frame(prices.index, r, long, short, None)


def basket_returns(prices: pd.DataFrame, baskets: dict[str, list[str]]) -> pd.DataFrame:
    """Equal-weighted daily return of each basket; members missing on a day are skipped."""
    returns = daily_returns(prices)
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
    """Share of a long/short move due to the long leg, x_L / (x_L - x_S) (METHODS 1.4);
    None when the legs' excess returns do not push the spread the same way."""
    if any(map(math.isnan, (long_ex, short_ex))) or long_ex * short_ex > 0 or \
            long_ex == short_ex:
        return None
    return long_ex / (long_ex - short_ex)
