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
from dataclasses import dataclass, fields

import bottleneck as bn
import numpy as np
import pandas as pd

from analytics.factors import daily_returns, rolling_beta
from analytics.params import EngineParams
from analytics.rolling import block_rows, rolling_std, rolling_values, row_blocks, wrap
from analytics.snapshot import SPARK_DAYS, CrowdingGauge, CrowdingView

WINDOW = 63
REVERSAL_DAYS = 756
EXTENSION_DAYS = 200
Z_LOOKBACK = 756
Z_MIN = 252
COMPONENTS = ("comomentum", "factor_volatility", "pairwise_correlation", "factor_reversal",
              "extension")
# A theme shows only today's gauge and its trail, which depend on the last GAUGE_ROWS days: a
# z-score over the Z_LOOKBACK days before t of components whose longest window is
# REVERSAL_DAYS (the per-stock windows are computed on the whole panel first). On 50 years of
# history this is 8x less work per theme, and the same gauge up to rounding.
GAUGE_ROWS = REVERSAL_DAYS + Z_LOOKBACK + SPARK_DAYS + 1


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


def average_correlation(returns: pd.DataFrame, members: pd.DataFrame, window: int = WINDOW,
                        vol: pd.DataFrame | None = None) -> pd.Series:
    """Average pairwise correlation among the day's ``members`` over the trailing window,
    from the variance identity var(mean r) = m2/n + rho (m1^2 - m2/n), with m1, m2 the mean
    of the members' vols and squared vols (O(n) per day, no n x n matrix). NaN with fewer
    than 3 members or fewer than 2 with a full window's vol. ``vol``: the columns' trailing
    ``window``-day std when already computed."""
    r = returns.to_numpy(dtype=float)
    mask = members.reindex(index=returns.index, columns=returns.columns,
                           fill_value=False).to_numpy(dtype=bool)
    vol = (rolling_std(returns, window) if vol is None else _columns(vol, returns.columns))
    vol = vol.to_numpy(dtype=float)
    n, m1, m2, basket, with_vol = (np.zeros(len(r)) for _ in range(5))
    scratch = np.empty((block_rows(r.shape), r.shape[1]))
    for rows in row_blocks(r.shape):
        held, values = mask[rows], scratch[:rows.stop - rows.start]
        use = held & np.isfinite(vol[rows])
        np.copyto(values, vol[rows])                # the members' vols
        values[~use] = 0.0
        with_vol[rows] = use.sum(axis=1)
        count = np.maximum(with_vol[rows], 1)
        n[rows] = held.sum(axis=1)
        m1[rows] = values.sum(axis=1) / count
        m2[rows] = np.einsum("ij,ij->i", values, values) / count
        np.copyto(values, r[rows])                  # the members' returns
        values[~(held & np.isfinite(values))] = 0.0
        basket[rows] = values.sum(axis=1)
    basket /= np.maximum(n, 1)
    basket_var = rolling_std(pd.Series(basket, index=returns.index), window).to_numpy() ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (basket_var - m2 / n) / (m1 * m1 - m2 / n)
    return pd.Series(np.where((n >= 3) & (with_vol >= 2), rho, np.nan), index=returns.index)


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


@dataclass(frozen=True)
class CrowdingInputs:
    """Per-stock series shared by every crowding computation on one panel (computed once)."""

    returns: pd.DataFrame
    residual: pd.DataFrame        # market-residual returns, beta known at t-1
    extension: pd.DataFrame       # P / 200-day average - 1
    returns_vol: pd.DataFrame     # trailing 63-day std of returns
    residual_vol: pd.DataFrame    # trailing 63-day std of residual returns

    def tail(self, rows: int) -> CrowdingInputs:
        """The last ``rows`` days (the per-stock windows were computed on the whole panel)."""
        return CrowdingInputs(*(getattr(self, f.name).iloc[-rows:] for f in fields(self)))

    @classmethod
    def build(cls, prices: pd.DataFrame, market: pd.Series, beta: pd.DataFrame | None = None,
              returns: pd.DataFrame | None = None) -> CrowdingInputs:
        """``beta``: trailing market betas of ``prices`` (``rolling_beta``) and ``returns``:
        ``daily_returns(prices)``, if already known."""
        returns = daily_returns(prices) if returns is None else returns
        if beta is None:
            beta = rolling_beta(returns, market, window=252, min_periods=120)
        residual = _columns(beta, prices.columns).to_numpy(dtype=float) * \
            market.reindex(prices.index).to_numpy(dtype=float)[:, None]
        np.subtract(returns.to_numpy(dtype=float), residual, out=residual)
        extension = rolling_values(prices.to_numpy(dtype=float), EXTENSION_DAYS, "mean")
        np.divide(prices.to_numpy(dtype=float), extension, out=extension)
        extension -= 1.0
        return cls(returns=returns, residual=wrap(prices, residual),
                   extension=wrap(prices, extension),
                   returns_vol=wrap(prices, rolling_values(returns.to_numpy(dtype=float),
                                                           WINDOW, "std")),
                   residual_vol=wrap(prices, rolling_values(residual, WINDOW, "std")))


def crowding(prices: pd.DataFrame, market: pd.Series, factor: pd.Series,
             long_members: pd.DataFrame, short_members: pd.DataFrame | None = None) -> Crowding:
    """Crowding components, z-scores and daily gauge for a long(/short) trade.

    ``prices``: the stocks' closes; ``market``: the benchmark's daily returns; ``factor``: the
    trade's daily return (long/short, or a theme's excess return); ``long_members`` /
    ``short_members``: boolean dates x tickers membership (a theme: the same every day).
    """
    return crowding_from(CrowdingInputs.build(prices, market), factor, long_members,
                         short_members)


def crowding_from(inputs: CrowdingInputs, factor: pd.Series, long_members: pd.DataFrame,
                  short_members: pd.DataFrame | None = None) -> Crowding:
    """``crowding`` on precomputed per-stock inputs (one panel, many trades)."""
    index = inputs.returns.index
    named = long_members.columns if short_members is None else \
        long_members.columns.union(short_members.columns, sort=False)
    used = inputs.returns.columns.intersection(named, sort=False)
    returns, residual = _columns(inputs.returns, used), _columns(inputs.residual, used)
    como = [average_correlation(residual, long_members, vol=inputs.residual_vol)]
    if short_members is not None:
        como.append(average_correlation(residual, short_members, vol=inputs.residual_vol))
    long_mask = long_members.reindex(index=index, columns=used, fill_value=False).to_numpy()
    extension = _columns(inputs.extension, used).to_numpy()
    count, total = np.zeros(len(index)), np.zeros(len(index))
    scratch = np.empty((block_rows(extension.shape), extension.shape[1]))
    for rows in row_blocks(extension.shape):
        held, values = long_mask[rows], scratch[:rows.stop - rows.start]
        np.copyto(values, extension[rows])
        values[~(held & np.isfinite(values))] = 0.0
        count[rows] = held.sum(axis=1)
        total[rows] = values.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_extension = total / np.where(count > 0, count, np.nan)
    components = pd.DataFrame({
        "comomentum": pd.concat(como, axis=1).mean(axis=1),
        "factor_volatility": factor.rolling(WINDOW, min_periods=WINDOW).std() * np.sqrt(252),
        "pairwise_correlation": average_correlation(returns, long_members,
                                                    vol=inputs.returns_vol),
        "factor_reversal": np.expm1(np.log1p(factor).rolling(REVERSAL_DAYS,
                                                              min_periods=Z_MIN).sum()),
        "extension": mean_extension,
    }, index=index)
    z = point_in_time_z(components)
    available = z.notna().sum(axis=1)
    score = pd.Series(100.0 * normal_cdf(z.mean(axis=1).to_numpy()), index=index)
    return Crowding(components=components, z=z, score=score.where(available > 0),
                    available=available)


def crowding_view(close: pd.DataFrame, names: list[str], bench_r: pd.Series,
                  beta: pd.DataFrame, returns: pd.DataFrame, long_short: pd.Series, long_mask,
                  short_mask, params: EngineParams) -> CrowdingView:
    """The momentum gauge (from the L/S ``long_short`` and its legs' masks) and one gauge
    per theme with at least 3 names in the data (against the benchmark)."""
    inputs = CrowdingInputs.build(close[names], bench_r, beta, returns)
    momentum = crowding_from(inputs, long_short, long_mask, short_mask)
    gauges = {"Momentum": momentum.latest()}
    recent = inputs.tail(GAUGE_ROWS)
    for theme, tickers in params.themes.items():
        present = [t for t in tickers if t in close.columns]
        if len(present) < 3:
            continue
        mask = pd.DataFrame(True, index=recent.returns.index, columns=present)
        excess = (returns[present].mean(axis=1) - bench_r).iloc[-GAUGE_ROWS:]
        gauges[theme] = crowding_from(recent, excess, mask).latest()
    return CrowdingView(gauges=gauges, momentum_score=momentum.score)

