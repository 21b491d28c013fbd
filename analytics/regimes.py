"""Cross-asset regime signals (docs/methods.md, "Regime tiles"): best/worst window since,
correlation flips with Fisher-z significance, metals vs yields, the curve slope, cyclicals and
defensives."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.params import EngineParams
from analytics.snapshot import RegimesView, Tile

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
    change over the years; the current alignment is the one that matters today). Hysteresis:
    the state is positive while
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


def latest_bill_rate(close: pd.DataFrame, ticker: str) -> float:
    """The latest 13-week bill as a decimal bond-equivalent yield: Yahoo quotes ^IRX in
    percent on a bank-discount basis (a value above 20 is Cboe's native x10 quote); NaN when
    it is not in the data."""
    if ticker not in close.columns or close[ticker].dropna().empty:
        return float("nan")
    discount = float(close[ticker].dropna().iloc[-1])
    if discount > 20:
        discount /= 10
    return float(bill_to_bond_equivalent(discount)) / 100


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


def _correlation_tile(close: pd.DataFrame, a: str, b: str, label: str) -> Tile | None:
    if a not in close.columns or b not in close.columns:
        return None
    flip = rolling_correlation_flip(np.log(close[a]).diff(), np.log(close[b]).diff())
    state = {"usual": "green", "weak": "amber", "flipped": "red"}[flip.state]
    usual = "positive" if flip.usual_sign > 0 else "negative"
    detail = (f"60-day correlation of {a} and {b} daily log returns"
              f"{' (FX lagged a day to align closes)' if flip.lagged else ''}; usually {usual}; "
              f"Fisher z of the last 60 days vs the 60 before: {flip.z:+.1f} "
              f"({'significant' if abs(flip.z) > 2 else 'not significant'})")
    return Tile(value=f"ρ {flip.current:+.2f} ({flip.state})", number=flip.current, state=state,
                since=flip.flip_date, detail=f"{label}: {detail}",
                series=flip.correlation.rename(f"{a} vs {b}, 60-day correlation"),
                units="correlation")


def regime_view(close: pd.DataFrame, params: EngineParams) -> RegimesView | None:
    """The regime board (docs/methods.md, "Regime tiles"): equity/currency correlations,
    metals vs yields, the curve, cyclicals + defensives, equal vs cap weight."""
    tiles: dict[str, Tile] = {}
    for region in params.regions:
        if region.name in ("Japan", "Korea") and region.index and region.currency:
            tile = _correlation_tile(close, region.index, region.currency,
                                     f"{region.name} equity vs currency")
            if tile:
                tiles[f"{region.name} equity / currency"] = tile
    month = 21
    if params.long_rate in close.columns and params.metals:
        tnx = close[params.long_rate].ffill()
        d10 = (tnx - tnx.shift(month)) * 100                       # bp
        metals = [m for m in params.metals if m in close.columns]
        metal = np.log(close[metals].ffill()).diff(month).mean(axis=1)
        z_metal = (metal - metal.rolling(252, min_periods=126).mean().shift(1)) / \
            metal.rolling(252, min_periods=126).std().shift(1)
        z_rate = (d10 - d10.rolling(252, min_periods=126).mean().shift(1)) / \
            d10.rolling(252, min_periods=126).std().shift(1)
        on = (z_metal > 1) & (z_rate < -1)
        diverging = (metal > 0) & (d10 < 0)
        state = "red" if on.iloc[-1] else ("amber" if diverging.iloc[-1] else "green")
        tiles["Metals vs yields"] = Tile(
            value=f"metals {100 * np.expm1(metal.iloc[-1]):+.1f}%, 10y {d10.iloc[-1]:+.0f} bp "
                  "(1m)",
            number=float(metal.iloc[-1]), state=state, since=streak_start(diverging),
            detail=f"Average 1-month move of {', '.join(metals)} vs the 10-year yield change; "
                   f"red when metals z > +1 while the yield change z < -1 (z vs 1 year); now "
                   f"metals z {z_metal.iloc[-1]:+.1f}, yield z {z_rate.iloc[-1]:+.1f}",
            series=metal.rename("metals 1m"), units="log return")
        if params.short_rate in close.columns:
            bey = pd.Series(bill_to_bond_equivalent(close[params.short_rate].ffill()),
                            index=close.index)
            slope = (tnx - bey) * 100
            regime = curve_regime(float(bey.iloc[-1] - bey.iloc[-1 - month]),
                                  float(tnx.iloc[-1] - tnx.iloc[-1 - month]))
            flattening = slope.diff(month) < 0
            state = "red" if regime == "bull flattening" else \
                ("amber" if "flattening" in regime or regime == "twist" else "green")
            tiles["Curve 10y-3m"] = Tile(
                value=f"{slope.iloc[-1]:+.0f} bp, "
                      f"{slope.iloc[-1] - slope.iloc[-1 - month]:+.0f} bp in 1m ({regime})",
                number=float(slope.iloc[-1]), state=state, since=streak_start(flattening),
                detail="10-year yield minus the 13-week bill converted to bond-equivalent (^IRX "
                       "is a bank-discount quote); regime from 1-month changes of both legs",
                series=slope.rename("10y-3m (bp)"), units="bp")
    cyc = [t for t in params.cyclical if t in close.columns]
    dfn = [t for t in params.defensive if t in close.columns]
    if cyc and dfn:
        c1 = (close[cyc] / close[cyc].shift(month) - 1).mean(axis=1)
        d1 = (close[dfn] / close[dfn].shift(month) - 1).mean(axis=1)
        both = (c1 > 0) & (d1 > 0)
        tiles["Cyclicals + defensives"] = Tile(
            value=f"cyclicals {100 * c1.iloc[-1]:+.1f}%, defensives {100 * d1.iloc[-1]:+.1f}% "
                  "(1m)",
            number=float(min(c1.iloc[-1], d1.iloc[-1])),
            state="amber" if both.iloc[-1] else "green", since=streak_start(both),
            detail=f"Both baskets up over a month while the index is led elsewhere: cyclicals "
                   f"{', '.join(cyc)}; defensives {', '.join(dfn)}",
            series=(c1 - d1).rename("cyc - def 1m"), units="return")
    ew = params.equal_weight
    if ew and ew in close.columns and params.benchmark in close.columns:
        rel = (close[ew] / close[ew].shift(month)) / (close[params.benchmark] /
                                                     close[params.benchmark].shift(month)) - 1
        state = "amber" if rel.iloc[-1] > 0.02 else ("red" if rel.iloc[-1] < -0.02 else "green")
        tiles["Equal vs cap weight"] = Tile(
            value=f"{ew} vs {params.benchmark} {100 * rel.iloc[-1]:+.1f}% (1m)",
            number=float(rel.iloc[-1]), state=state,
            since=streak_start(rel > 0.02 if rel.iloc[-1] > 0 else rel < -0.02),
            detail="Equal-weight minus cap-weight 1-month return: amber when the average stock "
                   "beats the index by > 2% (rotation out of the mega caps), red when it lags "
                   "by > 2%",
            series=rel.rename(f"{ew}/{params.benchmark} 1m"), units="return")
    return RegimesView(tiles=tiles) if tiles else None

