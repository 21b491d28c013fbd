"""Leveraged and inverse ETF rebalancing flows (docs/methods.md).

A fund with daily multiple L and assets A (at yesterday's close) must trade A x L x (L - 1) x r
of its underlying at today's close after the underlying returns r: leveraged and inverse funds
both trade with the day's move. Dollars are in the underlying's currency (USD here).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def rebalance_flow(aum, leverage, underlying_return):
    """End-of-day rebalance in dollars, A x L x (L - 1) x r (negative = selling).

    Scalars, numpy arrays or pandas objects (broadcast as numpy / aligned as pandas).
    """
    return aum * leverage * (leverage - 1.0) * underlying_return


def letf_gamma(aum, leverage):
    """The funds' gamma exposure in dollars per 1% move, in the dealer-GEX sign convention
    (positive = trades against the move, negative = with it): -A x L x (L - 1) x 1%, never
    positive. A fund buys A x L x (L - 1) x 1% after a +1% day and sells it after a -1% day:
    a short-gamma hedger. Per fund (broadcast like ``rebalance_flow``)."""
    return -rebalance_flow(aum, leverage, 0.01)


def gross_share(by_underlying: pd.DataFrame, adv_total: float) -> float:
    """Σ |rebalance| over the underlyings whose ADV is known, divided by ``adv_total`` (the
    dollar volume of every name behind them, each once); NaN when either is unknown."""
    known = by_underlying["pct_of_adv"].notna()
    if not known.any() or not adv_total > 0:
        return float("nan")
    return float(by_underlying.loc[known, "rebalance_usd"].abs().sum() / adv_total)


def implied_leverage(etf_returns: pd.DataFrame | pd.Series, underlying_returns,
                     window: int = 60) -> pd.DataFrame | pd.Series:
    """Rolling OLS slope of the fund's daily return on its underlying's over ``window`` days
    (including today; all days required). Compare with the configured multiple: |L^ - L| > 0.2
    suggests the table is out of date (single-stock funds changed multiples after launch).

    ``etf_returns`` and ``underlying_returns`` share their shape (one column per fund, each
    paired with its own underlying's returns) or are two Series.
    """
    x = underlying_returns
    y = etf_returns
    both = x.notna() & y.notna()
    x, y = x.where(both), y.where(both)
    mean_x = x.rolling(window, min_periods=window).mean()
    mean_y = y.rolling(window, min_periods=window).mean()
    cov = (x * y).rolling(window, min_periods=window).mean() - mean_x * mean_y
    var = (x * x).rolling(window, min_periods=window).mean() - mean_x * mean_x
    return cov / var.where(var > 0)


def flow_table(funds: pd.DataFrame, underlying_return: pd.Series,
               adv: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-fund and per-underlying rebalancing for the given underlying returns.

    ``funds``: index = fund ticker, columns ``underlying``, ``leverage``, ``aum`` (USD).
    ``underlying_return``: underlying ticker -> return (fraction) to apply.
    ``adv``: underlying ticker -> average daily dollar volume, for the flow as % of ADV.
    Returns (per fund with ``underlying_return`` and ``rebalance_usd``; per underlying with
    ``rebalance_usd``, ``letf_gamma_usd_per_pct`` (``letf_gamma``: negative), ``aum``,
    ``funds``, ``pct_of_adv``).
    """
    table = funds.copy()
    table["underlying_return"] = table["underlying"].map(underlying_return).astype(float)
    table["rebalance_usd"] = rebalance_flow(table["aum"], table["leverage"],
                                            table["underlying_return"])
    table["gamma_usd_per_pct"] = letf_gamma(table["aum"], table["leverage"])
    grouped = table.groupby("underlying", sort=False)
    by_underlying = pd.DataFrame({
        "rebalance_usd": grouped["rebalance_usd"].sum(min_count=1),
        "letf_gamma_usd_per_pct": grouped["gamma_usd_per_pct"].sum(min_count=1),
        "aum": grouped["aum"].sum(min_count=1),
        "funds": grouped.size(),
    })
    if adv is not None:
        by_underlying["pct_of_adv"] = by_underlying["rebalance_usd"].abs() / \
            adv.reindex(by_underlying.index).where(lambda v: v > 0)
    else:
        by_underlying["pct_of_adv"] = np.nan
    return table, by_underlying
