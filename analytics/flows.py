"""ETF creations and redemptions implied by shares outstanding (docs/methods.md)."""
from __future__ import annotations

import pandas as pd

SPLIT_JUMP = 1.8


def implied_flows(shares_outstanding: pd.DataFrame, prices: pd.DataFrame,
                  lag: int = 1) -> pd.DataFrame:
    """Daily creations (+) / redemptions (-) in dollars: (SO_t - SO_prev) x P_t.

    * Duplicate dates keep the last report; missing share reports carry the last count, so a
      change is booked on the day it is first reported.
    * A day-on-day change of the share count by 1.8x or more (either way) is a split or reverse
      split, not a flow: it books nothing and earlier counts are rescaled by the ratio into
      today's share units, matching split-adjusted closes (Yahoo's adjusted prices).
    * ``lag``: creations struck on T usually appear in the count published for T+1, so by
      default the flow is attributed to the previous trading day (docs/methods.md); 0 books it on the
      day the count changed. Dates follow ``prices``; the last ``lag`` rows are NaN (unknown).
    """
    so = shares_outstanding[~shares_outstanding.index.duplicated(keep="last")].sort_index()
    so = so.where(so > 0)
    so = so.reindex(prices.index.union(so.index)).ffill().reindex(prices.index)
    so = so.reindex(columns=prices.columns)
    ratio = so / so.shift(1)
    split = (ratio >= SPLIT_JUMP) | (ratio <= 1 / SPLIT_JUMP)
    factor = ratio.where(split, 1.0).fillna(1.0)
    # Express every count in today's share units: divide by the product of later split ratios.
    later = factor[::-1].cumprod()[::-1].shift(-1).fillna(1.0)
    adjusted = so * later
    flows = (adjusted - adjusted.shift(1)) * prices
    flows = flows.where(~split, 0.0)
    return flows.shift(-lag) if lag else flows


def period_flows(flows: pd.DataFrame, days: dict[str, int] | None = None,
                 ytd: bool = True) -> pd.DataFrame:
    """Sum of daily flows over the last N days (and year to date) per ETF, in dollars."""
    days = days or {"1w": 5, "1m": 21, "1y": 252}
    known = flows.loc[: flows.dropna(how="all").index[-1]] if flows.notna().any().any() else flows
    out = {name: known.iloc[-n:].sum(min_count=1) for name, n in days.items()}
    if ytd and len(known):
        year = known.index[-1].year
        out["YTD"] = known.loc[known.index.year == year].sum(min_count=1)
    return pd.DataFrame(out)
