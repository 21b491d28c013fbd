"""Crash radar: reads every signal together and says what kind of day it is.

The thresholds are data (``RULES``); ``assess`` maps the snapshot's parts to traffic lights and
a plain-words verdict. State: "red" (signal on), "amber" (watch), "green" (calm), "n/a".
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics import formatting as fmt
from analytics.letf import gross_share
from analytics.snapshot import SPARK_DAYS
from analytics.stats import percentile_rank, rolling_drawdown, worst_in

# name -> (amber, red, direction): "low" = smaller is worse, "high" = larger is worse.
RULES: dict[str, tuple[float, float, str]] = {
    "Momentum σ-move": (-2.0, -3.0, "low"),
    "Momentum crowding": (70.0, 84.0, "high"),
    "Dispersion percentile": (80.0, 95.0, "high"),
    "Breadth vs index": (0.60, 0.70, "high"),          # share beating a falling index
    "LETF flow % of ADV": (0.01, 0.02, "high"),         # of the stocks' dollar volume
    "Dealer net gamma ($bn/1%)": (0.5, 0.0, "low"),
    "VaR shock (EWMA / 1y vol)": (1.2, 1.5, "high"),
    "Momentum drawdown (1y peak)": (-0.35, -0.50, "low"),   # 1997-2026: 15% / 6% of days
}
# A losing momentum day that is the worst in this many trading days lights at least amber
# (a year) or red (five years), whatever its σ: in a high-vol regime (April 2009) the worst
# days on record are only -2σ.
WORST_IN_DAYS = {"amber": 252, "red": 1260}
LETF_BILLIONS_WORTH_SAYING = 1e9
STATE_ORDER = ("n/a", "green", "amber", "red")     # for the worst light of a day
STATE_NAMES = {"red": "signal", "amber": "watch", "green": "calm", "n/a": "n/a"}   # in words
# How a signal's change since the previous session is written: (scale, units, decimals) of the
# number its light reads ("pp": percentage points of a fraction; "pts": points of a 0-100 score).
CHANGE_FORMATS: dict[str, tuple[float, str, int]] = {
    "Momentum σ-move": (1.0, "σ", 1),
    "Long vs short leg": (100.0, " pp", 0),
    "VaR shock (EWMA / 1y vol)": (1.0, "x", 2),
    "Momentum drawdown (1y peak)": (100.0, " pp", 1),
    "Momentum crowding": (1.0, " pts", 0),
    "Dispersion percentile": (1.0, " pts", 0),
    "Breadth vs index": (100.0, " pp", 0),
}


@dataclass(frozen=True)
class RadarSignal:
    value: str                 # today's value in words, with units
    number: float              # the number the rule reads
    state: str                 # red / amber / green / n/a
    percentile: float = float("nan")   # of the number within its own history (0-100)
    since: Any = None          # first day of the current red/amber streak, when known


@dataclass(frozen=True)
class Radar:
    """signals: today's lights; verdict: the words; history: ``history`` of the signals
    that have one (empty when not computed); tone: the light of the verdict itself
    (``verdict_tone``), the headline's colour."""

    signals: dict[str, RadarSignal] = field(default_factory=dict)
    verdict: str = ""
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    tone: str = "n/a"

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """(signal, previous session's light, today's) for every light that changed."""
        return state_changes(self.history)

    def since_yesterday(self) -> str:
        """The lights that changed since the previous session, in words."""
        return since_words(self.changes, self.history)

    def trail(self, name: str, days: int = SPARK_DAYS) -> pd.Series:
        """The last ``days`` values of a signal's number (empty for the signals known only
        today: leveraged-ETF flow and dealer gamma)."""
        if self.history.empty or (name, "value") not in self.history.columns:
            return pd.Series(dtype=float)
        return self.history[(name, "value")].iloc[-days:].astype(float)

    def change(self, name: str) -> float:
        """Today's number minus the previous session's (NaN when either is missing)."""
        values = self.trail(name, 2)
        return float(values.iloc[-1] - values.iloc[0]) if len(values) == 2 else float("nan")

    def change_text(self, name: str) -> str:
        """``change`` in the signal's units ("+1.2σ", "-14 pp"), or why there is none."""
        if name not in CHANGE_FORMATS or (name, "value") not in self.history.columns:
            return "n/a (today only)"
        return fmt.change(self.change(name), *CHANGE_FORMATS[name])


def light(name: str, number: float) -> str:
    """Traffic light for one signal by ``RULES``."""
    if number is None or not math.isfinite(number):
        return "n/a"
    amber, red, direction = RULES[name]
    if direction == "low":
        return "red" if number <= red else ("amber" if number <= amber else "green")
    return "red" if number >= red else ("amber" if number >= amber else "green")


def lights(name: str, numbers) -> np.ndarray:
    """``light`` for a whole array or Series of numbers at once (strings, same shape)."""
    x = np.asarray(numbers, dtype=float)
    amber, red, direction = RULES[name]
    with np.errstate(invalid="ignore"):
        worse = (x <= red, x <= amber) if direction == "low" else (x >= red, x >= amber)
    return np.select([~np.isfinite(x), worse[0], worse[1]], ["n/a", "red", "amber"], "green")


def momentum_states(long_short: pd.Series, sigma: pd.Series) -> pd.Series:
    """The momentum σ-move light of every day: ``RULES`` on the σ, raised to amber / red on a
    losing day that is the worst in ``WORST_IN_DAYS`` (docs/methods.md, "Crash radar")."""
    state = lights("Momentum σ-move", sigma.reindex(long_short.index))
    losing = (long_short < 0).to_numpy()
    red = losing & worst_in(long_short, WORST_IN_DAYS["red"]).to_numpy()
    amber = losing & worst_in(long_short, WORST_IN_DAYS["amber"]).to_numpy()
    state = np.where(red, "red", state)
    state = np.where(amber & np.isin(state, ("green", "n/a")), "amber", state)
    return pd.Series(state, index=long_short.index)


def _streak(series: pd.Series | None, name: str):
    """First date of the current run of non-green lights of ``series`` (None if green)."""
    if series is None or series.dropna().empty:
        return None
    amber, _, direction = RULES[name]
    lit = series <= amber if direction == "low" else series >= amber
    lit = lit.fillna(False).astype(bool)
    if not lit.iloc[-1]:
        return None
    off = lit[~lit]
    return lit.index[0] if off.empty else lit.loc[off.index[-1]:].index[1]


def var_shock_history(factor: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Every day's (EWMA(0.94) vol / 252-day vol of a long/short factor, gross cut implied by
    the day's jump in EWMA vol = 1 - vol_yesterday / vol_today) (docs/methods.md); NaN for the
    first 252 returns."""
    r = factor.dropna()
    ewma = np.sqrt((r ** 2).ewm(alpha=0.06, adjust=False).mean())
    long = r.rolling(252, min_periods=252).std()
    ratio = (ewma / long.where(long > 0)).where(np.arange(len(r)) >= 252)
    cut = (1 - ewma.shift(1) / ewma.where(ewma > 0)).clip(lower=0.0).fillna(0.0)
    return ratio, cut.where(ratio.notna())


def var_shock(factor: pd.Series) -> tuple[float, float]:
    """Today's ``var_shock_history`` (NaN, NaN with under 253 returns)."""
    ratio, cut = var_shock_history(factor)
    if ratio.empty or not np.isfinite(ratio.iloc[-1]):
        return float("nan"), float("nan")
    return float(ratio.iloc[-1]), float(cut.iloc[-1])


def leg_shares(long_excess: pd.Series, short_excess: pd.Series) -> pd.Series:
    """``analytics.factors.leg_attribution`` for every day at once (NaN where undefined)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        share = long_excess / (long_excess - short_excess)
    return share.where((long_excess * short_excess <= 0) & (long_excess != short_excess))


def assess(parts: dict[str, Any]) -> Radar:
    """Traffic lights and verdict from the snapshot's parts (``momentum``, ``dispersion``,
    ``crowding``, ``flows``, ``gamma``, ``benchmark``); any part may be missing."""
    signals: dict[str, RadarSignal] = {}
    timeline = history(parts)            # today's momentum light and drawdown come from it
    mom, disp = parts.get("momentum"), parts.get("dispersion")
    crowd, flows, gamma = parts.get("crowding"), parts.get("flows"), parts.get("gamma")
    bench = parts.get("benchmark", "the index")
    if mom is not None:
        t = mom.today
        sigma = float(t.sigma)
        since = fmt.since(t.long_short, t.best_since, t.worst_since)
        ls = mom.factor["long_short"]
        pct = percentile_rank(ls).iloc[-1] if ls.notna().any() else np.nan
        day = t.day
        state = timeline[("Momentum σ-move", "state")].loc[day] if day is not None else "n/a"
        provisional = ", ".join(ticker for ticker, _ in t.provisional)
        signals["Momentum σ-move"] = RadarSignal(
            f"{fmt.pct(t.long_short)} ({fmt.sigma(sigma)}), {since}"
            + (f" (provisional: {provisional} may be a bad print)" if provisional else ""), sigma,
            state, pct, _streak(mom.sigma, "Momentum σ-move"))
        share, vs_bench = t.long_share, t.long_share_vs_benchmark
        signals["Long vs short leg"] = RadarSignal(
            f"vs equal-weighted stocks: long {fmt.pct(t.long_excess)}, short "
            f"{fmt.pct(t.short_excess)}"
            + (f", long leg {fmt.pct(share, 0, sign=False)} of the move"
               if share is not None else "")
            + f"; vs {bench}: long {fmt.pct(t.long_vs_benchmark)}, short "
              f"{fmt.pct(t.short_vs_benchmark)}"
            + (f" ({fmt.pct(vs_bench, 0, sign=False)})" if vs_bench is not None else ""),
            float(share or np.nan),
            signals["Momentum σ-move"].state if share is not None else "green")
        ratio, cut = var_shock(ls)
        signals["VaR shock (EWMA / 1y vol)"] = RadarSignal(
            var_words(ratio, cut), ratio, light("VaR shock (EWMA / 1y vol)", ratio))
        if day is not None:
            drawdowns = timeline[("Momentum drawdown (1y peak)", "value")].loc[:day]
            wealth = (1.0 + ls.loc[:day].fillna(0.0)).cumprod().iloc[-252:]
            dd = float(drawdowns.iloc[-1])
            signals["Momentum drawdown (1y peak)"] = RadarSignal(
                f"{fmt.pct(dd, 1)} from the 1-year high of the L/S "
                f"({wealth.idxmax():%Y-%m-%d})", dd, light("Momentum drawdown (1y peak)", dd),
                since=_streak(drawdowns, "Momentum drawdown (1y peak)"))
    if crowd is not None and "Momentum" in crowd.gauges:
        score = crowd.gauges["Momentum"].score
        signals["Momentum crowding"] = RadarSignal(
            fmt.NA if fmt.missing(score) else f"{score:.0f}/100", score,
            light("Momentum crowding", score))
    if disp is not None:
        d = disp.today
        signals["Dispersion percentile"] = RadarSignal(
            f"{fmt.multiple(d.ratio)} stock vs index vol", d.ratio_pct,
            light("Dispersion percentile", d.ratio_pct), d.ratio_pct,
            _streak(disp.ratio_percentile, "Dispersion percentile"))
        falling = d.benchmark < 0
        breadth = d.breadth if falling else float("nan")
        state = light("Breadth vs index", breadth) if falling else "green"
        signals["Breadth vs index"] = RadarSignal(
            f"{fmt.pct(d.breadth, 0, sign=False)} beat "
            f"{'a falling' if falling else 'a rising'} {bench} ({fmt.pct(d.benchmark)})",
            d.breadth, state, d.breadth_pct)
    if flows is not None:
        share = gross_share(flows.by_underlying, flows.adv_total)
        if flows.by_underlying.empty:
            text = ("n/a: no fund assets for the leveraged ETFs in the data (load share "
                    "counts, e.g. --shares)")
        elif fmt.missing(share):
            text = (f"{fmt.money(flows.total_usd)} into the close; % of volume n/a (no "
                    "dollar volume for the underlyings)")
        else:
            text = (f"{fmt.money(flows.total_usd)} into the close, {fmt.pct(share, 1, False)} "
                    "of the daily dollar volume of the stocks behind the underlyings")
        signals["LETF flow % of ADV"] = RadarSignal(text, share, light("LETF flow % of ADV", share))
    else:
        signals["LETF flow % of ADV"] = RadarSignal(
            "n/a: no leveraged ETFs with prices in the data", float("nan"), "n/a")
    if gamma is not None and gamma.underlyings:
        name, g = next(iter(gamma.underlyings.items()))
        net = g.net_usd_per_pct / 1e9
        signals["Dealer net gamma ($bn/1%)"] = RadarSignal(
            f"{name} net {fmt.money(g.net_usd_per_pct)} per 1% ({g.reading})", net,
            "amber" if g.uncertain else light("Dealer net gamma ($bn/1%)", net))
    else:
        day = parts.get("as_of")
        when = f" quoted on {fmt.day(day)}" if day is not None else ""
        signals["Dealer net gamma ($bn/1%)"] = RadarSignal(
            f"n/a: no option chain{when} (a replay needs that day's chain: --options)",
            float("nan"), "n/a")
    words = verdict(signals, parts)
    return Radar(signals=signals, verdict=words, history=timeline,
                 tone=verdict_tone(signals))


def state_changes(history: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(signal, light on the previous row, light on the last row) for each signal of
    ``history`` (``history()``'s frame) whose light changed; "Worst light" is left out."""
    if history is None or len(history) < 2:
        return []
    states = history.xs("state", axis=1, level="field").drop(columns="Worst light",
                                                           errors="ignore")
    before, now = states.iloc[-2], states.iloc[-1]
    return [(name, str(before[name]), str(now[name])) for name in states.columns
            if before[name] != now[name]]


def since_words(changes: list[tuple[str, str, str]], history: pd.DataFrame) -> str:
    """"Since 2026-02-03: Dispersion percentile watch → signal; ..." (the lights' words, as
    the radar's table shows them), or that none changed."""
    if history is None or len(history) < 2:
        return "Since the previous session: n/a (one day of history)"
    head = f"Since {history.index[-2]:%Y-%m-%d}"
    if not changes:
        return f"{head}: no light changed"
    return f"{head}: " + "; ".join(f"{name} {STATE_NAMES[was]} → {STATE_NAMES[now]}"
                                   for name, was, now in changes)


def var_words(ratio: float, cut: float) -> str:
    """The VaR-shock row: the vol ratio the light reads, and today's implied gross cut only
    when there is one (a 0% cut beside a red light would contradict it)."""
    if fmt.missing(ratio):
        return "n/a: needs a year of momentum returns"
    words = f"EWMA vol {fmt.multiple(ratio, 2)} its 1-year level"
    if not fmt.missing(cut) and cut >= 0.005:
        return f"{words}; a vol-targeting book cuts gross {fmt.pct(cut, 0, sign=False)} today"
    return f"{words}; no further cut today (vol did not rise)"


def verdict_tone(signals: dict[str, RadarSignal]) -> str:
    """The headline's light: red when the verdict leads with an unwind or crash (momentum
    σ-move or drawdown red), amber when momentum is on watch or any other light is red
    (the verdict then names it), green when calm, n/a without the momentum signal."""
    sigma, drawdown = signals.get("Momentum σ-move"), signals.get("Momentum drawdown (1y peak)")
    if sigma is None:
        return "n/a"
    lead = [sigma.state] + ([drawdown.state] if drawdown is not None else [])
    if "red" in lead:
        return "red"
    if "amber" in lead or any(s.state == "red" for s in signals.values()):
        return "amber"
    return "green"


HISTORY_SIGNALS = ("Momentum σ-move", "Long vs short leg", "VaR shock (EWMA / 1y vol)",
                   "Momentum drawdown (1y peak)", "Momentum crowding", "Dispersion percentile",
                   "Breadth vs index")


def history(parts: dict[str, Any], start=None) -> pd.DataFrame:
    """Every day's value and light of each radar signal that has a daily history, vectorised:
    columns (signal, "value" / "state") for ``HISTORY_SIGNALS`` (the leveraged-ETF flow and
    dealer gamma are known only for today, from today's fund assets and option chain), plus
    ("Worst light", "state"). The same rules as ``assess``: the last row equals today's
    lights. ``parts`` as for ``assess`` (``crowding`` needs its ``momentum_score`` series);
    ``start``: the first date to return."""
    mom, disp, crowd = parts.get("momentum"), parts.get("dispersion"), parts.get("crowding")
    signals: dict[str, tuple[pd.Series, Any]] = {}      # name -> (values, states)
    if mom is not None:
        f = mom.factor
        ls = f["long_short"]
        states = momentum_states(ls, mom.sigma)
        signals["Momentum σ-move"] = (mom.sigma.reindex(ls.index), states)
        if {"long_excess", "short_excess"} <= set(f.columns):
            share = leg_shares(f["long_excess"], f["short_excess"])
            signals["Long vs short leg"] = (share, states.where(share.notna(), "green"))
        ratio = var_shock_history(ls)[0].reindex(ls.index)
        signals["VaR shock (EWMA / 1y vol)"] = (ratio, lights("VaR shock (EWMA / 1y vol)",
                                                              ratio))
        dd = rolling_drawdown(ls).where(ls.notna().cumsum() > 0)
        signals["Momentum drawdown (1y peak)"] = (dd, lights("Momentum drawdown (1y peak)",
                                                             dd))
    score = getattr(crowd, "momentum_score", None)
    if score is not None:
        signals["Momentum crowding"] = (score, lights("Momentum crowding", score))
    if disp is not None:
        pct = disp.ratio_percentile
        signals["Dispersion percentile"] = (pct, lights("Dispersion percentile", pct))
        falling = (disp.benchmark_return.reindex(disp.breadth.index) < 0).to_numpy()
        signals["Breadth vs index"] = (disp.breadth, np.where(
            falling, lights("Breadth vs index", disp.breadth), "green"))
    if not signals:
        return pd.DataFrame()
    index = signals[next(iter(signals))][0].index
    for values, _ in signals.values():
        index = index.union(values.index)
    frame = {}
    for name in [n for n in HISTORY_SIGNALS if n in signals]:
        values, states = signals[name]
        frame[(name, "value")] = values.reindex(index)
        frame[(name, "state")] = pd.Series(np.asarray(states), index=values.index) \
            .reindex(index).fillna("n/a")
    out = pd.DataFrame(frame, index=index)
    order = {name: i for i, name in enumerate(STATE_ORDER)}
    codes = np.stack([out[k].map(order).to_numpy() for k in out.columns if k[1] == "state"])
    out[("Worst light", "state")] = np.asarray(STATE_ORDER)[codes.max(axis=0)]
    out.columns = pd.MultiIndex.from_tuples(out.columns, names=["signal", "field"])
    return out.loc[pd.Timestamp(start):] if start is not None else out


def verdict(signals: dict[str, RadarSignal], parts: dict[str, Any]) -> str:
    """One plain-words sentence from the lights (the rules above, applied in order)."""
    mom = parts.get("momentum")
    sigma = signals.get("Momentum σ-move")
    if sigma is None:
        return "Not enough data for a verdict (needs the benchmark and a year of constituents)."
    phrases: list[str] = []
    if sigma.state == "red" and mom is not None:
        legs = mom.legs
        if legs.direction == "unwind" and legs.driver == "short":
            phrases.append("Short squeeze: losers bought back")
        elif legs.direction == "unwind" and legs.driver == "long":
            phrases.append("Momentum unwind: long-side de-grossing")
        else:
            phrases.append("Momentum unwind: winners sold and losers bought")
    elif sigma.state == "amber":
        phrases.append("Momentum under pressure")
    elif sigma.number >= 3:
        phrases.append("Momentum rally")
    else:
        recent = mom.today.recent if mom is not None else None
        if recent is not None and light("Momentum σ-move", recent.sigma) == "red":
            phrases.append(f"Calm today after the {pd.Timestamp(recent.day):%Y-%m-%d} momentum "
                           f"crash ({100 * recent.long_short:+.1f}%)")
        else:
            phrases.append("Calm: no momentum unwind")
    drawdown = signals.get("Momentum drawdown (1y peak)")
    if drawdown is not None and drawdown.state in ("red", "amber"):
        words = f"L/S {100 * drawdown.number:.0f}% below its 1-year high"
        if drawdown.state == "red" and phrases[0].startswith("Calm"):
            phrases[0] = f"Momentum crash under way: {words}"
        else:
            phrases.append(words)
    breadth = signals.get("Breadth vs index")
    if breadth is not None and breadth.state == "red":
        phrases.append(f"{_fraction_words(breadth.number)} of stocks beat the falling index")
    flows = parts.get("flows")
    if flows is not None and abs(flows.total_usd) >= LETF_BILLIONS_WORTH_SAYING:
        side = "selling" if flows.total_usd < 0 else "buying"
        phrases.append(f"est. {fmt.money(abs(flows.total_usd), decimals=0, sign=False)} "
                       f"leveraged-ETF {side} into the close")
    gamma = signals.get("Dealer net gamma ($bn/1%)")
    chains = parts.get("gamma")
    first = next(iter(chains.underlyings.values()), None) if chains is not None else None
    if gamma is not None and first is not None and first.uncertain:
        phrases.append("dealer gamma near its flip (sign uncertain)")
    elif gamma is not None and gamma.number < 0:
        phrases.append("dealers net short gamma")
    crowd = signals.get("Momentum crowding")
    if crowd is not None and crowd.state == "red":
        phrases.append("momentum was crowded")
    disp = signals.get("Dispersion percentile")
    if disp is not None and disp.state == "red" and sigma.state != "red":
        phrases.append("single stocks moving far more than the index")
    head, rest = phrases[0], phrases[1:]
    return head + (": " if rest and ":" not in head else (", " if rest else "")) + \
        ", ".join(rest) + "."


def _fraction_words(x: float) -> str:
    """'3/4' only for 72.5-77.5% (likewise 2/3, 3/5); otherwise the percentage."""
    for value, words in ((0.75, "3/4"), (2 / 3, "2/3"), (0.6, "3/5")):
        if abs(x - value) <= 0.025:
            return words
    return fmt.pct(x, 0, sign=False)
