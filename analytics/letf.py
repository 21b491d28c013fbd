"""Leveraged and inverse ETF rebalancing flows (docs/methods.md).

A fund with daily multiple L and assets A (at yesterday's close) must trade A x L x (L - 1) x r
of its underlying at today's close after the underlying returns r: leveraged and inverse funds
both trade with the day's move. Dollars are in the underlying's currency (USD here).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics.factors import daily_returns
from analytics.params import EngineParams
from analytics.snapshot import FlowsView


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
    Returns (per fund with ``underlying_return``, ``rebalance_usd`` and ``share_of_gross``
    (|its flow| / the sum of every fund's |flow|), largest |flow| first; per underlying with
    ``rebalance_usd``, ``letf_gamma_usd_per_pct`` (``letf_gamma``: negative), ``aum``,
    ``funds``, ``pct_of_adv``).
    """
    table = funds.copy()
    table["underlying_return"] = table["underlying"].map(underlying_return).astype(float)
    table["rebalance_usd"] = rebalance_flow(table["aum"], table["leverage"],
                                            table["underlying_return"])
    table["gamma_usd_per_pct"] = letf_gamma(table["aum"], table["leverage"])
    size = table["rebalance_usd"].abs()
    gross = size.sum()
    table["share_of_gross"] = size / gross if gross > 0 else np.nan
    table = table.iloc[np.argsort(-size.fillna(-1.0).to_numpy(), kind="stable")]
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


def flows_view(market, params: EngineParams) -> FlowsView | None:
    """Today's rebalancing of every leveraged fund with prices and known assets (yesterday's
    share count x close, else the fund's reported assets), per fund and per underlying, with
    the configured multiple checked against a 60-day regression (docs/methods.md)."""
    close = market.close
    funds = [f for f in params.leveraged_etfs if f.ticker in close.columns
             and f.underlying in close.columns]
    if not funds or len(close) < 2:
        return None
    tickers = [f.ticker for f in funds]
    underlyings = list(dict.fromkeys(f.underlying for f in funds))
    returns = daily_returns(close[list(dict.fromkeys(tickers + underlyings))])
    shares = getattr(market, "shares_outstanding", None)
    assets = getattr(market, "fund_assets", None)
    aum = pd.Series(np.nan, index=tickers)
    if shares is not None:
        held = [t for t in tickers if t in shares.columns]
        aum[held] = (shares[held] * close[held]).iloc[-2]
    if assets is not None:
        aum = aum.fillna(assets.reindex(tickers))
    paired = pd.DataFrame({f.ticker: returns[f.underlying] for f in funds})
    implied = implied_leverage(returns[tickers], paired).iloc[-1]
    table = pd.DataFrame({"underlying": [f.underlying for f in funds],
                          "leverage": [float(f.multiple) for f in funds],
                          "aum": aum.to_numpy()}, index=tickers)
    missing = tuple(t for t in tickers if not np.isfinite(aum[t]))
    table = table.drop(index=list(missing))
    today = returns[underlyings].iloc[-1]
    adv, basis, adv_total, adv_names = underlying_adv(market, underlyings,
                                                      params.underlying_stocks)
    fund_rows, by_underlying = flow_table(table, today, adv)
    by_underlying["adv_basis"] = basis.reindex(by_underlying.index)
    fund_rows.insert(2, "implied_leverage", implied.reindex(fund_rows.index))
    fund_rows.insert(3, "leverage_flag",
                     (fund_rows["implied_leverage"] - fund_rows["leverage"]).abs() > 0.2)
    return FlowsView(funds=fund_rows, by_underlying=by_underlying, returns=today, adv=adv,
                     total_usd=float(fund_rows["rebalance_usd"].sum()), missing=missing,
                     adv_total=adv_total, adv_names=adv_names)


ADV_DAYS = 21



def underlying_adv(market, underlyings: list[str],
                   stocks: Mapping[str, tuple[str, ...]]) -> tuple[pd.Series, pd.Series, float,
                                                                   int]:
    """Average daily dollar volume over the ``ADV_DAYS`` sessions before today, per
    underlying, and what it measures (docs/methods.md, "Leveraged-ETF rebalancing"): for an
    ETF with a stock list, the summed dollar volume of its stocks in the data (the funds'
    swap hedges trade the stocks, and SOXX's own volume is a small fraction of theirs); for a
    single stock or an ETF without a list, its own dollar volume. NaN without volume. Also the
    ADV of every name behind them counted once (the radar's denominator) and their number."""
    close, volume = market.close, getattr(market, "volume", None)
    adv = pd.Series(np.nan, index=underlyings, dtype=float)
    basis = pd.Series("no volume", index=underlyings, dtype=object)
    if volume is None:
        return adv, basis, float("nan"), 0
    window = slice(-ADV_DAYS - 1, -1)
    # Positive dollar volume over the window only (the rest of the history is not needed),
    # and which names traded in it, each computed once for the whole panel.
    dollars = volume.reindex(columns=close.columns).iloc[window] * close.iloc[window]
    dollars = dollars.where(dollars > 0)
    traded = dollars.notna().any()
    behind: dict[str, None] = {}            # every name measured, once, in order
    for name in underlyings:
        held = [t for t in stocks.get(name, ()) if traded.get(t, False)]
        if held:
            adv[name] = float(dollars[held].sum(axis=1, min_count=1).mean())
            basis[name] = f"{len(held)} stocks"
            behind.update(dict.fromkeys(held))
        elif name in dollars.columns:
            adv[name] = float(dollars[name].mean())
            basis[name] = "own volume" if np.isfinite(adv[name]) else "no volume"
            if np.isfinite(adv[name]):
                behind[name] = None
    if not behind:
        return adv, basis, float("nan"), 0
    total = dollars[list(behind)].sum(axis=1, min_count=1)
    return adv, basis, float(total.mean()), len(behind)

