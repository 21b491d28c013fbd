"""Regional flows: each region in local currency and USD, its week against history, and the
ETF creations behind it (docs/methods.md, "Regime tiles" and "ETF flows")."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import formatting as fmt
from analytics.cleaning import gap_returns
from analytics.flows import implied_flows, period_flows
from analytics.params import EngineParams
from analytics.regimes import trailing_since
from analytics.returns import period_returns
from analytics.snapshot import RegionsView

WEEK_WORDS = "5 sessions in USD"     # the window and currency the week judgement is about



def _usd_levels(close: pd.DataFrame, region) -> tuple[pd.Series | None, pd.Series | None]:
    """(local level, USD level) of a region's index; its ETF when it has no index."""
    if region.index and region.index in close.columns:
        local = close[region.index].ffill()
        if region.currency and region.currency in close.columns:
            fx = close[region.currency].reindex(local.index).ffill()
            usd = local * fx if region.currency_is_usd_per_local else local / fx
        else:
            usd = local
        return local, usd
    if region.etf and region.etf in close.columns:
        level = close[region.etf].ffill()
        return level, level
    return None, None


def _week_words(usd: pd.Series, breaks: pd.Series) -> str:
    """'worst 5 sessions in USD since ...': the judgement of the 1w $ column itself (same
    window, same currency, same sign)."""
    info = trailing_since(usd, 5, breaks)
    return fmt.since(info["return"], info["best_since"], info["worst_since"], WEEK_WORDS,
                     info["history_start"])


def regions_view(market, params: EngineParams) -> RegionsView | None:
    """One row per region: level, local and USD returns, the last 5 sessions in USD against
    history, implied ETF flows; the US vs non-US split of ETF creations."""
    close = market.close
    shares = getattr(market, "shares_outstanding", None)
    etfs = [r.etf for r in params.regions if r.etf and r.etf in close.columns]
    flows, since = pd.DataFrame(), None       # ETF -> period -> implied flow, USD
    if shares is not None and etfs:
        held = [t for t in etfs if t in shares.columns]
        if held:
            flows = period_flows(implied_flows(shares[held], close[held]))
            first = shares[held].apply(pd.Series.first_valid_index).dropna()
            since = first.min() if len(first) and first.min() > close.index[0] else None
    rows = {}
    for region in params.regions:
        local, usd = _usd_levels(close, region)
        if local is None or usd is None:
            continue
        table = period_returns(pd.concat({"local": local, "usd": usd}, axis=1))
        shown = region.index if region.index in close.columns else region.etf
        own = close[shown]
        breaks = gap_returns(usd[own.notna()]).isna().iloc[1:]
        has_flows = region.etf in flows.index
        row = {"index": shown if shown == region.index else f"{shown} (ETF, USD)",
               "level": float(local.iloc[-1]),
               "1d": table.loc["local", "1d"], "1w": table.loc["local", "1w"],
               "1m": table.loc["local", "1m"], "YTD": table.loc["local", "YTD"],
               "1d USD": table.loc["usd", "1d"], "1w USD": table.loc["usd", "1w"],
               "1m USD": table.loc["usd", "1m"], "YTD USD": table.loc["usd", "YTD"],
               "week vs history": _week_words(usd, breaks),
               "etf": region.etf or "",
               "flows 1w": flows.loc[region.etf, "1w"] if has_flows else np.nan,
               "flows 1m": flows.loc[region.etf, "1m"] if has_flows else np.nan,
               "flows YTD": flows.loc[region.etf, "YTD"] if has_flows else np.nan,
               "flows 1y": flows.loc[region.etf, "1y"] if has_flows else np.nan,
               "domestic": bool(region.domestic)}
        rows[region.name] = row
    if not rows:
        return None
    table = pd.DataFrame.from_dict(rows, orient="index")
    domestic = table["domestic"].astype(bool)
    split = {side: {p: float(table.loc[mask, f"flows {p}"].sum(min_count=1))
                    for p in ("1m", "YTD", "1y")}
             for side, mask in (("us", domestic), ("non_us", ~domestic))}
    return RegionsView(table=table, flows_us=split["us"], flows_non_us=split["non_us"],
                       flows_since=since)

