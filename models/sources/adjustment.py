"""Keeping cached, back-adjusted Yahoo history on the adjustment of the latest download.

Yahoo's adjusted closes are back-adjusted as of the download day: a split or a dividend
rescales every earlier price of that ticker. An incremental refresh downloads only the last
days, so before pasting them onto the cache the cache must be brought onto the new basis, or
the seam shows a fake move (-75% for a 4:1 split, about -1% for a 1% dividend).

The rule (docs/data.md, "Re-adjustment"): on the overlap days, compare the fresh download with
the cache ticker by ticker. The last cached day is left out of the comparison when there are
others, because a cache written during the session holds a live price there.
- All overlap ratios fresh / cached agree within ``rtol`` and differ from 1: the adjustment
  changed; the whole cached history is multiplied by that ratio (exact for back-adjusted
  prices, where every day before the event is scaled by the same factor).
- The ratios disagree: the cached history cannot be mapped onto the new basis; the ticker's
  full history is downloaded again.
Volumes follow the same rule for splits: Yahoo's volumes are split-adjusted, so a split
rescales cached volumes by the inverse factor; a volume ratio within 1% of 1 (late prints,
dividends) leaves them as they are.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PRICE_RTOL = 1e-6
VOLUME_RTOL = 0.01


@dataclass(frozen=True)
class Readjusted:
    """The cached history on the fresh download's basis.

    close, volume: cached frames, rescaled where the adjustment changed; columns listed in
        ``refetch`` are dropped (their full history must be downloaded again).
    factors: ticker -> the factor applied to its cached prices.
    refetch: tickers whose cache disagrees with the download in a way no factor explains.
    """

    close: pd.DataFrame
    volume: pd.DataFrame
    factors: dict[str, float]
    refetch: tuple[str, ...]

    def note(self) -> str | None:
        """One line for the status bar, or None when nothing changed."""
        parts = []
        if self.factors:
            shown = ", ".join(f"{t} (x{f:.4g})" for t, f in list(self.factors.items())[:12])
            more = f" and {len(self.factors) - 12} more" if len(self.factors) > 12 else ""
            parts.append(f"re-adjusted {shown}{more} (split or dividend)")
        if self.refetch:
            parts.append(f"re-downloaded the full history of {', '.join(self.refetch[:12])}"
                         f"{' and more' if len(self.refetch) > 12 else ''} (the cache did not "
                         "match Yahoo's prices)")
        return "; ".join(parts) or None


def _common_ratio(fresh: pd.DataFrame, cached: pd.DataFrame, rtol: float):
    """Per column: (median ratio fresh/cached on the rows both hold, whether all agree)."""
    ratio = fresh / cached
    ratio = ratio.where(np.isfinite(ratio) & (ratio > 0))
    median = ratio.median()
    spread = (ratio / median - 1.0).abs().max()
    consistent = spread.isna() | (spread <= rtol)
    return median, consistent


def readjust(cached_close: pd.DataFrame, cached_volume: pd.DataFrame | None,
             fresh_close: pd.DataFrame, fresh_volume: pd.DataFrame | None,
             rtol: float = PRICE_RTOL) -> Readjusted:
    """Bring the cached history onto the basis of the fresh (overlapping) download."""
    cached_volume = (cached_volume if cached_volume is not None
                     else pd.DataFrame(index=cached_close.index, dtype=np.float64))
    tickers = cached_close.columns.intersection(fresh_close.columns)
    overlap = cached_close.index.intersection(fresh_close.index)
    if len(overlap) > 1 and overlap[-1] == cached_close.index[-1]:
        overlap = overlap[:-1]
    if len(tickers) == 0 or len(overlap) == 0:
        return Readjusted(cached_close, cached_volume, {}, ())
    median, consistent = _common_ratio(fresh_close.loc[overlap, tickers],
                                       cached_close.loc[overlap, tickers], rtol)
    refetch = tuple(t for t in tickers if not consistent[t])
    changed = median[consistent & median.notna() & ((median - 1.0).abs() > rtol)]
    close = cached_close.drop(columns=list(refetch))
    volume = cached_volume.drop(columns=[t for t in refetch if t in cached_volume.columns])
    if len(changed):
        close[changed.index] = close[changed.index] * changed
        held = changed.index.intersection(volume.columns).intersection(
            fresh_volume.columns if fresh_volume is not None else [])
        if len(held) and fresh_volume is not None:
            vol_fresh = fresh_volume.loc[overlap, held]
            vol_cached = volume.loc[overlap, held]
            vol_ratio, vol_consistent = _common_ratio(vol_fresh.where(vol_fresh > 0),
                                                      vol_cached.where(vol_cached > 0),
                                                      VOLUME_RTOL)
            split = vol_ratio[vol_consistent & ((vol_ratio - 1.0).abs() > VOLUME_RTOL)]
            if len(split):
                volume[split.index] = volume[split.index] * split
    return Readjusted(close, volume, {t: float(f) for t, f in changed.items()}, refetch)
