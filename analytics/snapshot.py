"""The snapshot: every figure the panels show, computed once per refresh, and the one writer
of snapshot.json (``Snapshot.to_json``). Views are frozen dataclasses; figures are fractions
(0.01 = 1%), USD, or the units their field's comment names (docs/methods.md; README,
"snapshot.json", gives every key's units and sign convention)."""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics import formatting as fmt
from analytics.session import intraday_label

if TYPE_CHECKING:
    from analytics.events import EventStudy
    from analytics.intraday import IntradayBasis, IntradayView
    from analytics.radar import Radar

SCHEMA_VERSION = 2          # 2: issue 14's sign conventions (LETF gamma negative, best_since)
TIMELINE_DAYS = 20          # radar lights of the last sessions in snapshot.json and the panel
SPARK_DAYS = 20             # sessions in each sparkline (radar rows, headlines, gauges, tiles)
NEUTRAL_WORDS = "the equal-weighted constituents"
# A regime tile's change since the previous session by its series' units: (scale, units, decimals).
TILE_CHANGE_FORMATS = {"correlation": (1.0, "", 2), "bp": (1.0, " bp", 0),
                       "log return": (100.0, " pp", 1), "return": (100.0, " pp", 1)}


@dataclass(frozen=True)
class Overview:
    """Benchmark and sector ETFs. returns: rows = tickers, columns name, 1d, 1w, 1m, YTD
    (fractions); cumulative: chart window -> cumulative return since its start."""

    returns: pd.DataFrame
    cumulative: dict[str, pd.DataFrame]


@dataclass(frozen=True)
class LegReading:
    """Who moved the momentum long/short today (docs/methods.md, "Who sold"): the words and
    the radar both decide from these fields, never from the text.

    direction: "unwind" (the L/S fell), "rally", or "none" (no unusual move, or too little
    history); driver: "long" (long leg >= 60% of the move), "short" (<= 40%), "both",
    "same_way" (both legs moved the same way versus the neutral: no share), or "none";
    long_share: the long leg's share of the move versus the neutral (None when undefined)."""

    direction: str
    driver: str
    long_share: float | None
    words: str


@dataclass(frozen=True)
class RecentWorst:
    """The worst long/short day of the last sessions: its date, return (fraction), σ-move
    and the last earlier day that was worse (None: worst in the data)."""

    day: pd.Timestamp
    long_short: float
    sigma: float
    worst_since: pd.Timestamp | None


@dataclass(frozen=True)
class MomentumToday:
    """The last day's momentum figures. Returns are fractions of that day; ``*_excess`` are
    the legs minus the neutral (the equal-weighted ranked constituents), ``*_vs_benchmark``
    the legs minus the benchmark; ``sigma`` / ``high_beta_sigma``: the day's move in trailing
    63-day standard deviations; ``long_share`` / ``long_share_vs_benchmark``: the long leg's
    share of the L/S move against the neutral / the benchmark (None when both legs moved the
    same way); ``worst_since`` / ``best_since``: the last earlier day worse / better (None:
    none in the data, then ``on_record`` when the day is the worst); ``provisional``:
    (ticker, return) of member prints that may be bad (docs/methods.md, "Bad prices")."""

    day: pd.Timestamp | None = None
    long_short: float = float("nan")
    long: float = float("nan")
    short: float = float("nan")
    neutral: float = float("nan")
    long_excess: float = float("nan")
    short_excess: float = float("nan")
    long_vs_benchmark: float = float("nan")
    short_vs_benchmark: float = float("nan")
    benchmark: float = float("nan")
    sigma: float = float("nan")
    high_beta: float = float("nan")
    high_beta_sigma: float = float("nan")
    long_share: float | None = None
    long_share_vs_benchmark: float | None = None
    worst_since: pd.Timestamp | None = None
    best_since: pd.Timestamp | None = None
    on_record: bool = False
    history_start: pd.Timestamp | None = None
    recent: RecentWorst | None = None
    provisional: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class MomentumView:
    """Decile momentum long/short and high-beta factor, and who moved it.

    factor: daily returns (fractions): long, short, long_short, neutral (the equal-weighted
    mean of the ranked constituents), long_excess, short_excess (legs minus the neutral: the
    reading), long_vs_benchmark, short_vs_benchmark (legs minus the benchmark: the second line),
    high_beta (high minus low beta). sigma: long_short / vol, vol: the trailing 63-day std
    known at the previous close (the chart's ±2σ bands). drawdown: compounded long/short
    drawdown. today: the last day's figures; legs: who moved it. held: the members each leg
    holds today (long, short, high_beta, low_beta), formed on yesterday's close.
    """

    factor: pd.DataFrame
    sigma: pd.Series
    drawdown: pd.Series
    today: MomentumToday
    legs: LegReading
    cumulative: dict[str, pd.DataFrame] = field(default_factory=dict)   # window -> compounded
    contributors: pd.DataFrame = field(default_factory=pd.DataFrame)    # ``leg_contributors``
    vol: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    held: dict[str, tuple[str, ...]] = field(default_factory=dict)   # today's legs' members

    @property
    def reading(self) -> str:
        """Who moved the L/S, in words (``legs.words``)."""
        return self.legs.words


@dataclass(frozen=True)
class BasketsView:
    """Themes and pairs: table rows (1d, 1w, 1m, YTD returns as fractions, sigma, worst_since,
    crowding 0-100, kind) and daily returns for the chart."""

    table: pd.DataFrame
    returns: pd.DataFrame
    cumulative: dict[str, pd.DataFrame] = field(default_factory=dict)   # window -> compounded
    missing: dict[str, str] = field(default_factory=dict)   # left out: name -> why


@dataclass(frozen=True)
class DispersionToday:
    """The last day's dispersion and breadth: ``ratio`` (x), ``ratio_pct`` and
    ``breadth_pct`` (0-100 since the view's start), ``breadth`` (fraction of members beating
    the benchmark), ``benchmark`` (its return, fraction), advancers and decliners (counts)."""

    day: pd.Timestamp
    ratio: float
    ratio_pct: float
    breadth: float
    breadth_pct: float
    benchmark: float
    advancers: int
    decliners: int


@dataclass(frozen=True)
class DispersionView:
    ratio: pd.Series                 # 5-day dispersion ratio (x)
    ratio_percentile: pd.Series      # 0-100 within [start, t]
    breadth: pd.Series               # fraction beating the benchmark (0..1)
    benchmark_return: pd.Series      # the benchmark's daily return (for "falling index")
    correlation: pd.Series           # average correlation from 21-day realized vols
    start: pd.Timestamp
    today: DispersionToday


@dataclass(frozen=True)
class CrowdingGauge:
    """One crowding gauge today (docs/methods.md, "Crowding"): ``score`` 0-100 (NaN without
    data), ``band`` in words, ``available`` how many components had data, ``z`` the z-score
    of each available component, ``values`` each component's raw value."""

    score: float
    band: str
    available: int
    z: dict[str, float] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    trail: tuple[float, ...] = ()     # the last SPARK_DAYS scores, today last

    def change(self) -> float:
        """Today's score minus the previous session's, in points (NaN without both)."""
        return self.trail[-1] - self.trail[-2] if len(self.trail) >= 2 else float("nan")

    def change_text(self) -> str:
        """``change`` in points: '+3 pts'."""
        return fmt.change(self.change(), 1.0, " pts", 0)


@dataclass(frozen=True)
class CrowdingView:
    """name -> today's gauge ("Momentum" first, then each theme); momentum_score: the
    momentum gauge of every day (for the radar's history)."""

    gauges: dict[str, CrowdingGauge]
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
class GammaReading:
    """Dealer gamma of one option underlying (docs/methods.md, "Dealer gamma"). USD per 1%
    move of the underlying: ``dealer_gex_usd_per_pct`` (dealers long calls, short puts),
    ``letf_gamma_usd_per_pct`` (leveraged funds, negative; NaN without fund assets) and
    ``net_usd_per_pct`` (their sum, the unknown funds counted as 0); ``zero_gamma_level`` the
    spot where dealer GEX changes sign (None: none within ±20%); ``by_strike`` and ``profile``
    for the charts; the inputs with their sources: ``quote_date``, ``spot``, ``rate``
    (continuous), ``dividend_yield``; ``dropped`` (rows left out, why -> count),
    ``contracts`` used; ``uncertain``: why the sign is not resolved (None when it is);
    ``reading``: the sign in words."""

    spot: float
    by_strike: pd.DataFrame
    profile: pd.DataFrame
    zero_gamma_level: float | None
    dealer_gex_usd_per_pct: float
    letf_gamma_usd_per_pct: float
    net_usd_per_pct: float
    dropped: dict[str, int]
    contracts: int
    quote_date: pd.Timestamp
    spot_source: str
    rate: float
    rate_source: str
    dividend_yield: float
    dividend_source: str
    uncertain: str | None
    reading: str


@dataclass(frozen=True)
class GammaView:
    """Dealer gamma per option underlying (name -> reading); rate: the latest 13-week bill,
    bond-equivalent (NaN without it)."""

    underlyings: dict[str, GammaReading]
    rate: float


@dataclass(frozen=True)
class RegionsView:
    """One row per region: level, returns (local and USD, fractions), best/worst week since,
    implied ETF flows (USD; NaN = no shares outstanding); and the US vs non-US YTD split."""

    table: pd.DataFrame
    flows_us: dict[str, float]        # period ("1m", "YTD", "1y") -> domestic ETF flows, USD
    flows_non_us: dict[str, float]    # the same for the foreign regions' ETFs
    flows_since: pd.Timestamp | None = None   # share counts start later than the prices: the


@dataclass(frozen=True)
class Tile:
    """One regime tile: ``value`` in words, ``number`` the figure its light reads (in
    ``units``), ``state`` green / amber / red, ``since`` the start of the current streak,
    ``detail`` the method in words, ``series`` the daily history for its chart."""

    value: str
    number: float
    state: str
    since: pd.Timestamp | None
    detail: str
    series: pd.Series
    units: str

    def trail(self, days: int = SPARK_DAYS) -> pd.Series:
        """The chart series' last ``days`` sessions (the sparkline; today last)."""
        return self.series.iloc[-days:].astype(float)

    def change(self) -> float:
        """The chart series today minus the previous session (NaN without both)."""
        values = self.series.iloc[-2:]
        return float(values.iloc[-1] - values.iloc[0]) if len(values) == 2 else float("nan")

    def change_text(self) -> str:
        """``change`` in the series' units: '+0.04' (correlation), '+3 bp', '+0.8 pp'."""
        return fmt.change(self.change(), *TILE_CHANGE_FORMATS.get(self.units, (1.0, "", 2)))


@dataclass(frozen=True)
class RegimesView:
    """Regime tiles by name."""

    tiles: dict[str, Tile]


# The views ``analytics.engine.compute`` hands its ``early`` callback before the rest: they
# need neither the stocks' returns nor one another's results (docs/architecture.md, "Export").
EARLY_VIEWS = ("overview", "flows", "gamma", "regions", "regimes")


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
    as_of_time: pd.Timestamp | None = None   # the last row is a session in progress at this time
    delay_minutes: int = 0                  # how late the source's prices are
    intraday: IntradayView | None = None
    intraday_basis: IntradayBasis | None = None   # set on a session in progress (live bars)

    @property
    def session(self) -> str:
        """"open" while the last row is a session in progress, "closed" when it is a close."""
        return "open" if self.as_of_time is not None else "closed"

    @property
    def so_far(self) -> str:
        """" so far" on a session in progress (after a percentile or a σ-move), else ""."""
        return " so far" if self.as_of_time is not None else ""

    def as_of_words(self) -> str:
        """'2026-02-04' for a close, '2026-02-04 intraday 13:30 ET (15-min delayed)' during
        the session (status bar, footers, the radar's headline)."""
        day = self.as_of.strftime("%Y-%m-%d")
        if self.as_of_time is None:
            return day
        return f"{day} {intraday_label(self.as_of_time, self.delay_minutes)}"

    def headline(self) -> dict[str, Any]:
        """The headline figures written to snapshot.json (plain JSON types; NaN -> null).
        Computed once per snapshot (the refresh worker warms it, so alert rules read it on
        the main thread for free); treat the dict as read-only."""
        cached = self.__dict__.get("_headline")
        if cached is None:
            cached = self._headline()
            object.__setattr__(self, "_headline", cached)
        return cached

    def _headline(self) -> dict[str, Any]:
        bench = self.overview.returns.loc[self.benchmark] if self.benchmark in \
            self.overview.returns.index else None
        out: dict[str, Any] = {
            "source": self.source,
            "as_of": self.as_of.strftime("%Y-%m-%d"),
            "as_of_time": None if self.as_of_time is None else
            self.as_of_time.isoformat(timespec="minutes"),
            "session": self.session,
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
            out["momentum"] = {"long_short_1d": _num(t.long_short), "long_1d": _num(t.long),
                               "short_1d": _num(t.short), "sigma": _num(t.sigma),
                               "worst_since": _date(t.worst_since),
                               "best_since": _date(t.best_since),
                               "neutral_1d": _num(t.neutral),
                               "long_share": _num(t.long_share),
                               "long_share_vs_benchmark": _num(t.long_share_vs_benchmark),
                               "legs_measured_against": NEUTRAL_WORDS,
                               "reading": self.momentum.reading}
        if self.dispersion is not None:
            d = self.dispersion.today
            out["dispersion"] = {"ratio": _num(d.ratio), "percentile": _num(d.ratio_pct),
                                 "since": self.dispersion.start.strftime("%Y-%m-%d")}
            out["breadth"] = {"fraction_beating_benchmark": _num(d.breadth),
                              "percentile": _num(d.breadth_pct)}
        if self.crowding is not None:
            gauges = self.crowding.gauges
            momentum = gauges.get("Momentum")
            out["crowding"] = {"momentum": None if momentum is None else _num(momentum.score),
                               "themes": {k: _num(v.score) for k, v in gauges.items()
                                          if k != "Momentum"}}
        if self.flows is not None:
            total = self.flows.total_usd if len(self.flows.funds) else None
            out["letf"] = {"rebalance_total_usd": _num(total),
                           "by_underlying": {k: _num(v) for k, v in
                                             self.flows.by_underlying["rebalance_usd"].items()}}
        if self.gamma is not None:
            out["gamma"] = {name: {"dealer_gex_usd_per_pct": _num(g.dealer_gex_usd_per_pct),
                                   "letf_gamma_usd_per_pct": _num(g.letf_gamma_usd_per_pct),
                                   "net_usd_per_pct": _num(g.net_usd_per_pct),
                                   "zero_gamma_level": _num(g.zero_gamma_level),
                                   "spot": _num(g.spot), "rate": _num(g.rate),
                                   "dividend_yield": _num(g.dividend_yield),
                                   "quote_date": _date(g.quote_date),
                                   "spot_source": g.spot_source,
                                   "rate_source": g.rate_source,
                                   "dividend_source": g.dividend_source,
                                   "sign_uncertain": g.uncertain, "reading": g.reading}
                            for name, g in self.gamma.underlyings.items()}
        if self.regions is not None:
            out["regions"] = [{"name": name, "ret_1w_usd": _num(row["1w USD"]),
                               "ret_ytd_usd": _num(row["YTD USD"]),
                               "flows_ytd_usd": _num(row["flows YTD"]),
                               "flows_since": _date(self.regions.flows_since),
                               "best_week_since": row["week vs history"]}
                              for name, row in self.regions.table.iterrows()]
        if self.regimes is not None:
            out["regimes"] = {name: {"value": _num(t.number), "state": t.state,
                                     "since": _date(t.since)}
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

    def to_json(self) -> str:
        """snapshot.json: ``headline()`` with the schema version first (the only writer of
        the file; NaN is written as null, never as a bare NaN)."""
        return json.dumps({"schema_version": SCHEMA_VERSION, **self.headline()}, indent=2,
                          allow_nan=False)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, 8)


def _date(value) -> str | None:
    return None if value is None else pd.Timestamp(value).strftime("%Y-%m-%d")

