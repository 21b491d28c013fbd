"""Event study: what followed large down days of a factor (METHODS section 12)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.stats import sigma_move


@dataclass(frozen=True)
class EventStudy:
    """events: date -> return and sigma of each (first-of-cluster) event day.
    table: one row per horizon: count, mean, median, hit_rate, t_stat, unconditional_mean
    (forward cumulative returns starting the day after the event, fractions).
    path: mean and standard error of the cumulative return 1..max(horizon) days after."""

    events: pd.DataFrame
    table: pd.DataFrame
    path: pd.DataFrame
    threshold: float


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
                cluster_days: int | None = None) -> EventStudy:
    """Events: days with ``sigma_move(returns, window) <= threshold`` (first day of a cluster;
    clusters = events within ``cluster_days``, default the longest horizon; METHODS 12.2's
    oracle uses 21). For each horizon: count, mean, median, hit
    rate (share > 0) and t-stat of the forward returns, against the unconditional mean of all
    days' forward returns over the same sample."""
    r = returns.dropna()
    z = sigma_move(r, window)
    longest = max(horizons)
    candidates = np.flatnonzero((z <= threshold).to_numpy())
    kept = decluster(r.index, candidates, longest if cluster_days is None else cluster_days)
    dates = r.index[kept]
    events = pd.DataFrame({"return": r.iloc[kept].to_numpy(), "sigma": z.iloc[kept].to_numpy()},
                          index=dates)
    rows = {}
    for h in horizons:
        fwd = forward_returns(r, h)
        sample = fwd.iloc[kept].dropna()
        n = len(sample)
        sd = sample.std(ddof=1) if n > 1 else np.nan
        rows[h] = {"count": n, "mean": sample.mean(), "median": sample.median(),
                   "hit_rate": (sample > 0).mean() if n else np.nan,
                   "t_stat": sample.mean() / (sd / np.sqrt(n)) if n > 1 and sd > 0 else np.nan,
                   "unconditional_mean": fwd.mean()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "horizon_days"
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
    return EventStudy(events=events, table=table, path=path, threshold=threshold)
