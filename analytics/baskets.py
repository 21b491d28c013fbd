"""Theme baskets and long/short pairs for the themes panel (docs/methods.md, "Theme baskets
and pairs")."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from analytics import formatting as fmt
from analytics.factors import basket_returns, pair_returns
from analytics.params import EngineParams
from analytics.returns import PERIODS, compounded_windows, period_returns, window_start
from analytics.snapshot import BasketsView
from analytics.stats import sigma_move, worst_since


def basket_view(close: pd.DataFrame, params: EngineParams) -> BasketsView:
    """Theme baskets (equal weight) and long/short pairs: period returns, σ, best/worst since
    (the crowding column NaN until ``with_crowding``); baskets and pairs without prices are
    left out and named."""
    priced = set(close.columns[close.notna().to_numpy().any(axis=0)])   # one pass, not 681
    missing: dict[str, str] = {}
    themes = {}
    for name, members in params.themes.items():
        if any(t in priced for t in members):
            themes[name] = members
        else:
            missing[name] = f"no prices for any of {', '.join(members)}"
    daily = basket_returns(close, themes)
    kinds = {name: "theme" for name in daily}
    pairs = []
    for pair in params.pairs:
        empty = [side for side, legs in (("long", pair.long), ("short", pair.short))
                 if not any(t in priced for t in legs)]
        if empty:
            missing[pair.name] = f"no prices for its {' and '.join(empty)} leg"
        else:
            pairs.append(pair)
            kinds[pair.name] = "pair"
    if pairs:
        daily = pd.concat([daily, pair_returns(close, pairs)], axis=1)
    levels = (1.0 + daily.fillna(0.0)).cumprod()
    table = observed_period_returns(levels, daily)
    sigma = sigma_move(daily, params.sigma_window)
    day = daily.index[-1]
    table["sigma"] = sigma.loc[day]
    table["worst_since"] = [_since_text(daily[c], day) for c in daily.columns]
    table["crowding"] = np.nan
    table["kind"] = [kinds[c] for c in daily.columns]
    return BasketsView(table=table, returns=daily, cumulative=compounded_windows(daily),
                       missing=missing)


def with_crowding(view: BasketsView, scores: dict[str, float]) -> BasketsView:
    """``view`` with its table's crowding column from ``scores`` (NaN for a name without)."""
    table = view.table.copy()
    table["crowding"] = [scores.get(c, float("nan")) for c in table.index]
    return replace(view, table=table)


def observed_period_returns(levels: pd.DataFrame, daily: pd.DataFrame) -> pd.DataFrame:
    """``period_returns`` of ``levels``, NaN for a period in which the series has no return
    at all (a missing basket day is unknown, not a flat +0.00%)."""
    table = period_returns(levels)
    seen = daily.notna()
    for period, days in PERIODS.items():
        table.loc[~seen.iloc[-days:].any().to_numpy(), period] = np.nan
    ytd = seen.loc[seen.index > window_start(seen.index, "YTD")].any()
    table.loc[~ytd.to_numpy(), "YTD"] = np.nan
    return table


def _since_text(returns: pd.Series, day) -> str:
    value = returns.get(day, np.nan)
    if fmt.missing(value):
        return fmt.NA
    return fmt.since(value, worst_since(returns, day, best=True), worst_since(returns, day))

