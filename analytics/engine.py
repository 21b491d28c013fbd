"""The one entry point from market data to everything the panels show: ``compute``, a short
list of steps (clean, returns once, then one view per domain module, then the radar and the
event study). The snapshot's schema is ``analytics.snapshot``; the maths is in the domain
modules (docs/architecture.md)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from analytics.baskets import basket_view, with_crowding
from analytics.cleaning import reversed_spikes
from analytics.crowding import crowding_view
from analytics.dispersion import dispersion_view
from analytics.events import event_study
from analytics.factors import daily_returns, membership_mask, rolling_beta
from analytics.gamma import gamma_view
from analytics.intraday import IntradayBasis
from analytics.letf import flows_view
from analytics.momentum import momentum_view
from analytics.params import EngineParams
from analytics.radar import assess
from analytics.regimes import regime_view
from analytics.regions import regions_view
from analytics.returns import WINDOWS, cumulative_returns, period_returns, window_start
from analytics.snapshot import Overview, Snapshot
from analytics.threads import executor

__all__ = ["EngineParams", "Snapshot", "compute"]


def intraday_baskets(momentum, params: EngineParams) -> dict[str, tuple]:
    """The series of the intraday chart as (long members, short members): today's momentum
    deciles and beta quintiles, the benchmark, and the AI pair (the first pair named "AI...")."""
    held = momentum.held
    baskets = {"Momentum L/S": (held["long"], held["short"]), "Long leg": (held["long"], ()),
               "Short leg": (held["short"], ()),
               "High beta L/S": (held["high_beta"], held["low_beta"]),
               params.benchmark: ((params.benchmark,), ())}
    pair = next((p for p in params.pairs if p.name.startswith("AI")), None)
    if pair is not None:
        baskets[pair.name] = (tuple(pair.long), tuple(pair.short))
    return baskets


def market_views(market, params: EngineParams) -> dict[str, Any]:
    """The views of the funds, options and regions, from the market's own closes."""
    flows = flows_view(market, params)
    return {"flows": flows, "gamma": gamma_view(market, params, flows),
            "regions": regions_view(market, params)}


def compute(market, params: EngineParams | None = None, threads: int = 1,
            early: Callable[[Snapshot], None] | None = None) -> Snapshot:
    """Compute a Snapshot from a MarketData (duck-typed: close, as_of, source, simulated,
    notes); the market's notes lead the snapshot's notes. The independent parts run on
    ``threads`` threads (``analytics.threads``; the export uses 2; 1, one after another, gives
    the same result).
    ``early(snapshot)`` is called once, as soon as they exist, with a snapshot of the
    ``analytics.snapshot.EARLY_VIEWS`` alone (the returned snapshot holds the same objects),
    on whichever thread finished them; the export's renderers draw their panels while the
    rest is computed."""
    params = params or EngineParams()
    with executor(threads) as pool:
        return _compute(market, params, pool, early)


def _compute(market, params: EngineParams, pool: Executor,
             early: Callable[[Snapshot], None] | None) -> Snapshot:
    close = market.close
    by_market = pool.submit(market_views, market, params)
    notes: list[str] = list(getattr(market, "notes", ()))
    wanted = [params.benchmark, *params.sector_etfs]
    tickers = [t for t in wanted if t in close.columns]
    missing = [t for t in wanted if t not in close.columns]
    if missing:
        notes.append(f"no data for {', '.join(missing)}")
    prices = close[tickers]
    table = period_returns(prices)
    labels = {params.benchmark: params.benchmark_name, **params.sector_etfs}
    table.insert(0, "name", [labels.get(t, t) for t in table.index])
    cumulative = {w: cumulative_returns(prices, window_start(prices.index, w)) for w in WINDOWS}
    overview = Overview(returns=table, cumulative=cumulative)

    def snapshot(views: dict[str, Any]) -> Snapshot:
        return Snapshot(as_of=pd.Timestamp(market.as_of), source=market.source,
                        as_of_time=getattr(market, "as_of_time", None),
                        delay_minutes=getattr(market, "delay_minutes", 0),
                        simulated=market.simulated, benchmark=params.benchmark,
                        overview=overview, computed_at=dt.datetime.now(), notes=tuple(notes),
                        benchmark_proxy=getattr(market, "benchmark_proxy", None), **views)

    members = [t for t in params.constituents if t in close.columns and t != params.benchmark]
    with_members = params.benchmark in close.columns and len(members) >= 10
    if with_members:
        names = list(dict.fromkeys(members + [t for m in params.themes.values() for t in m
                                              if t in close.columns]))
        prints = reversed_spikes(close[names])
        notes.extend(prints.notes())
        if len(prints.excluded):            # only the excluded names' columns change
            changed = list(dict.fromkeys(prints.excluded["ticker"]))
            close = close.copy(deep=False)
            close[changed] = prints.prices[changed]
    regimes = regime_view(close, params)
    if early is not None:                   # on the pool's thread, after the market views
        told = pool.submit(lambda: early(snapshot({**by_market.result(), "regimes": regimes})))
    views: dict[str, Any] = {}
    if with_members:
        bench = close[params.benchmark]
        bench_r = bench / bench.shift(1) - 1.0
        returns = daily_returns(prints.prices)          # close[names], without a copy
        returns[prints.broken] = np.nan
        member_returns = returns[members] if len(members) < len(names) else returns
        if params.membership:
            mask = membership_mask(close.index, pd.Index(members), params.membership)
            member_returns = member_returns.where(mask)
            notes.append(f"point-in-time members: {int(mask[-1].sum())} on "
                         f"{close.index[-1]:%Y-%m-%d}, {int(mask.any(axis=0).sum())} over the "
                         "history in the data (a name counts only while it is in the index)")
        panel = prints.prices           # one block of names: selections from it are cheap
        spread = pool.submit(dispersion_view, panel, members, bench, bench_r, member_returns,
                             params)
        themes = pool.submit(basket_view, close, params)
        beta = rolling_beta(returns, bench_r)
        provisional = tuple((r.ticker, r.ret) for r in prints.provisional.itertuples()
                            if r.ticker in members)
        mom, long_mask, short_mask = momentum_view(panel, members, bench, bench_r, beta,
                                                   member_returns, params, provisional)
        gauges = crowding_view(panel, bench_r, beta, returns, mom.factor["long_short"],
                               long_mask, short_mask, params, pool)
        scores = {k: v.score for k, v in gauges.gauges.items()}
        views = {"momentum": mom, "crowding": gauges,
                 "baskets": with_crowding(themes.result(), scores),
                 "dispersion": spread.result()}
    views.update(by_market.result())
    views["regimes"] = regimes
    views["radar"] = assess({**views, "benchmark": params.benchmark,
                             "as_of": pd.Timestamp(market.as_of)})
    intraday = getattr(market, "intraday", None)
    partial = getattr(market, "as_of_time", None) is not None
    if views.get("momentum") is not None and (partial or intraday is not None) and len(close) > 1:
        basis = IntradayBasis.build(intraday_baskets(views["momentum"], params), close.iloc[-2],
                                    float(views["momentum"].vol.iloc[-1]))
        views["intraday_basis"] = basis
        if intraday is not None:
            views["intraday"] = basis.view(intraday, getattr(market, "as_of_time", None))
    if views.get("momentum") is not None:
        views["events"] = event_study(views["momentum"].factor["long_short"],
                                      market=close[params.benchmark])
    baskets = views.get("baskets")
    if baskets is not None and baskets.missing:
        notes.append("left out of themes & pairs for lack of data: " + "; ".join(
            f"{name} ({why})" for name, why in baskets.missing.items()))
    if views["flows"] is not None and views["flows"].missing:
        notes.append(f"no assets for {', '.join(views['flows'].missing)}: left out of the "
                     "leveraged-ETF flows")
    if params.constituents and "momentum" not in views:
        notes.append("momentum, dispersion and crowding need the benchmark and at least 10 "
                     "constituents")
    if early is not None:
        told.result()                       # its error, if it had one, is this one's
    return snapshot(views)
