"""The momentum view: the decile long/short, who moved it, and today's figures."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.factors import high_beta_with_legs, leg_attribution, momentum_with_legs
from analytics.params import EngineParams
from analytics.radar import WORST_IN_DAYS
from analytics.returns import compounded_windows
from analytics.snapshot import NEUTRAL_WORDS, LegReading, MomentumToday, MomentumView, RecentWorst
from analytics.stats import drawdown, sigma_move, trailing_vol, worst_in, worst_since

RECENT_DAYS = 10


def describe_legs(long_ex: float, short_ex: float, sigma: float,
                  neutral: str = NEUTRAL_WORDS, worst_in_year: bool = False) -> LegReading:
    """Who moved the momentum long/short today, as a ``LegReading`` with its words.

    ``long_ex`` / ``short_ex``: each leg's return minus the neutral portfolio named by
    ``neutral`` (docs/methods.md, "Who sold"). A move is unusual at |σ| >= 2, or when it is
    the worst day in a year (``worst_in_year``, which the radar lights whatever the σ)."""
    share = leg_attribution(long_ex, short_ex)
    spread = long_ex - short_ex
    if not worst_in_year and (not np.isfinite(sigma) or abs(sigma) < 2):
        return LegReading("none", "none", share, "no unusual momentum move today")
    direction = "unwind" if spread < 0 else "rally"
    if share is None:
        return LegReading(direction, "same_way", share, f"momentum {direction}: both legs "
                          f"moved the same way versus {neutral}")
    if share >= 0.6:
        driver = "long"
        who = "long-side de-grossing (winners sold)" if spread < 0 else "winners bought"
    elif share <= 0.4:
        driver = "short"
        who = "short covering (losers squeezed)" if spread < 0 else "losers sold"
    else:
        driver = "both"
        who = ("both legs: winners sold and losers bought" if spread < 0
               else "both legs: winners bought and losers sold")
    return LegReading(direction, driver, share, f"momentum {direction}: {who}, long leg "
                      f"{share:.0%} of the move vs {neutral}")


CONTRIBUTOR_COLUMNS = ("leg", "sector", "weight", "return", "contribution", "momentum_rank")


def leg_contributors(prices: pd.DataFrame, returns: pd.DataFrame, long_mask: pd.DataFrame,
                     short_mask: pd.DataFrame, day, sectors=None, lookback: int = 252,
                     skip: int = 21) -> pd.DataFrame:
    """Who moved each leg on ``day`` (docs/methods.md, "Who sold"): one row per leg member
    (index: ticker) with its ``leg`` ("long" / "short"), GICS ``sector``, ``weight`` (1/n:
    the legs are equal-weighted), ``return`` (fraction), ``contribution`` (weight x return: a
    leg's contributions sum to its return) and ``momentum_rank`` (1 = the strongest 12-1
    return among the names ranked that day); biggest |contribution| first within each leg."""
    sectors = sectors or {}
    p = prices.loc[:day]
    if len(p) <= lookback:
        return pd.DataFrame(columns=list(CONTRIBUTOR_COLUMNS))
    signal = p.iloc[-1 - skip] / p.iloc[-1 - lookback] - 1.0
    today = returns.loc[day]
    ranked = signal.where(np.isfinite(signal) & np.isfinite(today)).dropna()
    rank = ranked.rank(ascending=False, method="first").astype(int)
    parts = []
    for leg, mask in (("long", long_mask), ("short", short_mask)):
        members = mask.columns[mask.loc[day].to_numpy(dtype=bool)]
        r = today[members]
        part = pd.DataFrame({"leg": leg, "sector": [sectors.get(t, "n/a") for t in members],
                             "weight": 1.0 / len(members) if len(members) else np.nan,
                             "return": r, "contribution": r / len(members) if len(members)
                             else r, "momentum_rank": rank.reindex(members)}, index=members)
        parts.append(part.reindex(part["contribution"].abs().sort_values(ascending=False)
                                  .index))
    out = pd.concat(parts)
    out.index.name = "ticker"
    return out


def momentum_view(close: pd.DataFrame, members: list[str], bench: pd.Series,
                  bench_r: pd.Series, beta: pd.DataFrame, returns: pd.DataFrame,
                  params: EngineParams, provisional: tuple[tuple[str, float], ...] = ()
                  ) -> tuple[MomentumView, pd.DataFrame, pd.DataFrame]:
    """The decile 12-1 momentum long/short of ``members`` with its legs against the neutral
    and the benchmark, high beta, σ and today's figures in words (docs/methods.md, "Momentum
    factor", "Who sold"); also the long and short membership masks (for crowding).
    ``provisional``: (ticker, return) of today's member prints that may be bad."""
    prices = close[members]
    factor, long_mask, short_mask = momentum_with_legs(prices, quantile=params.momentum_quantile,
                                                       returns=returns)
    factor["long_excess"] = factor["long"] - factor["neutral"]
    factor["short_excess"] = factor["short"] - factor["neutral"]
    factor["long_vs_benchmark"] = factor["long"] - bench_r
    factor["short_vs_benchmark"] = factor["short"] - bench_r
    beta_factor, high, low = high_beta_with_legs(prices, bench, beta=beta, returns=returns)
    factor["high_beta"] = beta_factor["long_short"]
    ls = factor["long_short"]
    vol = trailing_vol(ls, params.sigma_window)
    sigma = ls / vol.where(vol > 0)              # sigma_move, keeping the vol for the bands
    day = ls.last_valid_index()
    today = MomentumToday(provisional=provisional)
    legs = LegReading("none", "none", None,
                      "not enough history for a 12-1 momentum signal (needs 252 days)")
    if day is not None:
        row = factor.loc[day]
        since = worst_since(ls, day)
        severe = bool(row["long_short"] < 0 and
                      worst_in(ls.loc[:day], WORST_IN_DAYS["amber"]).iloc[-1])
        legs = describe_legs(row["long_excess"], row["short_excess"], sigma.loc[day],
                             worst_in_year=severe)
        recent = ls.loc[:day].iloc[-RECENT_DAYS:]
        worst_day = recent.idxmin()
        today = MomentumToday(
            day=day, long_short=row["long_short"], long=row["long"], short=row["short"],
            neutral=row["neutral"], long_excess=row["long_excess"],
            short_excess=row["short_excess"], long_vs_benchmark=row["long_vs_benchmark"],
            short_vs_benchmark=row["short_vs_benchmark"], benchmark=bench_r.loc[day],
            sigma=sigma.loc[day], high_beta=row["high_beta"],
            high_beta_sigma=sigma_move(factor["high_beta"], params.sigma_window).loc[day],
            long_share=legs.long_share,
            long_share_vs_benchmark=leg_attribution(row["long_vs_benchmark"],
                                                    row["short_vs_benchmark"]),
            worst_since=since, best_since=worst_since(ls, day, best=True),
            on_record=since is None, history_start=ls.first_valid_index(),
            recent=RecentWorst(day=worst_day, long_short=recent.min(),
                               sigma=sigma.loc[worst_day],
                               worst_since=worst_since(ls, worst_day)),
            provisional=provisional)
    chart = factor[["long_short", "long_excess", "short_excess", "high_beta"]]
    contributors = leg_contributors(prices, returns, long_mask, short_mask, day,
                                    params.sectors) if day is not None else pd.DataFrame()
    names = np.asarray(members)
    held = {leg: tuple(names[np.asarray(mask)[-1]].tolist()) for leg, mask in (
        ("long", long_mask), ("short", short_mask), ("high_beta", high), ("low_beta", low))}
    view = MomentumView(factor=factor, sigma=sigma, drawdown=drawdown(ls), today=today,
                        legs=legs, cumulative=compounded_windows(chart),
                        contributors=contributors, vol=vol, held=held)
    return view, long_mask, short_mask

