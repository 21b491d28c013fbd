"""Cross-asset regime signals (docs/methods.md, "Regime tiles"): best/worst window since,
correlation flips with Fisher-z significance, metals vs yields, the curve slope, cyclicals and
defensives."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

FREQ_RULES = {"W": "W-FRI", "M": "ME"}


def period_returns(returns: pd.Series, freq: str = "W", include_last: bool = False) -> pd.Series:
    """Compounded returns per period (W = Monday-Friday weeks, M = calendar months), labelled
    by the period's last trading day in the data. Incomplete periods are skipped: a period
    holding a NaN return (a break, see ``analytics.cleaning.gap_returns``: pass returns on the
    series' own trading days), and the last period unless the data reach its last business
    day (an incomplete week is not compared with full ones; ``include_last`` keeps it, for a
    chart)."""
    rule = FREQ_RULES[freq]
    grouper = pd.Grouper(freq=rule)
    broken = returns.isna().groupby(grouper).any()
    r = returns.dropna()
    totals = np.expm1(np.log1p(r).groupby(grouper).sum(min_count=1))
    ends = pd.Series(r.index, index=r.index).groupby(grouper).max()
    keep = totals.notna() & ends.notna() & ~broken.reindex(totals.index, fill_value=False)
    totals, ends = totals[keep], ends[keep]
    if not include_last and len(ends) and \
            ends.iloc[-1] < pd.offsets.BDay().rollback(totals.index[-1]):
        totals, ends = totals.iloc[:-1], ends.iloc[:-1]
    return pd.Series(totals.to_numpy(), index=pd.DatetimeIndex(ends.to_numpy()), name=r.name)


def trailing_since(levels: pd.Series, days: int = 5, broken: pd.Series | None = None) -> dict:
    """The latest trailing ``days``-session return of ``levels`` (forward-filled, as the
    overview's 1w column computes it: last / level ``days`` rows earlier - 1), judged against
    every earlier trailing window that does not overlap it (ending ``days`` or more sessions
    before the last). ``broken`` (bool per day, e.g. NaN returns of
    ``analytics.cleaning.gap_returns``) blanks the windows holding a break.

    Returns ``return``, ``best_since`` / ``worst_since`` (end of the most recent earlier window
    at least as good / as bad; None: on record) and ``history_start`` (first window's end).
    """
    level = levels.ffill()
    window = level / level.shift(days) - 1.0
    if broken is not None:
        hit = broken.reindex(window.index, fill_value=False).astype(float)
        window = window.where(hit.rolling(days, min_periods=1).max() < 1)
    value = float(window.iloc[-1]) if len(window) else float("nan")
    before = window.iloc[:-days].dropna()
    if not math.isfinite(value):
        return {"return": value, "best_since": None, "worst_since": None,
                "history_start": None}
    better, worse = before[before >= value], before[before <= value]
    return {"return": value, "best_since": better.index[-1] if len(better) else None,
            "worst_since": worse.index[-1] if len(worse) else None,
            "history_start": before.index[0] if len(before) else None}


def fisher_z(rho_recent: float, rho_base: float, n_recent: int, n_base: int) -> float:
    """Z = (atanh r1 - atanh r2) / sqrt(1/(n1-3) + 1/(n2-3)): |Z| > 2 flags a break."""
    return (math.atanh(rho_recent) - math.atanh(rho_base)) / \
        math.sqrt(1.0 / (n_recent - 3) + 1.0 / (n_base - 3))


@dataclass(frozen=True)
class CorrelationFlip:
    correlation: pd.Series      # rolling correlation of the aligned returns
    current: float
    usual_sign: int             # sign of the median correlation over the history (+1 / -1)
    state: str                  # "usual", "flipped" or "weak" (|rho| < band)
    flip_date: pd.Timestamp | None   # latest change of hysteresis state
    z: float                    # Fisher z of the last window vs the one before
    lagged: bool                # b was lagged one day to align the closes


def _trailing_corr(x: pd.Series, y: pd.Series, days: int) -> float:
    both = x.notna() & y.notna()
    return float(x[both].iloc[-days:].corr(y[both].iloc[-days:]))


def rolling_correlation_flip(a: pd.Series, b: pd.Series, window: int = 60,
                             band: float = 0.2, align_days: int = 250) -> CorrelationFlip:
    """Rolling correlation of two return series with sign-flip detection.

    Asian closes: an Asian index's close (a) precedes the US-clock close of a Yahoo FX bar (b),
    so both alignments are tried, same day and b lagged one day, and the one with the larger
    |correlation| over the last ``align_days`` paired days is used (a data vendor's bar times
    change over the years; the current alignment is the one that matters today). Hysteresis: the state is positive while
    rho > +band and negative once rho < -band (the band in between keeps the previous state);
    ``flip_date`` is the latest change of that state. ``z`` compares the latest window with the
    window before it (Fisher z).
    """
    pair = pd.concat({"a": a, "b": b}, axis=1, sort=True)
    same = _trailing_corr(pair["a"], pair["b"], align_days)
    lagged_corr = _trailing_corr(pair["a"], pair["b"].shift(1), align_days)
    lagged = abs(lagged_corr) > abs(same)
    x, y = pair["a"], pair["b"].shift(1) if lagged else pair["b"]
    both = x.notna() & y.notna()
    x, y = x[both], y[both]
    rho = x.rolling(window, min_periods=window).corr(y)
    signs = np.sign(rho.where(rho.abs() > band)).ffill()
    changes = signs.ne(signs.shift(1)) & signs.shift(1).notna()
    flip_date = changes[changes].index[-1] if changes.any() else None
    current = float(rho.iloc[-1]) if len(rho) else float("nan")
    usual = 1 if np.nanmedian(rho.to_numpy()) >= 0 else -1
    if not np.isfinite(current) or abs(current) <= band:
        state = "weak"
    else:
        state = "usual" if np.sign(current) == usual else "flipped"
    z = float("nan")
    if len(x) >= 2 * window:
        recent = x.iloc[-window:].corr(y.iloc[-window:])
        base = x.iloc[-2 * window:-window].corr(y.iloc[-2 * window:-window])
        z = fisher_z(float(np.clip(recent, -0.999, 0.999)), float(np.clip(base, -0.999, 0.999)),
                     window, window)
    return CorrelationFlip(rho, current, usual, state, flip_date, z, bool(lagged))


def bill_to_bond_equivalent(discount_pct, days: int = 91):
    """Bank-discount T-bill quote in percent (^IRX) -> bond-equivalent yield in percent:
    BEY = 365 d / (360 - d t), d decimal (docs/methods.md, "Dealer gamma")."""
    d = np.asarray(discount_pct, dtype=float) / 100
    return 100 * 365 * d / (360 - d * days)


def curve_regime(short_change: float, long_change: float) -> str:
    """Label a k-day move of the curve (changes in the front and long yields)."""
    slope = long_change - short_change
    if long_change * short_change < 0:
        return "twist"
    if slope < 0:
        return "bull flattening" if long_change < 0 else "bear flattening"
    return "bull steepening" if short_change < 0 else "bear steepening"


def streak_start(flag: pd.Series) -> pd.Timestamp | None:
    """First date of the current run of True values (None when the last value is False)."""
    flag = flag.fillna(False).astype(bool)
    if flag.empty or not flag.iloc[-1]:
        return None
    off = flag[~flag]
    return flag.index[0] if off.empty else flag.loc[off.index[-1]:].index[1]
