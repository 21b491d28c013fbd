"""Crowding: components, point-in-time z-scores and the 0-100 gauge (docs/methods.md).

Components (each a daily series, higher = more crowded):
  comomentum            average pairwise correlation of market-residual returns within the
                        long leg and within the short leg (Lou-Polk style), 63 days
  factor_volatility     63-day realized vol of the long/short factor
  pairwise_correlation  average pairwise correlation of raw returns within the long leg
  factor_reversal       3-year (756-day) cumulative factor return (performance chasing)
  extension             long-leg members' average distance above their 200-day average
Each is z-scored against its own trailing history ending at t-1 (3 years, at least 1 year),
winsorized at +-3, averaged over the components available, and mapped to 100 x Phi(Z).
"""
from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass

import bottleneck as bn
import numpy as np
import pandas as pd

from analytics.factors import daily_returns, rolling_beta
from analytics.params import EngineParams
from analytics.rolling import column_blocks, rolling_values, wrap
from analytics.snapshot import SPARK_DAYS, CrowdingGauge, CrowdingView
from analytics.threads import shared_map

WINDOW = 63
REVERSAL_DAYS = 756
EXTENSION_DAYS = 200
Z_LOOKBACK = 756
Z_MIN = 252
COMPONENTS = ("comomentum", "factor_volatility", "pairwise_correlation", "factor_reversal",
              "extension")


def normal_cdf(z):
    """Standard normal CDF without scipy, vectorised: 0.5 (1 + erf(z / sqrt 2)) with the
    Abramowitz-Stegun 7.1.26 erf (absolute error < 1.5e-7); NaN stays NaN."""
    x = np.asarray(z, dtype=float) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                        + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-x * x))
    return 0.5 * (1.0 + erf)


def crowding_score(z_components) -> float:
    """0-100 gauge = 100 x Phi(mean of the available z-scores, each winsorized at +-3).

    ``z_components``: mapping or sequence of z-scores (NaN = unavailable); NaN if none.
    """
    values = np.asarray(list(z_components.values()) if isinstance(z_components, dict)
                        else list(z_components), dtype=float)
    values = np.clip(values[np.isfinite(values)], -3.0, 3.0)
    if values.size == 0:
        return float("nan")
    return float(100.0 * normal_cdf(values.mean()))


def band(score: float) -> str:
    """"crowded" (>= 84, i.e. Z >= 1), "uncrowded" (<= 16) or "neutral"."""
    if not np.isfinite(score):
        return "n/a"
    if score >= 84.0:
        return "crowded"
    if score <= 16.0:
        return "uncrowded"
    return "neutral"


def point_in_time_z(series: pd.Series | pd.DataFrame, lookback: int = Z_LOOKBACK,
                    min_periods: int = Z_MIN):
    """(x_t - mean) / sd over the ``lookback`` values ending at t-1 (NaN with fewer than
    ``min_periods`` finite values), winsorized at +-3."""
    values = series.to_numpy(dtype=float).reshape(len(series), -1)
    z = np.full(values.shape, np.nan)
    if len(values) > min_periods:
        past = np.empty_like(z)
        past[0] = np.nan
        past[1:] = values[:-1]
        past[np.isinf(past)] = np.nan               # as pandas' rolling: not a value
        window = min(lookback, len(past))
        mean = bn.move_mean(past, window, min_count=min_periods, axis=0)
        sd = bn.move_std(past, window, min_count=min_periods, axis=0, ddof=1)
        sd[~(sd > 0)] = np.nan
        with np.errstate(invalid="ignore"):
            np.clip((values - mean) / sd, -3.0, 3.0, out=z)
    return wrap(series, z)


# What a leg sums over its members each day (``leg_sums``): how many are held, then for the
# market-residual returns and for the raw returns: how many have a full-window vol, the sum of
# those vols, of their squares, and of the members' returns; last the sum of their extensions.
SUMS = ("held", "residual_with_vol", "residual_vol", "residual_var", "residual",
        "returns_with_vol", "returns_vol", "returns_var", "returns", "extension")


def _add(sums: np.ndarray, held, take, total, pairs) -> None:
    """Add some cells of a block of names to a leg's sums: ``held`` members per day, then
    for each (values, vols) of ``pairs`` the ``_correlation`` sums and, for a lone values
    array, its sum; ``take(array)`` picks the cells (a copy), ``total(cells)`` sums them
    per day. Missing values and vols count as 0."""
    sums[0] += held
    at = 1
    for values, vol in pairs:
        if vol is not None:
            vols = take(vol)
            has = np.isfinite(vols)
            vols[~has] = 0.0
            sums[at] += total(has)
            sums[at + 1] += total(vols)
            vols *= vols
            sums[at + 2] += total(vols)
            at += 3
        cells = take(values)
        cells[~np.isfinite(cells)] = 0.0
        sums[at] += total(cells)
        at += 1


def _add_members(sums: np.ndarray, members: np.ndarray, pairs) -> None:
    """``_add`` of the cells where ``members`` (boolean dates x names of the block) is True:
    only those are read (a decile leg holds a tenth of the names)."""
    cols, rows = np.nonzero(members.T)      # column by column, as the blocks are stored
    days = sums.shape[1]
    _add(sums, np.bincount(rows, minlength=days), lambda array: array[rows, cols],
         lambda cells: np.bincount(rows, weights=cells, minlength=days), pairs)


def _add_columns(sums: np.ndarray, columns: np.ndarray, pairs) -> None:
    """``_add`` of the block's ``columns`` on every day (a theme's names)."""
    _add(sums, len(columns), lambda array: array[:, columns],
         lambda cells: cells.sum(axis=1), pairs)


def _correlation(sums: np.ndarray, window: int) -> np.ndarray:
    """Average pairwise correlation per day from a leg's member count and its four sums of
    one kind of return (``SUMS``), by the variance identity var(mean r) = m2/n +
    rho (m1^2 - m2/n), with m1, m2 the mean of the members' vols and squared vols (O(n) per
    day, no n x n matrix). NaN with fewer than 3 members or fewer than 2 with a full
    window's vol."""
    held, with_vol, total_vol, total_var, total = sums
    count = np.maximum(with_vol, 1)
    m1, m2 = total_vol / count, total_var / count
    basket = total / np.maximum(held, 1)
    basket_var = rolling_values(basket[:, None], window, "std")[:, 0] ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (basket_var - m2 / held) / (m1 * m1 - m2 / held)
    return np.where((held >= 3) & (with_vol >= 2), rho, np.nan)


def average_correlation(returns: pd.DataFrame, members: pd.DataFrame,
                        window: int = WINDOW) -> pd.Series:
    """Average pairwise correlation among the day's ``members`` (boolean dates x tickers)
    over the trailing ``window`` days (``_correlation``)."""
    r = returns.to_numpy(dtype=float)
    held = members.reindex(index=returns.index, columns=returns.columns,
                           fill_value=False).to_numpy(dtype=bool)
    sums = np.zeros((5, len(r)))
    for cols in column_blocks(r.shape[1]):
        block = r[:, cols]
        _add_members(sums, held[:, cols], [(block, rolling_values(block, window, "std"))])
    return pd.Series(_correlation(sums, window), index=returns.index)


def leg_sums(prices: pd.DataFrame, market: pd.Series, beta: pd.DataFrame,
             returns: pd.DataFrame, legs: dict[str, np.ndarray],
             baskets: dict[str, np.ndarray] | None = None, pool: Executor | None = None
             ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The ``SUMS`` of every leg and of every basket, each a len(SUMS) x dates array:
    (legs' sums, baskets' sums). ``legs``: name -> boolean dates x ``prices.columns``
    membership; ``baskets``: name -> column positions of names held every day (a theme).

    Per name: the market-residual return r - beta m (``beta`` known at t-1), the 63-day vol
    of it and of the raw return, and the extension P / 200-day average - 1, computed in one
    pass a block of names at a time (over the whole panel when there are legs, else over the
    baskets' names); only the sums are kept, never a panel of them. Each column's windows run
    from its first row whatever the block, so they equal the whole-panel computation bit for
    bit."""
    p = prices.to_numpy(dtype=float)
    r = _columns(returns, prices.columns).to_numpy(dtype=float)
    b = _columns(beta, prices.columns).to_numpy(dtype=float)
    m = market.reindex(prices.index).to_numpy(dtype=float)[:, None]
    days = len(p)

    def pairs(cols):
        """Per name of ``cols``: (residual, its vol), (return, its vol), (extension,), each
        column-major: the moving windows run down contiguous columns (twice as fast)."""
        returns_block = np.asfortranarray(r[:, cols])
        residual = np.array(b[:, cols], order="F")      # a copy: made the residual in place
        residual *= m
        np.subtract(returns_block, residual, out=residual)
        block = np.asfortranarray(p[:, cols])
        return [(residual, rolling_values(residual, WINDOW, "std")),
                (returns_block, rolling_values(returns_block, WINDOW, "std")),
                (block / rolling_values(block, EXTENSION_DAYS, "mean") - 1.0, None)]

    baskets = baskets or {}
    names = np.arange(p.shape[1]) if legs else \
        np.unique(np.concatenate([*baskets.values(), np.zeros(0, int)]))

    def block_sums(block_at: slice):
        """One block's part of every leg's and basket's sums."""
        cols = block_at if legs else names[block_at]    # a slice of the panel, or its names
        block = pairs(cols)
        out = {name: np.zeros((len(SUMS), days)) for name in legs}
        fixed = {}
        for name, mask in legs.items():
            _add_members(out[name], mask[:, cols], block)
        for name, positions in baskets.items():
            held = np.flatnonzero(np.isin(names[block_at], positions))
            if len(held):
                fixed[name] = np.zeros((len(SUMS), days))
                _add_columns(fixed[name], held, block)
        return out, fixed

    out = {name: np.zeros((len(SUMS), days)) for name in legs}
    fixed = {name: np.zeros((len(SUMS), days)) for name in baskets}
    parts = map(block_sums, column_blocks(len(names))) if pool is None else \
        shared_map(pool, block_sums, column_blocks(len(names)))
    for legs_part, baskets_part in parts:          # added in blocks' order: same bits
        for name, part in legs_part.items():
            out[name] += part
        for name, part in baskets_part.items():
            fixed[name] += part
    return out, fixed


def _columns(frame: pd.DataFrame, columns: pd.Index) -> pd.DataFrame:
    """``frame`` on ``columns`` (NaN where it lacks one), without a copy when it already has
    exactly those columns."""
    return frame if frame.columns.equals(columns) else frame.reindex(columns=columns)


@dataclass(frozen=True)
class Crowding:
    """Crowding of one factor or theme: component values, their z-scores and the gauge."""

    components: pd.DataFrame      # dates x COMPONENTS (raw values)
    z: pd.DataFrame               # dates x COMPONENTS (point-in-time z, winsorized)
    score: pd.Series              # 0..100 per day
    available: pd.Series          # number of components in the score per day

    def latest(self) -> CrowdingGauge:
        """Today's score, band, the z of each component and how many were available."""
        day = self.score.last_valid_index()
        if day is None:
            return CrowdingGauge(score=float("nan"), band="n/a", available=0)
        z = self.z.loc[day]
        score = float(self.score.loc[day])
        trail = self.score.loc[:day].iloc[-SPARK_DAYS:]
        return CrowdingGauge(score=score, band=band(score),
                             available=int(self.available.loc[day]),
                             trail=tuple(float(v) for v in trail),
                             z={k: float(v) for k, v in z.items() if np.isfinite(v)},
                             values={k: float(v) for k, v in self.components.loc[day].items()})


def crowding(prices: pd.DataFrame, market: pd.Series, factor: pd.Series,
             long_members: pd.DataFrame, short_members: pd.DataFrame | None = None) -> Crowding:
    """Crowding components, z-scores and daily gauge for a long(/short) trade.

    ``prices``: the stocks' closes; ``market``: the benchmark's daily returns; ``factor``: the
    trade's daily return (long/short, or a theme's excess return); ``long_members`` /
    ``short_members``: boolean dates x tickers membership (a theme: the same every day).
    """
    returns = daily_returns(prices)
    beta = rolling_beta(returns, market, window=252, min_periods=120)
    legs = {"long": long_members} if short_members is None else \
        {"long": long_members, "short": short_members}
    masks = {name: members.reindex(index=prices.index, columns=prices.columns,
                                   fill_value=False).to_numpy(dtype=bool)
             for name, members in legs.items()}
    sums = leg_sums(prices, market, beta, returns, masks)[0]
    return crowding_from(prices.index, factor, *sums.values())


def crowding_from(index: pd.Index, factor: pd.Series, long: np.ndarray,
                  short: np.ndarray | None = None) -> Crowding:
    """``crowding`` from the legs' ``leg_sums`` (one pass over a panel, many trades)."""
    como = [_correlation(leg[0:5], WINDOW) for leg in (long, short) if leg is not None]
    held = long[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        extension = long[9] / np.where(held > 0, held, np.nan)
    components = pd.DataFrame({
        "comomentum": pd.DataFrame(np.stack(como, axis=1), index=index).mean(axis=1),
        "factor_volatility": factor.rolling(WINDOW, min_periods=WINDOW).std() * np.sqrt(252),
        "pairwise_correlation": _correlation(long[[0, 5, 6, 7, 8]], WINDOW),
        "factor_reversal": np.expm1(np.log1p(factor).rolling(REVERSAL_DAYS,
                                                              min_periods=Z_MIN).sum()),
        "extension": extension,
    }, index=index)
    z = point_in_time_z(components)
    available = z.notna().sum(axis=1)
    score = pd.Series(100.0 * normal_cdf(z.mean(axis=1).to_numpy()), index=index)
    return Crowding(components=components, z=z, score=score.where(available > 0),
                    available=available)


def crowding_view(prices: pd.DataFrame, bench_r: pd.Series, beta: pd.DataFrame,
                  returns: pd.DataFrame, long_short: pd.Series, long_mask, short_mask,
                  params: EngineParams, pool: Executor | None = None) -> CrowdingView:
    """The momentum gauge (from the L/S ``long_short`` and its legs' masks) and one gauge
    per theme with at least 3 names in ``prices`` (against the benchmark), from one
    ``leg_sums`` pass over ``prices``."""
    columns = prices.columns
    legs = {leg: mask.reindex(index=prices.index, columns=columns,
                              fill_value=False).to_numpy(dtype=bool)
            for leg, mask in (("long", long_mask), ("short", short_mask))}
    themes = {theme: [t for t in tickers if t in columns]
              for theme, tickers in params.themes.items()}
    themes = {theme: present for theme, present in themes.items() if len(present) >= 3}
    sums, theme_sums = leg_sums(prices, bench_r, beta, returns, legs, {
        theme: columns.get_indexer(present) for theme, present in themes.items()}, pool=pool)
    momentum = crowding_from(prices.index, long_short, sums["long"], sums["short"])
    gauges = {"Momentum": momentum.latest()}
    for theme, present in themes.items():
        excess = returns[present].mean(axis=1) - bench_r
        gauges[theme] = crowding_from(prices.index, excess, theme_sums[theme]).latest()
    return CrowdingView(gauges=gauges, momentum_score=momentum.score)
