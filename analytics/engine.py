"""The one entry point from market data to everything the panels show: ``compute``."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics import crowding as crowd
from analytics import formatting as fmt
from analytics.cleaning import gap_returns, reversed_spikes
from analytics.dispersion import (advance_decline, breadth, dispersion_ratio,
                                  realized_average_correlation)
from analytics.factors import (basket_returns, daily_returns, high_beta, leg_attribution,
                               membership_mask, momentum_with_legs, rolling_beta)
from analytics.gamma import (clean_chain, continuous_rate, default_grid, flip_uncertainty,
                             gex_by_strike, gex_profile, parity_spot, zero_gamma_level)
from analytics.events import EventStudy, event_study
from analytics.flows import implied_flows, period_flows
from analytics.radar import TIMELINE_DAYS, WORST_IN_DAYS, Radar, assess
from analytics.letf import flow_table, implied_leverage
from analytics.regimes import (bill_to_bond_equivalent, curve_regime,
                               rolling_correlation_flip, streak_start, trailing_since)
from analytics.regimes import period_returns as regime_periods
from analytics.returns import (PERIODS, WINDOWS, cumulative_returns, period_returns,
                               window_start)
from analytics.stats import drawdown, percentile_rank, sigma_move, worst_in, worst_since


RECENT_DAYS = 10


@dataclass(frozen=True)
class EngineParams:
    """What ``compute`` needs to know about the universe (analytics never imports models)."""

    benchmark: str = "SPY"
    benchmark_name: str = "SPY"
    sector_etfs: Mapping[str, str] = field(default_factory=dict)   # ETF -> GICS sector
    constituents: tuple[str, ...] = ()
    themes: Mapping[str, list[str]] = field(default_factory=dict)
    pairs: tuple = ()                    # objects with name, long, short (ticker tuples)
    sigma_window: int = 63
    dispersion_start: str = "2023-01-01"
    momentum_quantile: float = 0.1
    leveraged_etfs: tuple = ()           # objects with ticker, underlying, multiple
    option_underlyings: tuple[str, ...] = ()
    dividend_yields: Mapping[str, float] = field(default_factory=dict)   # underlying -> yield
    default_rate: float = 0.04           # when the 13-week bill is not in the data
    underlying_stocks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # ETF underlying -> the stocks its leveraged funds' hedges trade (their dollar volume is the
    # "% of ADV" denominator; an underlying without a list is measured by its own volume)
    membership: tuple = ()               # stays (ticker, start, end): point-in-time members;
                                         # empty = the constituents on every day
    short_rate: str = "^IRX"             # 13-week bill, percent, bank-discount basis
    long_rate: str = "^TNX"              # 10-year yield, percent
    regions: tuple = ()                  # objects with name, index, etf, currency, domestic
    metals: tuple[str, ...] = ()
    cyclical: tuple[str, ...] = ()
    defensive: tuple[str, ...] = ()
    equal_weight: str | None = None      # equal-weight S&P ETF (RSP) for breadth rotation


@dataclass(frozen=True)
class Overview:
    """Benchmark and sector ETFs. returns: rows = tickers, columns name, 1d, 1w, 1m, YTD
    (fractions); cumulative: chart window -> cumulative return since its start."""

    returns: pd.DataFrame
    cumulative: dict[str, pd.DataFrame]


@dataclass(frozen=True)
class MomentumView:
    """Decile momentum long/short and high-beta factor, and who moved it.

    factor: daily returns (fractions): long, short, long_short, neutral (the equal-weighted
    mean of the ranked constituents), long_excess, short_excess (legs minus the neutral: the
    reading), long_vs_benchmark, short_vs_benchmark (legs minus the benchmark: the second line),
    high_beta (high minus low beta). sigma: long_short / trailing 63-day std. drawdown:
    compounded long/short drawdown. today: the last day's figures (long_share: share of the
    long/short move from the long leg against the neutral, long_share_vs_benchmark the same
    against the benchmark; None when both legs moved the same way) and ``recent``: the worst
    long/short day of the last 10 sessions.
    """

    factor: pd.DataFrame
    sigma: pd.Series
    drawdown: pd.Series
    today: dict[str, Any]
    reading: str
    cumulative: dict[str, pd.DataFrame] = field(default_factory=dict)   # window -> compounded


@dataclass(frozen=True)
class BasketsView:
    """Themes and pairs: table rows (1d, 1w, 1m, YTD returns as fractions, sigma, worst_since,
    crowding 0-100, kind) and daily returns for the chart."""

    table: pd.DataFrame
    returns: pd.DataFrame
    cumulative: dict[str, pd.DataFrame] = field(default_factory=dict)   # window -> compounded
    missing: dict[str, str] = field(default_factory=dict)   # left out: name -> why


@dataclass(frozen=True)
class DispersionView:
    ratio: pd.Series                 # 5-day dispersion ratio (x)
    ratio_percentile: pd.Series      # 0-100 within [start, t]
    breadth: pd.Series               # fraction beating the benchmark (0..1)
    breadth_percentile: pd.Series
    benchmark_return: pd.Series      # the benchmark's daily return (for "falling index")
    correlation: pd.Series           # average correlation from 21-day realized vols
    start: pd.Timestamp
    today: dict[str, Any]


@dataclass(frozen=True)
class CrowdingView:
    """name -> Crowding.latest() dict (score, band, z per component, available, values);
    momentum_score: the momentum gauge of every day (for the radar's history)."""

    gauges: dict[str, dict]
    momentum_score: pd.Series | None = None


@dataclass(frozen=True)
class FlowsView:
    """Leveraged-ETF rebalancing into today's close.

    funds: per fund (index ticker): underlying, leverage, implied_leverage (60-day slope),
    leverage_flag (|L^ - L| > 0.2), aum (USD at yesterday's close), underlying_return,
    rebalance_usd, gamma_usd_per_pct. by_underlying: rebalance_usd, letf_gamma_usd_per_pct,
    aum, funds, pct_of_adv, adv_basis (what the ADV measures: "21 stocks", "own volume").
    returns: underlying -> today's return (the what-if baseline); adv: underlying -> 21-day
    average dollar volume; adv_total: the same for every distinct stock or underlying behind
    them once (NVDA counts once, not in SPY, QQQ, XLK and SOXX each).
    """

    funds: pd.DataFrame
    by_underlying: pd.DataFrame
    returns: pd.Series
    adv: pd.Series
    total_usd: float
    missing: tuple[str, ...] = ()
    adv_total: float = float("nan")
    adv_names: int = 0                # how many names adv_total sums


@dataclass(frozen=True)
class GammaView:
    """Dealer gamma per option underlying: name -> dict(spot, by_strike, profile,
    zero_gamma_level, dealer_gex_usd_per_pct, letf_gamma_usd_per_pct, net_usd_per_pct,
    dropped, contracts, reading, and the inputs: quote_date, spot_source, rate (continuous),
    rate_source, dividend_yield, dividend_source, uncertain (why the sign is not resolved, or
    None)). rate: the latest 13-week bill, bond-equivalent (NaN without it)."""

    underlyings: dict[str, dict]
    rate: float


@dataclass(frozen=True)
class RegionsView:
    """One row per region: level, returns (local and USD, fractions), best/worst week since,
    implied ETF flows (USD; NaN = no shares outstanding); and the US vs non-US YTD split."""

    table: pd.DataFrame
    flows_us: dict[str, float]        # period ("1m", "YTD", "1y") -> domestic ETF flows, USD
    flows_non_us: dict[str, float]    # the same for the foreign regions' ETFs
    weekly_usd: pd.DataFrame          # weekly USD returns per region (for the chart)
    flows_since: pd.Timestamp | None = None   # share counts start later than the prices: the
                                              # flows are summed from this date only


@dataclass(frozen=True)
class RegimesView:
    """Regime tiles: name -> dict(value (text), number, state 'green'/'amber'/'red', since,
    detail, series (a daily Series for the tile's chart), units)."""

    tiles: dict[str, dict]


@dataclass(frozen=True)
class Snapshot:
    """Everything the panels show, computed once per refresh; immutable."""

    as_of: pd.Timestamp
    source: str
    simulated: bool
    benchmark: str
    overview: Overview
    computed_at: dt.datetime
    momentum: MomentumView | None = None
    baskets: BasketsView | None = None
    dispersion: DispersionView | None = None
    crowding: CrowdingView | None = None
    flows: FlowsView | None = None
    gamma: GammaView | None = None
    regions: RegionsView | None = None
    regimes: RegimesView | None = None
    radar: Radar | None = None
    events: EventStudy | None = None
    notes: tuple[str, ...] = ()
    benchmark_proxy: str | None = None     # what stands in for a missing benchmark, in words

    def headline(self) -> dict[str, Any]:
        """The headline figures written to snapshot.json (plain JSON types; NaN -> null)."""
        bench = self.overview.returns.loc[self.benchmark] if self.benchmark in \
            self.overview.returns.index else None
        out: dict[str, Any] = {
            "source": self.source,
            "as_of": self.as_of.strftime("%Y-%m-%d"),
            "simulated": self.simulated,
            "computed_at": self.computed_at.isoformat(timespec="seconds"),
            "benchmark": {
                "ticker": self.benchmark,
                "proxy": self.benchmark_proxy,
                **({k: _num(bench[k]) for k in ("1d", "1w", "1m", "YTD")}
                   if bench is not None else {}),
            },
        }
        if self.momentum is not None:
            t = self.momentum.today
            out["momentum"] = {"long_short_1d": _num(t["long_short"]), "long_1d": _num(t["long"]),
                               "short_1d": _num(t["short"]), "sigma": _num(t["sigma"]),
                               "worst_since": _date(t["worst_since"]),
                               "best_since": _date(t.get("best_since")),
                               "neutral_1d": _num(t.get("neutral")),
                               "long_share": _num(t.get("long_share")),
                               "long_share_vs_benchmark": _num(t.get("long_share_vs_benchmark")),
                               "legs_measured_against": NEUTRAL_WORDS,
                               "reading": self.momentum.reading}
        if self.dispersion is not None:
            t = self.dispersion.today
            out["dispersion"] = {"ratio": _num(t["ratio"]), "percentile": _num(t["ratio_pct"]),
                                 "since": self.dispersion.start.strftime("%Y-%m-%d")}
            out["breadth"] = {"fraction_beating_benchmark": _num(t["breadth"]),
                              "percentile": _num(t["breadth_pct"])}
        if self.crowding is not None:
            gauges = self.crowding.gauges
            out["crowding"] = {"momentum": _num(gauges.get("Momentum", {}).get("score")),
                               "themes": {k: _num(v["score"]) for k, v in gauges.items()
                                          if k != "Momentum"}}
        if self.flows is not None:
            total = self.flows.total_usd if len(self.flows.funds) else None
            out["letf"] = {"rebalance_total_usd": _num(total),
                           "by_underlying": {k: _num(v) for k, v in
                                             self.flows.by_underlying["rebalance_usd"].items()}}
        if self.gamma is not None:
            out["gamma"] = {name: {**{key: _num(g[key]) for key in
                                      ("dealer_gex_usd_per_pct", "letf_gamma_usd_per_pct",
                                       "net_usd_per_pct", "zero_gamma_level", "spot", "rate",
                                       "dividend_yield")},
                                   "quote_date": _date(g["quote_date"]),
                                   "spot_source": g["spot_source"],
                                   "rate_source": g["rate_source"],
                                   "dividend_source": g["dividend_source"],
                                   "sign_uncertain": g["uncertain"], "reading": g["reading"]}
                            for name, g in self.gamma.underlyings.items()}
        if self.regions is not None:
            out["regions"] = [{"name": name, "ret_1w_usd": _num(row["1w USD"]),
                               "ret_ytd_usd": _num(row["YTD USD"]),
                               "flows_ytd_usd": _num(row["flows YTD"]),
                               "flows_since": _date(self.regions.flows_since),
                               "best_week_since": row["week vs history"]}
                              for name, row in self.regions.table.iterrows()]
        if self.regimes is not None:
            out["regimes"] = {name: {"value": _num(t["number"]), "state": t["state"],
                                     "since": _date(t["since"])}
                              for name, t in self.regimes.tiles.items()}
        if self.radar is not None:
            recent = self.radar.history.iloc[-TIMELINE_DAYS:]
            out["radar"] = {"verdict": self.radar.verdict,
                            "signals": {name: {"value": _num(sig.number), "state": sig.state}
                                        for name, sig in self.radar.signals.items()},
                            "timeline": {f"{day:%Y-%m-%d}": row.xs("state", level="field")
                                         .to_dict() for day, row in recent.iterrows()}}
        if self.events is not None:
            row = self.events.table.loc[21] if 21 in self.events.table.index else None
            states = self.events.by_state
            out["events"] = {
                "count": int(len(self.events.events)),
                "count_with_21d": None if row is None else int(row["count"]),
                "fwd_21d_mean": None if row is None else _num(row["mean"]),
                "non_event_fwd_21d_mean": None if row is None else _num(row["non_event_mean"]),
                "welch_t_21d": None if row is None else _num(row["welch_t"]),
                "p_bootstrap_21d": None if row is None else _num(row["p_bootstrap"]),
                "by_state": {state: {"count": int(states.loc[(state, 21), "count"]),
                                     "fwd_21d_mean": _num(states.loc[(state, 21), "mean"])}
                             for state in ("bear", "bull") if (state, 21) in states.index}}
        out["notes"] = list(self.notes)
        return out


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, 8)


def _date(value) -> str | None:
    return None if value is None else pd.Timestamp(value).strftime("%Y-%m-%d")


NEUTRAL_WORDS = "the equal-weighted constituents"


def describe_legs(long_ex: float, short_ex: float, sigma: float,
                  neutral: str = NEUTRAL_WORDS, worst_in_year: bool = False
                  ) -> tuple[str, float | None]:
    """Plain words for who moved the momentum long/short today, and the long leg's share.

    ``long_ex`` / ``short_ex``: each leg's return minus the neutral portfolio named by
    ``neutral`` (docs/methods.md, "Who sold"). A move is unusual at |σ| >= 2, or when it is
    the worst day in a year (``worst_in_year``, which the radar lights whatever the σ)."""
    share = leg_attribution(long_ex, short_ex)
    spread = long_ex - short_ex
    if not worst_in_year and (not np.isfinite(sigma) or abs(sigma) < 2):
        return "no unusual momentum move today", share
    direction = "unwind" if spread < 0 else "rally"
    if share is None:
        return f"momentum {direction}: both legs moved the same way versus {neutral}", share
    if share >= 0.6:
        who = "long-side de-grossing (winners sold)" if spread < 0 else "winners bought"
    elif share <= 0.4:
        who = "short covering (losers squeezed)" if spread < 0 else "losers sold"
    else:
        who = ("both legs: winners sold and losers bought" if spread < 0
               else "both legs: winners bought and losers sold")
    return f"momentum {direction}: {who}, long leg {share:.0%} of the move vs {neutral}", share


def _momentum(close: pd.DataFrame, members: list[str], bench: pd.Series, beta: pd.DataFrame,
              returns: pd.DataFrame,
              params: EngineParams) -> tuple[MomentumView, pd.DataFrame, pd.DataFrame]:
    prices = close[members]
    factor, long_mask, short_mask = momentum_with_legs(prices, quantile=params.momentum_quantile,
                                                       returns=returns)
    bench_r = bench / bench.shift(1) - 1.0
    factor["long_excess"] = factor["long"] - factor["neutral"]
    factor["short_excess"] = factor["short"] - factor["neutral"]
    factor["long_vs_benchmark"] = factor["long"] - bench_r
    factor["short_vs_benchmark"] = factor["short"] - bench_r
    factor["high_beta"] = high_beta(prices, bench, beta=beta, returns=returns)["long_short"]
    ls = factor["long_short"]
    sigma = sigma_move(ls, params.sigma_window)
    day = ls.last_valid_index()
    today: dict[str, Any] = {k: float("nan") for k in ("long_short", "long", "short", "sigma")}
    today.update(worst_since=None, best_since=None, on_record=False, long_share=None, day=day)
    reading = "not enough history for a 12-1 momentum signal (needs 252 days)"
    if day is not None:
        row = factor.loc[day]
        today.update(long_short=row["long_short"], long=row["long"], short=row["short"],
                     neutral=row["neutral"], long_excess=row["long_excess"],
                     short_excess=row["short_excess"],
                     long_vs_benchmark=row["long_vs_benchmark"],
                     short_vs_benchmark=row["short_vs_benchmark"],
                     long_share_vs_benchmark=leg_attribution(row["long_vs_benchmark"],
                                                             row["short_vs_benchmark"]),
                     benchmark=bench_r.loc[day], sigma=sigma.loc[day],
                     high_beta=row["high_beta"], high_beta_sigma=sigma_move(
                         factor["high_beta"], params.sigma_window).loc[day])
        since = worst_since(ls, day)
        today.update(worst_since=since, best_since=worst_since(ls, day, best=True),
                     on_record=since is None, history_start=ls.first_valid_index())
        severe = bool(row["long_short"] < 0 and
                      worst_in(ls.loc[:day], WORST_IN_DAYS["amber"]).iloc[-1])
        reading, share = describe_legs(row["long_excess"], row["short_excess"], sigma.loc[day],
                                       worst_in_year=severe)
        today["long_share"] = share
        recent = ls.loc[:day].iloc[-RECENT_DAYS:]
        worst_day = recent.idxmin()
        today["recent"] = {"day": worst_day, "long_short": recent.min(),
                           "sigma": sigma.loc[worst_day],
                           "worst_since": worst_since(ls, worst_day)}
    chart = factor[["long_short", "long_excess", "short_excess", "high_beta"]]
    view = MomentumView(factor=factor, sigma=sigma, drawdown=drawdown(ls), today=today,
                        reading=reading, cumulative=_compounded_windows(chart))
    return view, long_mask, short_mask


def _baskets(close: pd.DataFrame, params: EngineParams, bench_r: pd.Series,
             scores: dict[str, float]) -> BasketsView:
    priced = {t for t in close.columns if close[t].notna().any()}
    missing: dict[str, str] = {}
    themes = {}
    for name, members in params.themes.items():
        if any(t in priced for t in members):
            themes[name] = members
        else:
            missing[name] = f"no prices for any of {', '.join(members)}"
    daily = basket_returns(close, themes)
    kinds = {name: "theme" for name in daily}
    for pair in params.pairs:
        empty = [side for side, legs in (("long", pair.long), ("short", pair.short))
                 if not any(t in priced for t in legs)]
        if empty:
            missing[pair.name] = f"no prices for its {' and '.join(empty)} leg"
            continue
        legs = basket_returns(close, {"long": list(pair.long), "short": list(pair.short)})
        daily[pair.name] = legs["long"] - legs["short"]
        kinds[pair.name] = "pair"
    levels = (1.0 + daily.fillna(0.0)).cumprod()
    table = _observed_period_returns(levels, daily)
    sigma = sigma_move(daily, params.sigma_window)
    day = daily.index[-1]
    table["sigma"] = sigma.loc[day]
    table["worst_since"] = [_since_text(daily[c], day) for c in daily.columns]
    table["crowding"] = [scores.get(c, float("nan")) for c in daily.columns]
    table["kind"] = [kinds[c] for c in daily.columns]
    return BasketsView(table=table, returns=daily, cumulative=_compounded_windows(daily),
                       missing=missing)


def _observed_period_returns(levels: pd.DataFrame, daily: pd.DataFrame) -> pd.DataFrame:
    """``period_returns`` of ``levels``, NaN for a period in which the series has no return
    at all (a missing basket day is unknown, not a flat +0.00%)."""
    table = period_returns(levels)
    seen = daily.notna()
    for period, days in PERIODS.items():
        table.loc[~seen.iloc[-days:].any().to_numpy(), period] = np.nan
    ytd = seen.loc[seen.index > window_start(seen.index, "YTD")].any()
    table.loc[~ytd.to_numpy(), "YTD"] = np.nan
    return table


def _compounded_windows(daily: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Cumulative compounded return of daily return series since each chart window's start."""
    levels = (1.0 + daily.fillna(0.0)).cumprod()
    return {w: cumulative_returns(levels, window_start(levels.index, w)) for w in WINDOWS}


def _since_text(returns: pd.Series, day) -> str:
    value = returns.get(day, np.nan)
    if fmt.missing(value):
        return fmt.NA
    return fmt.since(value, worst_since(returns, day, best=True), worst_since(returns, day))


def _dispersion(close: pd.DataFrame, members: list[str], bench: pd.Series,
                returns: pd.DataFrame, params: EngineParams) -> DispersionView:
    prices = close[members]
    start = pd.Timestamp(params.dispersion_start)
    if start < close.index[0] or start > close.index[-1]:
        start = close.index[0]
    ratio = dispersion_ratio(prices, bench, returns=returns)
    ratio_pct = percentile_rank(ratio, start)
    fraction = breadth(prices, bench, returns=returns)
    fraction_pct = percentile_rank(fraction, start)
    bench_r = bench / bench.shift(1) - 1.0
    day = close.index[-1]
    moves = advance_decline(prices, returns=returns).iloc[-1]
    today = {"ratio": ratio.get(day, np.nan), "ratio_pct": ratio_pct.get(day, np.nan),
             "advancers": int(moves["advancers"]), "decliners": int(moves["decliners"]),
             "breadth": fraction.get(day, np.nan), "breadth_pct": fraction_pct.get(day, np.nan),
             "benchmark": bench_r.get(day, np.nan), "day": day,
             "ratio_is_max": bool(ratio.loc[start:].max() == ratio.get(day, np.nan))}
    return DispersionView(ratio=ratio, ratio_percentile=ratio_pct, breadth=fraction,
                          breadth_percentile=fraction_pct, benchmark_return=bench_r,
                          correlation=realized_average_correlation(prices, bench,
                                                                   returns=returns),
                          start=start,
                          today=today)


def _crowding(close: pd.DataFrame, names: list[str], bench_r: pd.Series, beta: pd.DataFrame,
              returns: pd.DataFrame, mom: MomentumView, long_mask, short_mask,
              params: EngineParams) -> CrowdingView:
    inputs = crowd.CrowdingInputs.build(close[names], bench_r, beta, returns)
    momentum = crowd.crowding_from(inputs, mom.factor["long_short"], long_mask, short_mask)
    gauges = {"Momentum": momentum.latest()}
    for theme, tickers in params.themes.items():
        present = [t for t in tickers if t in close.columns]
        if len(present) < 3:
            continue
        mask = pd.DataFrame(True, index=close.index, columns=present)
        excess = returns[present].mean(axis=1) - bench_r
        gauges[theme] = crowd.crowding_from(inputs, excess, mask).latest()
    return CrowdingView(gauges=gauges, momentum_score=momentum.score)


def bill_rate(close: pd.DataFrame, ticker: str) -> float:
    """Latest 13-week bill rate as a decimal bond-equivalent yield (docs/methods.md): Yahoo
    quotes ^IRX in percent on a bank-discount basis; NaN when it is not in the data."""
    if ticker not in close.columns or close[ticker].dropna().empty:
        return float("nan")
    discount = float(close[ticker].dropna().iloc[-1])
    if discount > 20:                       # Cboe's native x10 quote slipped through
        discount /= 10
    d = discount / 100
    return 365 * d / (360 - d * 91)


def _flows(market, params: EngineParams) -> FlowsView | None:
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
    adv, basis, adv_total, adv_names = _underlying_adv(market, underlyings,
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


def _underlying_adv(market, underlyings: list[str],
                    stocks: Mapping[str, tuple[str, ...]]) -> tuple[pd.Series, pd.Series, float,
                                                                    int]:
    """Average daily dollar volume over the ``ADV_DAYS`` sessions before today, per
    underlying, and what it measures (docs/methods.md, "Leveraged ETF rebalancing"): for an
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
    dollars = volume.reindex(columns=close.columns) * close
    behind: dict[str, None] = {}            # every name measured, once, in order
    for name in underlyings:
        held = [t for t in stocks.get(name, ()) if t in dollars.columns
                and dollars[t].iloc[window].gt(0).any()]
        if held:
            daily = dollars[held].iloc[window].where(lambda d: d > 0).sum(axis=1, min_count=1)
            adv[name] = float(daily.mean())
            basis[name] = f"{len(held)} stocks"
            behind.update(dict.fromkeys(held))
        elif name in dollars.columns:
            own = dollars[name].iloc[window]
            adv[name] = float(own.where(own > 0).mean())
            basis[name] = "own volume" if np.isfinite(adv[name]) else "no volume"
            if np.isfinite(adv[name]):
                behind[name] = None
    if not behind:
        return adv, basis, float("nan"), 0
    total = dollars[list(behind)].iloc[window].where(lambda d: d > 0).sum(axis=1, min_count=1)
    return adv, basis, float(total.mean()), len(behind)


def _chain_spot(chain: pd.DataFrame, close: pd.DataFrame, name: str,
                day: pd.Timestamp) -> tuple[float | None, str]:
    """Spot for the chain's strikes (unadjusted, docs/methods.md "Dealer gamma"): the chain's
    own underlying price, else put-call parity on its quotes, else the underlying's close on
    the quote date (adjusted: right on the day of the last dividend, low before it)."""
    if "underlying_price" in chain.columns:
        price = pd.to_numeric(chain["underlying_price"], errors="coerce")
        if (price > 0).any():
            return float(price[price > 0].median()), "the chain's underlying price"
    implied = parity_spot(chain, day)
    if implied is not None:
        return implied, "put-call parity on the chain's quotes"
    if name in close.columns and close[name].loc[:day].notna().any():
        return float(close[name].loc[:day].dropna().iloc[-1]), \
            f"the {name} close (adjusted; no underlying price in the chain)"
    return None, ""


def _gamma(market, params: EngineParams, flows: FlowsView | None) -> GammaView | None:
    options = getattr(market, "options", {}) or {}
    close = market.close
    out = {}
    for name in params.option_underlyings:
        chain = options.get(name)
        if chain is None or chain.empty:
            continue
        day = pd.Timestamp(market.as_of)
        if "quote_date" in chain.columns and chain["quote_date"].notna().any():
            day = pd.Timestamp(chain["quote_date"].dropna().iloc[0]).normalize()
        spot, spot_source = _chain_spot(chain, close, name, day)
        if spot is None:
            continue
        bill = bill_rate(close.loc[:day], params.short_rate)
        if np.isfinite(bill):
            rate, rate_source = continuous_rate(bill), \
                f"13-week bill ({params.short_rate}), continuous"
        else:
            rate, rate_source = params.default_rate, \
                f"the universe's default: no {params.short_rate} in the data"
        div, div_source = 0.0, "none known: 0% assumed"
        chain_yield = pd.to_numeric(chain["dividend_yield"], errors="coerce") \
            if "dividend_yield" in chain.columns else pd.Series(dtype=float)
        if chain_yield.notna().any():
            div, div_source = float(chain_yield.dropna().iloc[0]), \
                "the chain's own (Yahoo's trailing yield or the file's column)"
        elif name in params.dividend_yields:
            div, div_source = float(params.dividend_yields[name]), "the universe file"
        clean, dropped = clean_chain(chain, day)
        if clean.empty:
            continue
        by_strike = gex_by_strike(clean, spot, day, rate, div)
        profile = gex_profile(clean, spot, day, default_grid(spot), rate, div)
        dealer = float(by_strike["net_gex"].sum())
        letf = float("nan")                 # unknown without fund assets: not zero
        if flows is not None and name in flows.by_underlying.index:
            letf = float(flows.by_underlying.loc[name, "letf_gamma_usd_per_pct"])
        known = letf if np.isfinite(letf) else 0.0
        net = dealer + known                # letf is negative: the funds trade with the move
        zero = zero_gamma_level(clean, spot, day, rate, div)
        uncertain = flip_uncertainty(clean, spot, day, rate, div, zero, letf=known)
        out[name] = {"spot": spot, "by_strike": by_strike, "profile": profile,
                     "zero_gamma_level": zero,
                     "dealer_gex_usd_per_pct": dealer, "letf_gamma_usd_per_pct": letf,
                     "net_usd_per_pct": net, "dropped": dropped, "contracts": len(clean),
                     "quote_date": day, "spot_source": spot_source, "rate": rate,
                     "rate_source": rate_source, "dividend_yield": div,
                     "dividend_source": div_source, "uncertain": uncertain,
                     "reading": gamma_reading(dealer, net, uncertain)}
    return GammaView(underlyings=out, rate=bill_rate(close, params.short_rate)) if out else None


def gamma_reading(dealer: float, net: float, uncertain: str | None = None) -> str:
    """Plain words for the sign of dealer and net (dealer plus leveraged-ETF) gamma; near the
    flip (``uncertain`` says why) the sign is not claimed."""
    if uncertain:
        return f"near the gamma flip: sign uncertain ({uncertain})"
    if net < 0:
        lead = "net short gamma: hedging adds to moves"
        return lead + (" (dealers alone are long; leveraged-ETF rebalancing outweighs them)"
                       if dealer > 0 else "")
    return "net long gamma: hedging damps moves"


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


WEEK_WORDS = "5 sessions in USD"     # the window and currency the week judgement is about


def _week_words(usd: pd.Series, breaks: pd.Series) -> str:
    """'worst 5 sessions in USD since ...': the judgement of the 1w $ column itself (same
    window, same currency, same sign)."""
    info = trailing_since(usd, 5, breaks)
    return fmt.since(info["return"], info["best_since"], info["worst_since"], WEEK_WORDS,
                     info["history_start"])


def _regions(market, params: EngineParams) -> RegionsView | None:
    close = market.close
    shares = getattr(market, "shares_outstanding", None)
    etfs = [r.etf for r in params.regions if r.etf and r.etf in close.columns]
    flows, since = None, None
    if shares is not None and etfs:
        held = [t for t in etfs if t in shares.columns]
        if held:
            flows = period_flows(implied_flows(shares[held], close[held]))
            first = shares[held].apply(pd.Series.first_valid_index).dropna()
            since = first.min() if len(first) and first.min() > close.index[0] else None
    rows, weekly = {}, {}
    for region in params.regions:
        local, usd = _usd_levels(close, region)
        if local is None:
            continue
        table = period_returns(pd.concat({"local": local, "usd": usd}, axis=1))
        shown = region.index if region.index in close.columns else region.etf
        own = close[shown]
        breaks = gap_returns(usd[own.notna()]).isna().iloc[1:]
        has_flows = flows is not None and region.etf in flows.index
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
        weekly[region.name] = regime_periods(gap_returns(usd[own.notna()]), "W",
                                              include_last=True)
    if not rows:
        return None
    table = pd.DataFrame.from_dict(rows, orient="index")
    domestic = table["domestic"].astype(bool)
    split = {side: {p: float(table.loc[mask, f"flows {p}"].sum(min_count=1))
                    for p in ("1m", "YTD", "1y")}
             for side, mask in (("us", domestic), ("non_us", ~domestic))}
    return RegionsView(table=table, flows_us=split["us"], flows_non_us=split["non_us"],
                       weekly_usd=pd.DataFrame(weekly), flows_since=since)


def _tile(value: str, number: float, state: str, since, detail: str, series: pd.Series,
          units: str) -> dict:
    return {"value": value, "number": number, "state": state, "since": since, "detail": detail,
            "series": series, "units": units}


def _correlation_tile(close, a: str, b: str, label: str) -> dict | None:
    if a not in close.columns or b not in close.columns:
        return None
    flip = rolling_correlation_flip(np.log(close[a]).diff(), np.log(close[b]).diff())
    state = {"usual": "green", "weak": "amber", "flipped": "red"}[flip.state]
    usual = "positive" if flip.usual_sign > 0 else "negative"
    detail = (f"60-day correlation of {a} and {b} daily log returns"
              f"{' (FX lagged a day to align closes)' if flip.lagged else ''}; usually {usual}; "
              f"Fisher z of the last 60 days vs the 60 before: {flip.z:+.1f} "
              f"({'significant' if abs(flip.z) > 2 else 'not significant'})")
    return _tile(f"ρ {flip.current:+.2f} ({flip.state})", flip.current, state, flip.flip_date,
                 f"{label}: {detail}", flip.correlation.rename(f"{a} vs {b}, 60-day correlation"),
                 "correlation")


def _regimes(close: pd.DataFrame, params: EngineParams) -> RegimesView | None:
    tiles: dict[str, dict] = {}
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
        tiles["Metals vs yields"] = _tile(
            f"metals {100 * np.expm1(metal.iloc[-1]):+.1f}%, 10y {d10.iloc[-1]:+.0f} bp (1m)",
            float(metal.iloc[-1]), state, streak_start(diverging),
            f"Average 1-month move of {', '.join(metals)} vs the 10-year yield change; red when "
            f"metals z > +1 while the yield change z < -1 (z vs 1 year); now metals z "
            f"{z_metal.iloc[-1]:+.1f}, yield z {z_rate.iloc[-1]:+.1f}", metal.rename("metals 1m"),
            "log return")
        if params.short_rate in close.columns:
            bey = pd.Series(bill_to_bond_equivalent(close[params.short_rate].ffill()),
                            index=close.index)
            slope = (tnx - bey) * 100
            regime = curve_regime(float(bey.iloc[-1] - bey.iloc[-1 - month]),
                                  float(tnx.iloc[-1] - tnx.iloc[-1 - month]))
            flattening = slope.diff(month) < 0
            state = "red" if regime == "bull flattening" else \
                ("amber" if "flattening" in regime or regime == "twist" else "green")
            tiles["Curve 10y-3m"] = _tile(
                f"{slope.iloc[-1]:+.0f} bp, {slope.iloc[-1] - slope.iloc[-1 - month]:+.0f} bp "
                f"in 1m ({regime})", float(slope.iloc[-1]), state, streak_start(flattening),
                "10-year yield minus the 13-week bill converted to bond-equivalent (^IRX is a "
                "bank-discount quote); regime from 1-month changes of both legs",
                slope.rename("10y-3m (bp)"), "bp")
    cyc = [t for t in params.cyclical if t in close.columns]
    dfn = [t for t in params.defensive if t in close.columns]
    if cyc and dfn:
        c1 = (close[cyc] / close[cyc].shift(month) - 1).mean(axis=1)
        d1 = (close[dfn] / close[dfn].shift(month) - 1).mean(axis=1)
        both = (c1 > 0) & (d1 > 0)
        tiles["Cyclicals + defensives"] = _tile(
            f"cyclicals {100 * c1.iloc[-1]:+.1f}%, defensives {100 * d1.iloc[-1]:+.1f}% (1m)",
            float(min(c1.iloc[-1], d1.iloc[-1])), "amber" if both.iloc[-1] else "green",
            streak_start(both),
            f"Both baskets up over a month while the index is led elsewhere: cyclicals "
            f"{', '.join(cyc)}; defensives {', '.join(dfn)}", (c1 - d1).rename("cyc - def 1m"),
            "return")
    ew = params.equal_weight
    if ew and ew in close.columns and params.benchmark in close.columns:
        rel = (close[ew] / close[ew].shift(month)) / (close[params.benchmark] /
                                                     close[params.benchmark].shift(month)) - 1
        state = "amber" if rel.iloc[-1] > 0.02 else ("red" if rel.iloc[-1] < -0.02 else "green")
        tiles["Equal vs cap weight"] = _tile(
            f"{ew} vs {params.benchmark} {100 * rel.iloc[-1]:+.1f}% (1m)", float(rel.iloc[-1]),
            state, streak_start(rel > 0.02 if rel.iloc[-1] > 0 else rel < -0.02),
            "Equal-weight minus cap-weight 1-month return: amber when the average stock beats "
            "the index by > 2% (rotation out of the mega caps), red when it lags by > 2%",
            rel.rename(f"{ew}/{params.benchmark} 1m"), "return")
    return RegimesView(tiles=tiles) if tiles else None


def compute(market, params: EngineParams | None = None) -> Snapshot:
    """Compute a Snapshot from a MarketData (duck-typed: close, as_of, source, simulated,
    notes); the market's notes lead the snapshot's notes."""
    params = params or EngineParams()
    close = market.close
    notes: list[str] = list(getattr(market, "notes", ()))
    wanted = [params.benchmark, *params.sector_etfs]
    tickers = [t for t in wanted if t in close.columns]
    missing = [t for t in wanted if t not in close.columns]
    if missing:
        notes.append(f"no data for {', '.join(missing)}")
    prices = close[tickers]
    table = period_returns(prices)
    names = {params.benchmark: params.benchmark_name, **params.sector_etfs}
    table.insert(0, "name", [names.get(t, t) for t in table.index])
    cumulative = {w: cumulative_returns(prices, window_start(prices.index, w)) for w in WINDOWS}
    overview = Overview(returns=table, cumulative=cumulative)
    views: dict[str, Any] = {}
    members = [t for t in params.constituents if t in close.columns and t != params.benchmark]
    if params.benchmark in close.columns and len(members) >= 10:
        bench = close[params.benchmark]
        bench_r = bench / bench.shift(1) - 1.0
        names = list(dict.fromkeys(members + [t for m in params.themes.values() for t in m
                                              if t in close.columns]))
        prints = reversed_spikes(close[names])
        notes.extend(prints.notes())
        if len(prints.excluded):
            close = close.copy()
            close[names] = prints.prices
        returns = daily_returns(close[names])
        returns[prints.broken] = np.nan
        member_returns = returns[members] if len(members) < len(names) else returns
        if params.membership:
            mask = membership_mask(close.index, pd.Index(members), params.membership)
            member_returns = member_returns.where(mask)
            notes.append(f"point-in-time members: {int(mask[-1].sum())} on "
                         f"{close.index[-1]:%Y-%m-%d}, {int(mask.any(axis=0).sum())} over the "
                         "history in the data (a name counts only while it is in the index)")
        beta = rolling_beta(returns, bench_r)
        mom, long_mask, short_mask = _momentum(close, members, bench, beta, member_returns,
                                               params)
        mom.today["provisional"] = [(r.ticker, r.ret) for r in prints.provisional.itertuples()
                                    if r.ticker in members]
        gauges = _crowding(close, names, bench_r, beta, returns, mom, long_mask, short_mask,
                           params)
        scores = {k: v["score"] for k, v in gauges.gauges.items()}
        views = {"momentum": mom, "crowding": gauges,
                 "baskets": _baskets(close, params, bench_r, scores),
                 "dispersion": _dispersion(close, members, bench, member_returns, params)}
    views["flows"] = _flows(market, params)
    views["gamma"] = _gamma(market, params, views["flows"])
    views["regions"] = _regions(market, params)
    views["regimes"] = _regimes(close, params)
    views["radar"] = assess({**views, "benchmark": params.benchmark,
                             "as_of": pd.Timestamp(market.as_of)})
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
    return Snapshot(as_of=pd.Timestamp(market.as_of), source=market.source,
                    simulated=market.simulated, benchmark=params.benchmark, overview=overview,
                    computed_at=dt.datetime.now(), notes=tuple(notes),
                    benchmark_proxy=getattr(market, "benchmark_proxy", None), **views)
