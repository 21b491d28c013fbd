"""Event study: what followed large down days of a factor (docs/methods.md, "Event study")."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.stats import sigma_move

BOOTSTRAP_DRAWS = 5000
BEAR_DAYS = 504                 # 24 months of trading days (Daniel & Moskowitz's bear state)


@dataclass(frozen=True)
class EventStudy:
    """events: date -> return, sigma, market state ("bear" / "bull" / "n/a") and the forward
    return per horizon (``fwd_21`` ...; NaN until that many days have passed) of each
    (first-of-cluster) event day.
    table: one row per horizon: count, mean, median, hit_rate of the forward cumulative
    returns starting the day after the event (fractions); non_event_mean and non_event_count
    (every other day with a forward return); welch_t (event mean minus non-event mean, Welch's
    unequal-variance t) and p_bootstrap (two-sided: the share of random draws of as many
    non-event days whose mean is at least as far from the non-event mean).
    by_state: the same count / mean / hit_rate per market state and horizon (MultiIndex
    state, horizon_days); empty without a market series.
    path: mean and standard error of the cumulative return 1..max(horizon) days after."""

    events: pd.DataFrame
    table: pd.DataFrame
    path: pd.DataFrame
    threshold: float
    by_state: pd.DataFrame = field(default_factory=pd.DataFrame)


def market_state(market: pd.Series, days: int = BEAR_DAYS) -> pd.Series:
    """"bear" where the market's level at the prior close is below its level ``days`` trading
    days before that, "bull" where at or above, "n/a" without that much history (known at the
    open of each day: causal)."""
    level = market.ffill()
    change = (level / level.shift(days)).shift(1)
    return pd.Series(np.where(change.isna(), "n/a", np.where(change < 1, "bear", "bull")),
                     index=market.index)


def welch_t(a: np.ndarray, b: np.ndarray) -> float:
    """(mean a - mean b) / sqrt(var a / n_a + var b / n_b); NaN with under 2 values a side."""
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return float((a.mean() - b.mean()) / se) if se > 0 else float("nan")


def bootstrap_p(a: np.ndarray, b: np.ndarray, draws: int = BOOTSTRAP_DRAWS,
                seed: int = 0) -> float:
    """Two-sided p-value of mean(a) against ``b``: how often the mean of len(a) values drawn
    from ``b`` with replacement lies at least as far from mean(b) as mean(a) does. Fixed seed:
    the same data give the same p."""
    if len(a) == 0 or len(b) < 2:
        return float("nan")
    rng = np.random.default_rng(seed)
    means = b[rng.integers(0, len(b), size=(draws, len(a)))].mean(axis=1)
    centre = b.mean()
    return float((np.abs(means - centre) >= abs(a.mean() - centre)).mean())


def forward_returns(returns: pd.Series, horizon: int) -> pd.Series:
    """Compounded return over days t+1..t+horizon, known only once t+horizon has happened
    (NaN near the end of the sample)."""
    log = np.log1p(returns.fillna(0.0)).cumsum()
    return np.expm1(log.shift(-horizon) - log)


def decluster(dates: pd.DatetimeIndex, positions: np.ndarray, gap: int) -> list[int]:
    """Keep the first event of each cluster: an event counts only if it comes more than ``gap``
    trading days after the last kept one."""
    kept: list[int] = []
    for pos in positions:
        if not kept or pos - kept[-1] > gap:
            kept.append(int(pos))
    return kept


def event_study(returns: pd.Series, threshold: float = -3.0, window: int = 63,
                horizons: tuple[int, ...] = (5, 21, 63),
                cluster_days: int | None = None, market: pd.Series | None = None) -> EventStudy:
    """Events: days with ``sigma_move(returns, window) <= threshold`` (first day of a cluster;
    clusters = events within ``cluster_days``, default the longest horizon; French's
    published oracle uses 21). For each horizon: count, mean, median and hit rate (share > 0) of the
    forward returns, tested against the non-event days' forward returns (every day at or
    above the threshold) with Welch's t and a bootstrap p-value. ``market`` (the benchmark's
    level): events split by ``market_state`` (docs/methods.md, "Event study")."""
    r = returns.dropna()
    z = sigma_move(r, window)
    longest = max(horizons)
    hit = (z <= threshold).to_numpy()
    candidates = np.flatnonzero(hit)
    kept = decluster(r.index, candidates, longest if cluster_days is None else cluster_days)
    dates = r.index[kept]
    state = market_state(market).reindex(r.index).fillna("n/a") if market is not None else \
        pd.Series("n/a", index=r.index)
    events = pd.DataFrame({"return": r.iloc[kept].to_numpy(), "sigma": z.iloc[kept].to_numpy(),
                           "state": state.iloc[kept].to_numpy()}, index=dates)
    rows, split = {}, {}
    for h in horizons:
        fwd = forward_returns(r, h)
        events[f"fwd_{h}"] = fwd.iloc[kept].to_numpy()
        sample = fwd.iloc[kept].dropna()
        others = fwd[~hit].dropna().to_numpy()
        n = len(sample)
        rows[h] = {"count": n, "mean": sample.mean(), "median": sample.median(),
                   "hit_rate": (sample > 0).mean() if n else np.nan,
                   "non_event_mean": others.mean() if len(others) else np.nan,
                   "non_event_count": len(others),
                   "welch_t": welch_t(sample.to_numpy(), others),
                   "p_bootstrap": bootstrap_p(sample.to_numpy(), others)}
        if market is not None:
            for name in ("bear", "bull"):
                part = sample[events.loc[sample.index, "state"] == name]
                split[(name, h)] = {"count": len(part), "mean": part.mean() if len(part) else
                                    np.nan, "hit_rate": (part > 0).mean() if len(part) else
                                    np.nan}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "horizon_days"
    by_state = pd.DataFrame.from_dict(split, orient="index")
    if len(by_state):
        by_state.index = by_state.index.set_names(["state", "horizon_days"])
    log = np.log1p(r.fillna(0.0)).cumsum().to_numpy()
    steps = np.arange(1, longest + 1)
    positions = np.asarray(kept)[:, None] + steps[None, :]
    valid = positions < len(log)
    paths = np.where(valid, np.expm1(log[np.minimum(positions, len(log) - 1)]
                                     - log[np.asarray(kept)][:, None]), np.nan) \
        if kept else np.empty((0, longest))
    count = np.isfinite(paths).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # days no event has reached yet
        mean = np.nanmean(paths, axis=0) if kept else np.full(longest, np.nan)
        se = np.nanstd(paths, axis=0, ddof=1) / np.sqrt(count) if kept else np.full(longest, np.nan)
    path = pd.DataFrame({"mean": mean, "se": se, "count": count}, index=pd.Index(steps, name="day"))
    return EventStudy(events=events, table=table, path=path, threshold=threshold,
                      by_state=by_state)
